import Foundation

/// A streaming `multipart/form-data` parser (RFC 7578, delimiters as in RFC 2046 §5.1.1).
///
/// Bytes are fed in chunks of any size, as they arrive; each call returns what the chunk
/// completed: a part's headers, pieces of its content, its end. Only a part's headers and a
/// delimiter's length of content are ever held back, so a large part is passed on without being
/// collected. A delimiter split across chunks is found all the same.
struct MultipartReader {
    /// What a chunk of the body completed.
    enum Event: Equatable {
        /// A part begins: its name and file name from `Content-Disposition`, its `Content-Type`.
        case part(Header)
        /// The next bytes of the current part's content.
        case content([UInt8])
        /// The current part's content is complete.
        case end
    }

    /// The headers of one part that matter here.
    struct Header: Equatable {
        var name: String
        var filename: String?
        var contentType: String?
    }

    /// Most parts one body may hold (more is a 400).
    let maxParts: Int
    /// Most bytes of one part's header block.
    static let maxHeaderBytes = 16 << 10

    private enum State {
        /// Before the first delimiter (the preamble is ignored).
        case preamble
        /// Right after a delimiter: `--` ends the body, else (padding and) CRLF and headers follow.
        case afterDelimiter
        /// Reading a part's header block, up to the empty line.
        case headers
        /// Reading a part's content, up to the next delimiter.
        case content
        /// After the closing delimiter (the epilogue is ignored).
        case done
    }

    private let delimiter: [UInt8]
    private var state = State.preamble
    /// Bytes not yet accounted for. Starts with CRLF so a delimiter at the very start of the body
    /// is found like every other (`CRLF--boundary`).
    private var pending: [UInt8] = [13, 10]
    private(set) var partCount = 0
    /// In `.content`, whether nothing of the part's content has been passed on yet.
    private var atContentStart = false

    /// A reader of bodies delimited by `boundary` (the `boundary` parameter of the Content-Type).
    init(boundary: String, maxParts: Int = 64) {
        delimiter = Array("\r\n--\(boundary)".utf8)
        self.maxParts = maxParts
    }

    /// The `boundary` parameter of a `multipart/form-data` Content-Type, or nil if it is another
    /// type or has no valid boundary.
    static func boundary(contentType: String) -> String? {
        let fields = HeaderParameters(contentType)
        guard fields.value.lowercased() == "multipart/form-data", let boundary = fields["boundary"],
              (1...70).contains(boundary.utf8.count) else { return nil }
        return boundary
    }

    /// Whether the closing delimiter has been read.
    var isComplete: Bool { if case .done = state { true } else { false } }

    /// Takes the next bytes of the body and returns what they complete, in order.
    mutating func feed(_ bytes: some Sequence<UInt8>) throws(ServiceError) -> [Event] {
        if case .done = state { return [] }
        pending.append(contentsOf: bytes)
        var events: [Event] = []
        var consumed = 0
        defer { pending.removeFirst(consumed) }
        while true {
            let rest = pending[consumed...]
            switch state {
            case .done:
                consumed = pending.count
                return events
            case .preamble:
                guard let at = Self.find(delimiter, in: rest) else {
                    // Keep only what could be the start of a delimiter.
                    consumed = max(consumed, pending.count - (delimiter.count - 1))
                    return events
                }
                consumed = at + delimiter.count
                state = .afterDelimiter
            case .afterDelimiter:
                guard rest.count >= 2 else { return events }
                if rest.starts(with: [45, 45]) {
                    consumed = pending.count
                    state = .done
                    return events
                }
                // Transport padding (spaces, tabs) may come before the CRLF; the CRLF is left as
                // the start of the header block.
                guard let lineEnd = rest.firstIndex(where: { $0 != 32 && $0 != 9 }) else {
                    guard rest.count <= 256 else { throw Self.malformed("a delimiter line is not ended by CRLF") }
                    return events
                }
                guard pending.count - lineEnd >= 2 else { return events }
                guard pending[lineEnd] == 13, pending[lineEnd + 1] == 10 else { throw Self.malformed("a delimiter is followed by neither CRLF nor \"--\"") }
                consumed = lineEnd
                state = .headers
            case .headers:
                guard let end = Self.find([13, 10, 13, 10], in: rest) else {
                    if rest.count > Self.maxHeaderBytes { throw Self.malformed("a part's headers are longer than \(Self.maxHeaderBytes) bytes") }
                    return events
                }
                partCount += 1
                if partCount > maxParts {
                    throw ServiceError(statusCode: 413, code: "too_many_parts", message: "The multipart body has more than \(maxParts) parts.")
                }
                // The block runs from after the leading CRLF to its empty line. The empty line's
                // CRLF stays in view: an empty part's content is followed by the delimiter at once,
                // and the delimiter begins with that CRLF.
                events.append(.part(try Self.header(pending[(consumed + 2)..<(end + 2)])))
                consumed = end + 2
                atContentStart = true
                state = .content
            case .content:
                // At the start of a part, the first two bytes in view are the header block's CRLF.
                let start = atContentStart ? consumed + 2 : consumed
                if let at = Self.find(delimiter, in: rest) {
                    if at > start { events.append(.content(Array(pending[start..<at]))) }
                    events.append(.end)
                    consumed = at + delimiter.count
                    atContentStart = false
                    state = .afterDelimiter
                } else {
                    // Pass on all but what could be the start of a delimiter.
                    let safe = pending.count - (delimiter.count - 1)
                    if safe > start {
                        events.append(.content(Array(pending[start..<safe])))
                        consumed = safe
                        atContentStart = false
                    }
                    return events
                }
            }
        }
    }

