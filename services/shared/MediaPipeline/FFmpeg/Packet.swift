package import CAVFormat

/// An `AVPacket`, freed (with its buffer) when released.
package final class Packet {
    package let pointer: UnsafeMutablePointer<AVPacket>

    package init() throws(MediaError) {
        guard let packet = av_packet_alloc() else { throw .outOfMemory("a packet") }
        pointer = packet
    }

    deinit {
        var owned: UnsafeMutablePointer<AVPacket>? = pointer
        av_packet_free(&owned)
    }
}
