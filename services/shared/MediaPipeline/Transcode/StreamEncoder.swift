package import CAVFormat

/// An open encoder writing into one stream of a muxer: frames in, packets (timestamps rescaled,
/// video durations set, as HLS needs) out to the file.
///
/// Not Sendable: built and used on the job's one thread.
package final class StreamEncoder {
    package let encoder: CodecContext
    package let stream: UnsafeMutablePointer<AVStream>
    private let output: MediaOutput
    /// One frame's duration in the encoder's time base, for packets that carry none (0: leave).
    private let frameDuration: Int64
    private let packet: Packet

    /// Frames sent to the encoder.
    package private(set) var framesEncoded = 0
    /// Bytes of the packets written (the elementary stream, without container overhead).
    package private(set) var bytesWritten: Int64 = 0
    /// The start of the first packet's data (for codec strings: H.264 carries its SPS there).
    package private(set) var firstPacketPrefix: [UInt8] = []

    /// Adds a stream for `encoder` (already open) to `output`.
    package init(encoder: CodecContext, output: MediaOutput, frameDuration: Int64) throws(MediaError) {
        self.encoder = encoder
        self.output = output
        self.frameDuration = frameDuration
        stream = try output.addStream(for: encoder)
        packet = try Packet()
    }

    /// Encodes `frame` (nil: drains the encoder at the end) and writes what comes out.
    package func encode(_ frame: Frame?) throws(MediaError) {
        var status = avcodec_send_frame(encoder.context, frame?.pointer)
        guard status >= 0 || status == outpost_averror_eof() else { throw TranscodeLane.encodeFailure("avcodec_send_frame", status) }
        if frame != nil { framesEncoded += 1 }
        while true {
            status = avcodec_receive_packet(encoder.context, packet.pointer)
            if status == outpost_averror_eagain() || status == outpost_averror_eof() { return }
            guard status >= 0 else { throw TranscodeLane.encodeFailure("avcodec_receive_packet", status) }
            if frameDuration > 0 && packet.pointer.pointee.duration <= 0 { packet.pointer.pointee.duration = frameDuration }
            let size = Int(packet.pointer.pointee.size)
            bytesWritten += Int64(size)
            if firstPacketPrefix.isEmpty, let data = packet.pointer.pointee.data, size > 0 {
                firstPacketPrefix = Array(UnsafeBufferPointer(start: data, count: min(size, 512)))
            }
            packet.pointer.pointee.stream_index = stream.pointee.index
            av_packet_rescale_ts(packet.pointer, encoder.context.pointee.time_base, stream.pointee.time_base)
            try output.write(packet)
        }
    }
}
