package import CAVFormat

/// An `AVFrame`, freed (with its buffers) when released.
package final class Frame {
    package let pointer: UnsafeMutablePointer<AVFrame>

    package init() throws(MediaError) {
        guard let frame = av_frame_alloc() else { throw .outOfMemory("a frame") }
        pointer = frame
    }

    deinit {
        var owned: UnsafeMutablePointer<AVFrame>? = pointer
        av_frame_free(&owned)
    }

    /// Whether the frame holds picture data.
    package var hasData: Bool { pointer.pointee.buf.0 != nil }

    /// Moves `other`'s data into this frame, dropping what this frame held.
    package func take(from other: Frame) {
        av_frame_unref(pointer)
        av_frame_move_ref(pointer, other.pointer)
    }

    /// The frame's presentation time in its stream's time base, when known.
    package var presentationTime: Int64? {
        let best = pointer.pointee.best_effort_timestamp
        if best != outpost_av_nopts_value() { return best }
        let pts = pointer.pointee.pts
        return pts == outpost_av_nopts_value() ? nil : pts
    }
}
