import Foundation

/// BERT's uncased tokenizer, from the model's `vocab.txt`: the basic tokenizer (drop control
/// characters, CJK ideographs as words of their own, lowercase, strip accents, split on whitespace
/// and punctuation) then greedy longest-match WordPiece with `##` continuations.
public struct WordPieceTokenizer: Sendable {
    /// Token id by piece.
    let vocabulary: [String: Int32]
    public let clsID: Int32
    public let sepID: Int32
    public let unknownID: Int32
    /// Words longer than this (in characters) become [UNK], as in BERT.
    let maxWordCharacters = 100

    /// Reads `vocab.txt` (one piece per line; the line number is the id).
    public init(vocabularyFile path: String) throws(ModelError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelError(path: path, "cannot be read") }
        var vocabulary: [String: Int32] = [:]
        var id: Int32 = 0
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            let piece = line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
            if !piece.isEmpty, vocabulary[piece] == nil { vocabulary[piece] = id }
            id += 1
        }
        guard let cls = vocabulary["[CLS]"], let sep = vocabulary["[SEP]"], let unk = vocabulary["[UNK]"] else {
            throw ModelError(path: path, "lacks [CLS], [SEP] or [UNK]: not a BERT vocabulary")
        }
        self.vocabulary = vocabulary
        clsID = cls
        sepID = sep
        unknownID = unk
    }

    /// The ids of `text` framed by [CLS] … [SEP], at most `maxTokens` of them, and whether pieces were cut.
    public func encode(_ text: String, maxTokens: Int) -> (ids: [Int32], truncated: Bool) {
        let pieces = wordPieces(text)
        let room = max(0, maxTokens - 2)
        return ([clsID] + pieces.prefix(room) + [sepID], pieces.count > room)
    }

    /// The WordPiece ids of `text`, without [CLS]/[SEP].
    public func wordPieces(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        for word in basicTokens(text) { appendPieces(of: word, to: &ids) }
        return ids
    }

    /// The basic tokenizer's words.
    func basicTokens(_ text: String) -> [[Unicode.Scalar]] {
        var words: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        func flush() {
            if !current.isEmpty { words.append(current); current = [] }
        }
        // Clean and split on whitespace and CJK first, then normalize each whitespace-separated word.
        var rawWords: [String] = []
        var raw = String.UnicodeScalarView()
        func flushRaw() {
            if !raw.isEmpty { rawWords.append(String(raw)); raw = String.UnicodeScalarView() }
        }
        for scalar in text.unicodeScalars {
            if scalar.value == 0 || scalar.value == 0xFFFD || Self.isControl(scalar) { continue }
            if Self.isWhitespace(scalar) { flushRaw(); continue }
            if Self.isCJK(scalar) { flushRaw(); rawWords.append(String(scalar)); continue }
            raw.append(scalar)
        }
        flushRaw()
        for word in rawWords {
            let normalized = word.lowercased().decomposedStringWithCanonicalMapping
            for scalar in normalized.unicodeScalars {
                if scalar.properties.generalCategory == .nonspacingMark { continue }
                if Self.isPunctuation(scalar) {
                    flush()
                    words.append([scalar])
                } else {
                    current.append(scalar)
                }
            }
            flush()
        }
        return words
    }

    private func appendPieces(of word: [Unicode.Scalar], to ids: inout [Int32]) {
        guard word.count <= maxWordCharacters else { ids.append(unknownID); return }
        var pieces: [Int32] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int32?
            while start < end {
                var piece = String(String.UnicodeScalarView(word[start..<end]))
                if start > 0 { piece = "##" + piece }
                if let id = vocabulary[piece] { found = id; break }
                end -= 1
            }
            guard let found else { ids.append(unknownID); return }
            pieces.append(found)
            start = end
        }
        ids.append(contentsOf: pieces)
    }

    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        s == " " || s == "\t" || s == "\n" || s == "\r" || s.properties.generalCategory == .spaceSeparator
    }

    static func isControl(_ s: Unicode.Scalar) -> Bool {
        if s == "\t" || s == "\n" || s == "\r" { return false }
        switch s.properties.generalCategory {
        case .control, .format: return true
        default: return false
        }
    }

    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) { return true }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    static func isCJK(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        return (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0x2A700...0x2B73F).contains(v) || (0x2B740...0x2B81F).contains(v) || (0x2B820...0x2CEAF).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0x2F800...0x2FA1F).contains(v)
    }
}