    /// Ends the body: throws unless the closing delimiter was read.
    func finish() throws(ServiceError) {
        guard isComplete else {
            throw Self.malformed(partCount == 0 ? "it has no parts (no delimiter matching its boundary)" : "it ends before its closing delimiter (truncated)")
        }
    }

    /// The first index of `needle` in `haystack`, or nil.
    private static func find(_ needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var index = haystack.startIndex
        let last = haystack.endIndex - needle.count
        while index <= last {
            guard let candidate = haystack[index...last].firstIndex(of: first) else { return nil }
            if haystack[candidate..<(candidate + needle.count)].elementsEqual(needle) { return candidate }
            index = candidate + 1
        }
        return nil
    }

    private static func header(_ block: ArraySlice<UInt8>) throws(ServiceError) -> Header {
        var disposition: HeaderParameters?
        var contentType: String?
        for line in String(decoding: block, as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else { throw malformed("a part's header line has no colon") }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: [" ", "\t"])
            switch line[..<colon].lowercased() {
            case "content-disposition": disposition = HeaderParameters(value)
            case "content-type": contentType = value
            default: continue
            }
        }
        guard let disposition, disposition.value.lowercased() == "form-data", let name = disposition["name"] else {
            throw malformed("a part has no Content-Disposition: form-data; name=\"…\"")
        }
        return Header(name: name, filename: disposition["filename"], contentType: contentType)
    }

    private static func malformed(_ why: String) -> ServiceError {
        .badRequest("The multipart/form-data body is malformed: \(why).", code: "invalid_multipart")
    }
}

/// A header value with `; key=value` parameters (values plain or quoted), as in `Content-Type`
/// and `Content-Disposition`. Keys compare case-insensitively.
struct HeaderParameters {
    /// The value before the first `;`.
    let value: String
    private var parameters: [String: String] = [:]

    init(_ text: some StringProtocol) {
        var scalars = Substring(text)
        let head = scalars.prefix { $0 != ";" }
        value = head.trimmingCharacters(in: [" ", "\t"])
        scalars = scalars.dropFirst(head.count)
        while scalars.first == ";" {
            scalars = scalars.dropFirst().drop { $0 == " " || $0 == "\t" }
            let key = scalars.prefix { $0 != "=" && $0 != ";" }
            scalars = scalars.dropFirst(key.count)
            var parameter = ""
            if scalars.first == "=" {
                scalars = scalars.dropFirst()
                if scalars.first == "\"" {
                    scalars = scalars.dropFirst()
                    var escaped = false
                    while let character = scalars.first {
                        scalars = scalars.dropFirst()
                        if escaped { parameter.append(character); escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { break } else { parameter.append(character) }
                    }
                    scalars = scalars.drop { $0 != ";" }
                } else {
                    let plain = scalars.prefix { $0 != ";" }
                    parameter = plain.trimmingCharacters(in: [" ", "\t"])
                    scalars = scalars.dropFirst(plain.count)
                }
            }
            let name = key.trimmingCharacters(in: [" ", "\t"]).lowercased()
            if !name.isEmpty, parameters[name] == nil { parameters[name] = parameter }
        }
    }

    subscript(_ key: String) -> String? { parameters[key.lowercased()] }
}
