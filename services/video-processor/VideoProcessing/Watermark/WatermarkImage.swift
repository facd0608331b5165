import CAVFormat
import Foundation

/// A watermark's image (a PNG with alpha, or another still image FFmpeg reads), checked to be one
/// decodable picture before the encode starts, then overlaid by libavfilter: the `movie` source
/// reads it, `format=rgba` keeps its alpha, `colorchannelmixer` scales that alpha by the opacity,
/// `scale2ref` shrinks it (aspect kept) when it does not fit inside the frame's margins, and
/// `overlay` places it, holding the one picture for the whole video.
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

    /// The filters that overlay the image on the chain's frames, placed as `placement` says. They
    /// end the chain at a label and start it again, so they sit in a `-vf`-style chain like any
    /// filter: `…,null[wmbase];movie=…[wmraw];[wmraw][wmbase]scale2ref=…;[wmmain][wmmark]overlay=…,…`.
    /// - Parameter link: where a symbolic link to the image is made (in the job's scratch
    ///   directory), so the `movie` source reads a path that needs no escaping.
    func filter(link: String, placement: Watermark) throws(VideoError) -> String {
        try? FileManager.default.removeItem(atPath: link)
        do {
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        } catch {
            throw VideoError(.internalError, "Could not link the watermark image into the job's directory (\(error)).")
        }
        let inner = "2*\(placement.margin)"
        // Shrink factor: 1, or what fits the mark inside the frame less its margins.
        let fit = "min(1\\,min(max(main_w-\(inner)\\,1)/iw\\,max(main_h-\(inner)\\,1)/ih))"
        var mark = "movie=filename=\(link),format=rgba"
        if placement.opacity < 1 { mark += ",colorchannelmixer=aa=\(String(format: "%.3f", placement.opacity))" }
        let (x, y) = placement.origin(frameWidth: "W", frameHeight: "H", markWidth: "w", markHeight: "h")
        return "null[wmbase];\(mark)[wmraw];"
            + "[wmraw][wmbase]scale2ref=w='max(1\\,floor(iw*\(fit)))':h='max(1\\,floor(ih*\(fit)))'[wmmark][wmmain];"
            + "[wmmain][wmmark]overlay=x=\(x):y=\(y):eof_action=repeat"
    }

    private static func notAnImage(_ reason: String, cause: FFmpegError?) -> VideoError {
        VideoError(.unreadableInput, "The watermark image (\(Watermark.imageParameter)) is not a decodable image: \(reason). Send a PNG (with alpha for transparency).", cause: cause)
    }
}
