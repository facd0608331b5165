package import CAVFormat

/// Scales a decoded frame with libswscale and encodes it with FFmpeg's `png` or `mjpeg` encoder.
package enum FrameEncoder {
    package static func encode(_ source: Frame, width: Int, height: Int, format: ImageFormat, quality: Int) throws(MediaError) -> [UInt8] {
        // JPEG wants full-range YUV: yuv420p marked full range (the yuvj420p formats are deprecated).
        let pixelFormat = format == .png ? AV_PIX_FMT_RGB24 : AV_PIX_FMT_YUV420P
        let scaled = try scale(source, width: width, height: height, to: pixelFormat, fullRange: format == .jpeg)
        let codec: UnsafePointer<AVCodec>? = switch format {
        case .png: avcodec_find_encoder(AV_CODEC_ID_PNG)
        case .jpeg: avcodec_find_encoder(AV_CODEC_ID_MJPEG)
        case .webp: avcodec_find_encoder_by_name("libwebp")
        }
        guard let codec else {
            throw MediaError(.encodeFailed, "This FFmpeg build has no \(format.rawValue) encoder.")
        }
        let encoder = try CodecContext(codec: codec)
        let context = encoder.context
        context.pointee.width = Int32(width)
        context.pointee.height = Int32(height)
        context.pointee.pix_fmt = AVPixelFormat(scaled.pointer.pointee.format)
        context.pointee.time_base = AVRational(num: 1, den: 25)
        var options: [String: String] = [:]
        if format == .jpeg {
            // Quality maps 100…1 onto mjpeg's qscale 2…31.
            context.pointee.color_range = AVCOL_RANGE_JPEG
            let qscale = 2 + Int32((Double(100 - quality) * 29.0 / 99.0).rounded())
            context.pointee.flags |= outpost_codec_flag_qscale()
            context.pointee.global_quality = qscale * outpost_ff_qp2lambda()
            scaled.pointer.pointee.quality = context.pointee.global_quality
        }
        if format == .webp { options["quality"] = String(quality) }
        try encoder.open(failure: .encodeFailed, what: "\(format.rawValue) encoder", options: options)
        scaled.pointer.pointee.pts = 0

        var status = avcodec_send_frame(context, scaled.pointer)
        guard status >= 0 else { throw failure("avcodec_send_frame", status, format) }
        _ = avcodec_send_frame(context, nil)
        let packet = try Packet()
        var bytes: [UInt8] = []
        while true {
            status = avcodec_receive_packet(context, packet.pointer)
            if status == outpost_averror_eof() || status == outpost_averror_eagain() { break }
            guard status >= 0 else { throw failure("avcodec_receive_packet", status, format) }
            if let data = packet.pointer.pointee.data {
                bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(packet.pointer.pointee.size)))
            }
            av_packet_unref(packet.pointer)
        }
        guard !bytes.isEmpty else { throw MediaError(.encodeFailed, "The \(format.rawValue) encoder produced no image.") }
        return bytes
    }

    /// Converts `source` to `width`×`height` in `pixelFormat` (bicubic, like ffmpeg's default scaler),
    /// full-range when `fullRange`.
    package static func scale(_ source: Frame, width: Int, height: Int, to pixelFormat: AVPixelFormat, fullRange: Bool) throws(MediaError) -> Frame {
        let src = source.pointer.pointee
        let sourceFormat = AVPixelFormat(src.format)
        // swscale infers the range from the pixel format alone (limited for yuv420p): say when the
        // source frame, or the output, is full range.
        let sourceFull: Int32 = src.color_range == AVCOL_RANGE_JPEG || isFullRangeFormat(sourceFormat) ? 1 : 0
        guard let scaler = outpost_sws_context(
            src.width, src.height, sourceFormat, sourceFull, Int32(width), Int32(height), pixelFormat, fullRange ? 1 : 0,
            outpost_sws_bicubic()
        ) else {
            let name = av_get_pix_fmt_name(sourceFormat).map { String(cString: $0) } ?? "\(sourceFormat.rawValue)"
            throw MediaError(.encodeFailed, "Cannot convert frames of pixel format \(name) at \(src.width)x\(src.height) to \(width)x\(height).")
        }
        defer { sws_freeContext(scaler) }
        let destination = try Frame()
        destination.pointer.pointee.width = Int32(width)
        destination.pointer.pointee.height = Int32(height)
        destination.pointer.pointee.format = pixelFormat.rawValue
        if fullRange { destination.pointer.pointee.color_range = AVCOL_RANGE_JPEG }
        var status = av_frame_get_buffer(destination.pointer, 0)
        guard status >= 0 else { throw MediaError.outOfMemory("a \(width)x\(height) image") }
        status = sws_scale_frame(scaler, destination.pointer, source.pointer)
        guard status >= 0 else {
            let cause = FFmpegError("sws_scale_frame", code: status)
            throw MediaError(.encodeFailed, "Scaling the frame failed (\(cause.message)).", cause: cause)
        }
        return destination
    }

    /// The deprecated yuvj* formats are full range by definition.
    private static func isFullRangeFormat(_ format: AVPixelFormat) -> Bool {
        [AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_YUVJ440P, AV_PIX_FMT_YUVJ411P].contains(format)
    }

    private static func failure(_ function: String, _ status: Int32, _ format: ImageFormat) -> MediaError {
        let cause = FFmpegError(function, code: status)
        return MediaError(.encodeFailed, "Encoding the \(format.rawValue) image failed (\(cause.message)).", cause: cause)
    }
}
