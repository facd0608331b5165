/// One event of a `text/event-stream` body: its `event:` name (nil when unnamed) and its
/// `data:` lines joined by newlines.
struct ServerSentEvent: Sendable, Equatable {
    var event: String?
    var data: String
}

/// Splits a `text/event-stream` body into events, whatever the chunking of the bytes.
///
/// Bytes are kept until a line is complete, so a line (or a multibyte UTF-8 character) split
/// across reads is decoded once whole. Lines end in LF, CRLF or CR; a blank line ends an event;
/// comment lines (`:`) and `id:`/`retry:` are ignored (WHATWG HTML, "Server-sent events").
struct ServerSentEventParser: Sendable {
    private var pending: [UInt8] = []
    private var sawCarriageReturn = false
    private var eventName: String?
    private var dataLines: [String] = []

    /// The events completed by `bytes`.
    mutating func feed(_ bytes: some Sequence<UInt8>) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        for byte in bytes {
            if sawCarriageReturn {
                sawCarriageReturn = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            switch byte {
            case UInt8(ascii: "\n"):
                if let event = endLine() { events.append(event) }
            case UInt8(ascii: "\r"):
                sawCarriageReturn = true
                if let event = endLine() { events.append(event) }
            default:
                pending.append(byte)
            }
        }
        return events
    }

    /// The last event, if the stream ended without the blank line that should close it.
    mutating func finish() -> ServerSentEvent? {
        if !pending.isEmpty, let event = endLine() { return event }
        return dispatch()
    }

    private mutating func endLine() -> ServerSentEvent? {
        let line = String(decoding: pending, as: UTF8.self)
        pending.removeAll(keepingCapacity: true)
        if line.isEmpty { return dispatch() }
        if line.hasPrefix(":") { return nil }
        let field: Substring
        var value: Substring
        if let colon = line.firstIndex(of: ":") {
            field = line[..<colon]
            value = line[line.index(after: colon)...]
            if value.hasPrefix(" ") { value = value.dropFirst() }
        } else {
            field = line[...]
            value = ""
        }
        switch field {
        case "event": eventName = String(value)
        case "data": dataLines.append(String(value))
        default: break
        }
        return nil
    }

    private mutating func dispatch() -> ServerSentEvent? {
        defer {
            eventName = nil
            dataLines = []
        }
        guard !dataLines.isEmpty else { return nil }
        return ServerSentEvent(event: eventName, data: dataLines.joined(separator: "\n"))
    }
}
