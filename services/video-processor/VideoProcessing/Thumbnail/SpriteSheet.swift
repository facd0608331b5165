import CAVFormat

/// A contact sheet: thumbnails at several times tiled left to right, top to bottom in one image,
/// and a WebVTT map whose cues point at each tile (`sprite.jpg#xywh=x,y,w,h`), as video players
/// use for seek previews.
public struct SpriteSheet: Sendable {
    /// The encoded sheet.
    public var image: [UInt8]
    /// The WebVTT map.
    public var vtt: String
    /// Facts about it (the job's `result`).
    public var info: Info

    public struct Info: Sendable, Codable, Equatable {
        public var format: ImageFormat
        public var columns: Int
        public var rows: Int
        public var tileWidth: Int
        public var tileHeight: Int
        public var width: Int
        public var height: Int
        /// The time of each tile, in sheet order.
        public var times: [Double]
    }

    /// The name of the sheet output; the map's cues refer to it with the format's extension.
    public static let imageName = "sprite"
    /// The name of the WebVTT output.
    public static let mapName = "sprite-map"
    /// Tile width when neither width nor height is given.
    public static let defaultTileWidth = 160

    /// Makes the sheet of the video at `path` at `times`.
    /// - Parameter columns: tiles per row; nil picks about a square grid.
    public static func make(
        path: String, times: [Double], request: ThumbnailRequest, columns: Int?, progress: (Double, String) -> Void = { _, _ in },
        isCancelled: () -> Bool = { false }
    ) throws(VideoError) -> SpriteSheet {
        progress(0, "opening")
        let session = try ThumbnailExtractor.Session(path: path, autorotate: request.autorotate)
        if let duration = session.duration, let late = times.first(where: { $0 > duration + 1e-6 }) {
            throw VideoError(.invalidParameter, "timestamp \(late) is past the end of the video (duration \(duration) s).")
        }
        let columns = max(1, min(columns ?? Int(Double(times.count).squareRoot().rounded(.up)), times.count))
        let rows = (times.count + columns - 1) / columns
        var tile: (width: Int, height: Int)?
        var sheet: Frame?
        for (index, time) in times.enumerated() {
            let frame = try session.nextFrame(at: time, progress: { fraction in
                progress((Double(index) + 0.9 * fraction) / Double(times.count) * 0.9, "decoding")
            }, isCancelled: isCancelled)
            if tile == nil {
                var sized = request
                if sized.width == 0 && sized.height == 0 { sized.width = defaultTileWidth }
                let size = sized.outputSize(sourceWidth: Int(frame.pointer.pointee.width), sourceHeight: Int(frame.pointer.pointee.height))
                tile = size
                sheet = try blank(width: size.width * columns, height: size.height * rows)
            }
            guard let tile, let sheet else { break }
            let scaled = try FrameEncoder.scale(frame, width: tile.width, height: tile.height, to: AV_PIX_FMT_RGB24, fullRange: false)
            copy(scaled, into: sheet, x: (index % columns) * tile.width, y: (index / columns) * tile.height, width: tile.width, height: tile.height)
        }
        guard let tile, let sheet else { throw VideoError(.invalidParameter, "A sprite needs at least one time.") }
        progress(0.9, "encoding")
        let width = tile.width * columns
        let height = tile.height * rows
        let image = try FrameEncoder.encode(sheet, width: width, height: height, format: request.format, quality: request.quality)
        let fileName = imageName + request.format.fileExtension
        var vtt = "WEBVTT\n"
        for (index, time) in times.enumerated() {
            let end = index + 1 < times.count ? times[index + 1] : max(session.duration ?? time + 1, time + 0.001)
            let x = (index % columns) * tile.width
            let y = (index / columns) * tile.height
            vtt += "\n\(cueTime(time)) --> \(cueTime(end))\n\(fileName)#xywh=\(x),\(y),\(tile.width),\(tile.height)\n"
        }
        progress(1, "done")
        return SpriteSheet(image: image, vtt: vtt, info: Info(
            format: request.format, columns: columns, rows: rows, tileWidth: tile.width, tileHeight: tile.height,
            width: width, height: height, times: times
        ))
    }

    /// `HH:MM:SS.mmm`, as WebVTT cue times are written.
    static func cueTime(_ seconds: Double) -> String {
        let milliseconds = Int((seconds * 1000).rounded())
        let h = milliseconds / 3_600_000, m = milliseconds / 60_000 % 60, s = milliseconds / 1000 % 60, ms = milliseconds % 1000
        func pad(_ value: Int, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(value).count)) + String(value) }
        return "\(pad(h, 2)):\(pad(m, 2)):\(pad(s, 2)).\(pad(ms, 3))"
    }

    /// A black RGB24 picture.
    private static func blank(width: Int, height: Int) throws(VideoError) -> Frame {
        let frame = try Frame()
        frame.pointer.pointee.width = Int32(width)
        frame.pointer.pointee.height = Int32(height)
        frame.pointer.pointee.format = AV_PIX_FMT_RGB24.rawValue
        guard av_frame_get_buffer(frame.pointer, 0) >= 0, let data = frame.pointer.pointee.data.0 else {
            throw VideoError.outOfMemory("a \(width)x\(height) contact sheet")
        }
        data.initialize(repeating: 0, count: Int(frame.pointer.pointee.linesize.0) * height)
        return frame
    }

    private static func copy(_ tile: Frame, into sheet: Frame, x: Int, y: Int, width: Int, height: Int) {
        guard let source = tile.pointer.pointee.data.0, let destination = sheet.pointer.pointee.data.0 else { return }
        let sourceStride = Int(tile.pointer.pointee.linesize.0)
        let destinationStride = Int(sheet.pointer.pointee.linesize.0)
        for row in 0..<height {
            (destination + (y + row) * destinationStride + x * 3).update(from: source + row * sourceStride, count: width * 3)
        }
    }
}
