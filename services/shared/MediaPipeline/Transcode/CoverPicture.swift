import CAVFormat

/// A cover image muxed into an audio output as an attached picture: an extra stream with
/// `AV_DISPOSITION_ATTACHED_PIC` whose codec (mjpeg or png) is copied from the image file, and
/// whose single packet is written once — an ID3v2 APIC frame in MP3, a `covr` atom in MP4 (M4A).
///
/// Not Sendable: each encode opens its own and uses it on one thread.
package final class CoverPicture {
    /// The muxers that write attached pictures.
    package static let muxers: Set<String> = ["mp3", "mp4"]
    /// The demuxers of a lone JPEG or PNG image.
    private static let imageDemuxers: Set<String> = ["image2", "jpeg_pipe", "png_pipe"]

    private let input: MediaInput
    private let stream: UnsafeMutablePointer<AVStream>
    private var outputStream: UnsafeMutablePointer<AVStream>?

    /// Opens the image at `path`.
    /// - Throws: `unreadableInput` (422) unless it is a JPEG or PNG image.
    package init(path: String) throws(MediaError) {
        let notAnImage = "The cover is not a JPEG or PNG image."
        let input: MediaInput
        do {
            input = try MediaInput.open(path: path)
        } catch {
            throw MediaError(.unreadableInput, notAnImage + " (\(error.message))", cause: error.cause)
        }
        let demuxer = String(cString: input.context.pointee.iformat.pointee.name)
        guard Self.imageDemuxers.contains(demuxer), input.context.pointee.nb_streams == 1, let stream = input.context.pointee.streams[0],
              [AV_CODEC_ID_MJPEG, AV_CODEC_ID_PNG].contains(stream.pointee.codecpar.pointee.codec_id),
              stream.pointee.codecpar.pointee.width > 0, stream.pointee.codecpar.pointee.height > 0
        else {
            throw MediaError(.unreadableInput, notAnImage + " (FFmpeg reads it as \(demuxer)).")
        }
        self.input = input
        self.stream = stream
    }

    /// Adds the picture's stream to `output`; call before ``MediaOutput/begin(path:options:)``.
    /// - Throws: `unreadableInput` (422) when the output's muxer writes no cover (only mp3 and mp4 do).
    package func addStream(to output: MediaOutput) throws(MediaError) {
        let muxer = String(cString: output.context.pointee.oformat.pointee.name)
        guard Self.muxers.contains(muxer) else {
            throw MediaError(.unreadableInput, "Cover images are written to mp3 and m4a only, not \(muxer).")
        }
        guard let added = avformat_new_stream(output.context, nil) else { throw .outOfMemory("the cover stream") }
        let status = avcodec_parameters_copy(added.pointee.codecpar, stream.pointee.codecpar)
        guard status >= 0 else {
            let cause = FFmpegError("avcodec_parameters_copy", code: status)
            throw MediaError(.encodeFailed, "The cover could not be added (\(cause.message)).", cause: cause)
        }
        added.pointee.codecpar.pointee.codec_tag = 0
        added.pointee.disposition = AV_DISPOSITION_ATTACHED_PIC
        added.pointee.time_base = stream.pointee.time_base
        outputStream = added
    }

    /// Writes the picture's one packet; call after ``MediaOutput/begin(path:options:)``, before the audio.
    package func write(to output: MediaOutput) throws(MediaError) {
        guard let outputStream else { return }
        let packet = try Packet()
        let status = av_read_frame(input.context, packet.pointer)
        guard status >= 0 else {
            let cause = FFmpegError("av_read_frame", code: status)
            throw MediaError(.unreadableInput, "The cover image could not be read (\(cause.message)).", cause: cause)
        }
        packet.pointer.pointee.stream_index = outputStream.pointee.index
        packet.pointer.pointee.pts = 0
        packet.pointer.pointee.dts = 0
        packet.pointer.pointee.duration = 0
        packet.pointer.pointee.pos = -1
        packet.pointer.pointee.flags |= AV_PKT_FLAG_KEY
        try output.write(packet)
    }
}
