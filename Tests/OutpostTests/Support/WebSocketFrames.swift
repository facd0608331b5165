/// Just enough of RFC 6455 framing for tests to speak WebSocket over raw bytes: masked client
/// frames out, unmasked server frames in.
enum WebSocketFrames {
    static let text: UInt8 = 0x1
    static let close: UInt8 = 0x8

    /// The handshake example of RFC 6455 §1.3: this key must be answered with `exampleAccept`.
    static let exampleKey = "dGhlIHNhbXBsZSBub25jZQ=="
    static let exampleAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

    /// One final client frame, masked as clients must.
    static func client(_ opcode: UInt8, _ payload: [UInt8]) -> [UInt8] {
        var frame: [UInt8] = [0x80 | opcode]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else {
            precondition(payload.count < 65536)
            frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xff)]
        }
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
        return frame + mask + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
    }

    static func clientText(_ text: String) -> [UInt8] { client(Self.text, Array(text.utf8)) }

    /// Collects server bytes and hands out whole frames.
    struct Reader {
        private var buffer: [UInt8] = []

        mutating func append(_ bytes: some Sequence<UInt8>) { buffer += bytes }

        /// The next whole frame, if the bytes so far hold one.
        mutating func next() -> (opcode: UInt8, payload: [UInt8])? {
            guard buffer.count >= 2 else { return nil }
            var length = Int(buffer[1] & 0x7f)
            var offset = 2
            if length == 126 {
                guard buffer.count >= 4 else { return nil }
                length = Int(buffer[2]) << 8 | Int(buffer[3])
                offset = 4
            } else if length == 127 {
                guard buffer.count >= 10 else { return nil }
                length = (2..<10).reduce(0) { $0 << 8 | Int(buffer[$1]) }
                offset = 10
            }
            guard buffer.count >= offset + length else { return nil }
            let frame = (buffer[0] & 0x0f, Array(buffer[offset..<(offset + length)]))
            buffer.removeFirst(offset + length)
            return frame
        }
    }
}
