import CAVFormat

/// An `AVPacket`, freed (with its buffer) when released.
final class Packet {
    let pointer: UnsafeMutablePointer<AVPacket>

    init() throws(VideoError) {
        guard let packet = av_packet_alloc() else { throw .outOfMemory("a packet") }
        pointer = packet
    }

    deinit {
        var owned: UnsafeMutablePointer<AVPacket>? = pointer
        av_packet_free(&owned)
    }
}
