import CAVFormat
import Foundation

/// A watermark's image (a PNG with alpha, or another still image FFmpeg reads), checked to be one
/// decodable picture before the encode starts, then overlaid by libavfilter: the `movie` source
/// reads it, `format=rgba` keeps its alpha, `scale` shrinks it (aspect kept) when it does not fit
/// inside the frame's margins, `colorchannelmixer` scales its alpha by the opacity, and `overlay`
/// places it, holding the one picture for the whole video.
struct WatermarkImage {
    /// The image file (a job's attachment).
    let path: String
    /// The picture's size in pixels.
    let width: Int
    let height: Int

    /// Opens and decodes `path`'s picture.
    /// - Throws: 422 (`unreadableInput`) when it is not a still image FFmpeg can decode.
    init(path: String) throws(VideoError) {
        let input: MediaInput
        do {
            input = try MediaInput.open(path: path)
        } catch {
            throw Self.notAnImage("FFmpeg cannot read it\(error.cause.map { " (\($0.message))" } ?? "")", cause: error.cause)
        }
        let demuxer = input.context.pointee.iformat.map { String(cString: $0.pointee.name) } ?? "unknown"
        // Still images are read by image2 or one of its `*_pipe` demuxers (png_pipe, jpeg_pipe, webp_pipe…).
        guard demuxer == "image2" || demuxer.hasSuffix("_pipe") else {
            throw Self.notAnImage("it is a \(demuxer) file, not a still image", cause: nil)
        }
        let frame: Frame
        do {
            let source = try VideoSource(input: input)
            frame = try ThumbnailExtractor.decodeFrame(
                at: Int64.min, input: input, streamIndex: source.index, decoder: source.decoder, timeBase: source.timeBase,
                progress: { _ in }, isCancelled: { false }
            )
        } catch {
            throw Self.notAnImage(error.message, cause: error.cause)
        }
        self.path = path
        width = Int(frame.pointer.pointee.width)
        height = Int(frame.pointer.pointee.height)
    }

    /// The mark's size on a `frameWidth`×`frameHeight` picture: the image's own, or shrunk
    /// (aspect kept, never enlarged) to fit inside the frame less a margin on each side.
    func size(frameWidth: Int, frameHeight: Int, margin: Int) -> (width: Int, height: Int) {
        let room = (width: max(frameWidth - 2 * margin, 1), height: max(frameHeight - 2 * margin, 1))
        let factor = min(1, Double(room.width) / Double(width), Double(room.height) / Double(height))
        guard factor < 1 else { return (width, height) }
        return (max(1, Int((Double(width) * factor).rounded(.down))), max(1, Int((Double(height) * factor).rounded(.down))))
    }

    /// The filters that overlay the image on the chain's `frameWidth`×`frameHeight` frames, placed
    /// as `placement` says. They end the chain at a label and start it again, so they sit in a
    /// `-vf`-style chain like any filter: `…,null[wmbase];movie=…[wmmark];[wmbase][wmmark]overlay=…,…`.
    /// - Parameter link: where a symbolic link to the image is made (in the job's scratch
    ///   directory), so the `movie` source reads a path that needs no escaping.
    func filter(link: String, placement: Watermark, frameWidth: Int, frameHeight: Int) throws(VideoError) -> String {
        try? FileManager.default.removeItem(atPath: link)
        do {
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        } catch {
            throw VideoError(.internalError, "Could not link the watermark image into the job's directory (\(error)).")
        }
        var mark = "movie=filename=\(link),format=rgba"
        let size = size(frameWidth: frameWidth, frameHeight: frameHeight, margin: placement.margin)
        if size != (width, height) { mark += ",scale=\(size.width):\(size.height):flags=bicubic" }
        if placement.opacity < 1 { mark += ",colorchannelmixer=aa=\(String(format: "%.3f", placement.opacity))" }
        let (x, y) = placement.origin(frameWidth: "W", frameHeight: "H", markWidth: "w", markHeight: "h")
        return "null[wmbase];\(mark)[wmmark];[wmbase][wmmark]overlay=x=\(x):y=\(y):eof_action=repeat"
    }

    private static func notAnImage(_ reason: String, cause: FFmpegError?) -> VideoError {
        VideoError(.unreadableInput, "The watermark image (\(Watermark.imageParameter)) is not a decodable image: \(reason). Send a PNG (with alpha for transparency).", cause: cause)
    }
}
