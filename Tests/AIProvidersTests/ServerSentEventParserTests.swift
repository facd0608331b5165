@testable import AIProviders
import Testing

@Suite("Server-sent event parser")
struct ServerSentEventParserTests {
    /// A stream with CRLF and LF endings, a comment, a named event, a two-line data field and
    /// multibyte UTF-8 (2-, 3- and 4-byte characters).
    static let stream = Array((": keep-alive\r\n"
        + "event: content_block_delta\r\ndata: {\"t\":\"caf\u{e9} \u{4e16}\u{754c}\"}\r\n\r\n"
        + "data: line one\ndata: line two\n\n"
        + "data: \u{1F3AC} done\n\n").utf8)

    static let expected = [
        ServerSentEvent(event: "content_block_delta", data: "{\"t\":\"caf\u{e9} \u{4e16}\u{754c}\"}"),
        ServerSentEvent(event: nil, data: "line one\nline two"),
        ServerSentEvent(event: nil, data: "\u{1F3AC} done"),
    ]

    @Test("a stream split at every byte position parses to the same events")
    func everySplitPoint() {
        for split in 0...Self.stream.count {
            var parser = ServerSentEventParser()
            var events = parser.feed(Self.stream[..<split])
            events += parser.feed(Self.stream[split...])
            if let last = parser.finish() { events.append(last) }
            #expect(events == Self.expected, "split at byte \(split)")
        }
    }

    @Test("a stream fed one byte at a time parses to the same events")
    func byteByByte() {
        var parser = ServerSentEventParser()
        var events: [ServerSentEvent] = []
        for byte in Self.stream { events += parser.feed([byte]) }
        #expect(parser.finish() == nil)
        #expect(events == Self.expected)
    }

    @Test("an event not closed by a blank line is delivered at the end")
    func unterminatedLastEvent() {
        var parser = ServerSentEventParser()
        #expect(parser.feed(Array("data: [DONE]".utf8)).isEmpty)
        #expect(parser.finish() == ServerSentEvent(event: nil, data: "[DONE]"))
    }
}
