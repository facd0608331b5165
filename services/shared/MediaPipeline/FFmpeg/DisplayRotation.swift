package import CAVFormat

/// How a video stream must be turned to be seen upright: its display matrix (phone videos carry
/// one instead of rotated pixels) read as the `ffmpeg` CLI's autorotate does, as a quarter turn.
///
/// `clockwise` is the turn to apply: the display matrix's angle is counter-clockwise (as ffprobe
/// reports it), so a matrix of 90° takes a 270° clockwise turn (`transpose=cclock`). Angles that are
/// not a multiple of 90° (within 1°) are not applied (the CLI turns those with `rotate`, cutting the
/// corners); flips in the matrix are ignored, as FFmpeg 5.1's CLI does.
package struct DisplayRotation: Sendable, Equatable {
    /// Degrees clockwise that make the picture upright: 0, 90, 180 or 270.
    package let clockwise: Int

    /// No turn.
    package static let none = DisplayRotation(clockwise: 0)

    package init(clockwise: Int) {
        self.clockwise = ((clockwise % 360) + 360) % 360
    }

    /// The rotation of `stream`'s display matrix; ``none`` without one.
    package init(stream: UnsafeMutablePointer<AVStream>) {
        guard let matrix = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, nil) else {
            self = .none
            return
        }
        let counterClockwise = av_display_rotation_get(UnsafeRawPointer(matrix).assumingMemoryBound(to: Int32.self))
        guard counterClockwise.isFinite else {
            self = .none
            return
        }
        var theta = -counterClockwise.rounded()
        theta -= 360 * (theta / 360 + 0.9 / 360).rounded(.down)
        let quarter = (theta / 90).rounded()
        guard abs(theta - quarter * 90) < 1 else {
            self = .none
            return
        }
        self.init(clockwise: Int(quarter) * 90)
    }

    /// Whether width and height trade places.
    package var swapsSides: Bool { clockwise == 90 || clockwise == 270 }

    /// The upright size of a `width`×`height` coded picture.
    package func upright(width: Int, height: Int) -> (width: Int, height: Int) {
        swapsSides ? (height, width) : (width, height)
    }

    /// The libavfilter filters that make the picture upright (empty for none), as the CLI inserts them.
    package var filters: [String] {
        switch clockwise {
        case 90: ["transpose=clock"]
        case 180: ["hflip", "vflip"]
        case 270: ["transpose=cclock"]
        default: []
        }
    }

    /// Copies `source`'s display matrix, if it has one, to `destination` (an output stream, before
    /// the header is written), for pictures left as coded.
    package static func copyMatrix(from source: UnsafeMutablePointer<AVStream>, to destination: UnsafeMutablePointer<AVStream>) throws(MediaError) {
        var size: Int = 0
        guard let matrix = av_stream_get_side_data(source, AV_PKT_DATA_DISPLAYMATRIX, &size), size > 0 else { return }
        guard let copy = av_stream_new_side_data(destination, AV_PKT_DATA_DISPLAYMATRIX, size) else { throw .outOfMemory("a display matrix") }
        copy.update(from: matrix, count: size)
    }

    /// Turns one decoded frame upright through a one-off filter graph (for single pictures such as
    /// thumbnails); the frame itself when there is no turn. `frame`'s data moves into the graph.
    /// - Parameter timeBase: the frame's time base, kept on the result.
    package func apply(to frame: Frame, timeBase: AVRational) throws(MediaError) -> Frame {
        guard clockwise != 0 else { return frame }
        let picture = frame.pointer.pointee
        let format = av_get_pix_fmt_name(AVPixelFormat(picture.format)).map { String(cString: $0) } ?? "\(picture.format)"
        var sar = picture.sample_aspect_ratio
        if sar.num <= 0 || sar.den <= 0 { sar = AVRational(num: 1, den: 1) }
        let base = timeBase.num > 0 && timeBase.den > 0 ? timeBase : AVRational(num: 1, den: 1)
        let arguments = "video_size=\(picture.width)x\(picture.height):pix_fmt=\(format):time_base=\(base.num)/\(base.den):pixel_aspect=\(sar.num)/\(sar.den)"
        let graph = try FilterGraph.make(video: true, sourceArguments: arguments, description: filters.joined(separator: ","))
        try graph.push(frame)
        try graph.push(nil)
        let turned = try Frame()
        let status = graph.pull(into: turned)
        guard status >= 0 else {
            let cause = FFmpegError("av_buffersink_get_frame", code: status)
            throw MediaError(.decodeFailed, "Turning the picture upright failed (\(cause.message)).", cause: cause)
        }
        return turned
    }
}
