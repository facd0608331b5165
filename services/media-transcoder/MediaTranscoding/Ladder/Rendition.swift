/// One rung of the HLS ladder: a quality's name, the box its picture fits in, and its video bit rate.
public struct Rendition: Sendable, Equatable, Codable {
    /// `mobile`, `low`, `medium`, `high` or `full`.
    public var quality: String
    /// The box (landscape; turned for portrait sources) the picture is fitted into.
    public var width: Int
    public var height: Int
    /// Target video bit rate in bits per second.
    public var bitRate: Int64

    /// The ladder, smallest first.
    public static let ladder: [Rendition] = [
        Rendition(quality: "mobile", width: 426, height: 240, bitRate: 400_000),
        Rendition(quality: "low", width: 640, height: 360, bitRate: 800_000),
        Rendition(quality: "medium", width: 854, height: 480, bitRate: 1_400_000),
        Rendition(quality: "high", width: 1280, height: 720, bitRate: 2_800_000),
        Rendition(quality: "full", width: 1920, height: 1080, bitRate: 5_000_000),
    ]

    /// The rung named `quality` (any case).
    public static func named(_ quality: String) -> Rendition? {
        ladder.first { $0.quality == quality.lowercased() }
    }

    /// Whether this rung fits a `width`×`height` source without enlarging it: its short side is
    /// at most the source's.
    public func fits(width sourceWidth: Int, height sourceHeight: Int) -> Bool {
        height <= min(sourceWidth, sourceHeight)
    }

    /// The output size for a `width`×`height` source: fitted into the box (turned for portrait),
    /// aspect kept, even numbers, never larger than the source.
    public func outputSize(width sourceWidth: Int, height sourceHeight: Int) -> (width: Int, height: Int) {
        let portrait = sourceHeight > sourceWidth
        let (boxWidth, boxHeight) = portrait ? (height, width) : (width, height)
        let scale = min(1, min(Double(boxWidth) / Double(sourceWidth), Double(boxHeight) / Double(sourceHeight)))
        func even(_ value: Double) -> Int { max(2, Int((value / 2).rounded()) * 2) }
        return (even(Double(sourceWidth) * scale), even(Double(sourceHeight) * scale))
    }

    /// Sizes with one exact aspect ratio, the largest's (DASH puts a ladder in one adaptation set
    /// only when every picture has the same width:height): each is the largest multiple of the
    /// reduced ratio, with even sides, not taller than asked. Nil when the ratio has no such
    /// multiple small enough (an odd-sized source), and the sizes cannot share a ratio.
    public static func sameAspect(_ sizes: [(width: Int, height: Int)]) -> [(width: Int, height: Int)]? {
        guard let largest = sizes.last else { return sizes }
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
        let divisor = gcd(largest.width, largest.height)
        let (p, q) = (largest.width / divisor, largest.height / divisor)
        // Both sides even: k even unless p and q are both even.
        let step = p % 2 == 0 && q % 2 == 0 ? 1 : 2
        var out: [(width: Int, height: Int)] = []
        for size in sizes {
            let k = size.height / q / step * step
            guard k >= step else { return nil }
            out.append((p * k, q * k))
        }
        return out
    }
}
