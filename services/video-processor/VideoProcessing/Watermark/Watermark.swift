import Foundation
public import ServiceKit

/// A text watermark drawn with libavfilter's `drawtext` in a DejaVu font (Debian's
/// `fonts-dejavu-core`), placed in a corner or the centre with a margin and an opacity.
public struct Watermark: Sendable, Equatable {
    public enum Position: String, Sendable, CaseIterable {
        case topLeft = "top-left", topRight = "top-right", bottomLeft = "bottom-left", bottomRight = "bottom-right", center
    }

    /// Where the font is looked for, in order.
    static let fontPaths = [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    ]

    public var text: String
    public var position: Position
    public var opacity: Double
    public var margin: Int
    public var fontSize: Int

    /// Reads a watermark from `textParameter` (`text` for `watermark`, `watermark` for `process`)
    /// and `position`, `opacity`, `margin`, `fontSize`; nil when there is no text.
    public init?(parameters: JobParameters, textParameter: String) throws(ServiceError) {
        guard let text = try parameters.string(textParameter), !text.isEmpty else { return nil }
        let positionName = try parameters.string("position")?.lowercased() ?? Position.bottomRight.rawValue
        guard let position = Position(rawValue: positionName) else {
            throw .invalidParameter("position", "must be one of \(Position.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(positionName)\".")
        }
        self.text = text
        self.position = position
        opacity = try parameters.double("opacity") ?? 0.7
        margin = try parameters.int("margin") ?? 16
        fontSize = try parameters.int("fontSize") ?? 32
    }

    /// The `drawtext` filter, reading the text from `textFile` (written here) so that no character
    /// of it needs escaping in the filter graph, with `%` expansion off.
    func filter(textFile: String) throws(VideoError) -> String {
        guard let font = Self.fontPaths.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw VideoError(.internalError, "No font for the watermark: install fonts-dejavu-core.")
        }
        guard FileManager.default.createFile(atPath: textFile, contents: Data(text.utf8)) else {
            throw VideoError(.internalError, "Could not write the watermark text.")
        }
        let m = margin
        let (x, y): (String, String) = switch position {
        case .topLeft: ("\(m)", "\(m)")
        case .topRight: ("w-tw-\(m)", "\(m)")
        case .bottomLeft: ("\(m)", "h-th-\(m)")
        case .bottomRight: ("w-tw-\(m)", "h-th-\(m)")
        case .center: ("(w-tw)/2", "(h-th)/2")
        }
        let alpha = String(format: "%.3f", min(max(opacity, 0), 1))
        return "drawtext=fontfile=\(font):textfile=\(textFile):expansion=none:fontsize=\(fontSize):fontcolor=white@\(alpha):borderw=2:bordercolor=black@\(alpha):x=\(x):y=\(y)"
    }
}
