import Foundation

/// Counting words, sentences and syllables, as readability formulas and the report need them.
public enum TextStatistics {
    /// Sentences: split after `.`, `!`, `?`, `。`, `！`, `？` followed by space or end, and at line breaks.
    public static func sentences(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        let characters = Array(text)
        for (i, c) in characters.enumerated() {
            if c == "\n" || c == "\r" {
                flush(&current, into: &out)
                continue
            }
            current.append(c)
            if ".!?。！？".contains(c) {
                let next = i + 1 < characters.count ? characters[i + 1] : " "
                if next.isWhitespace || "。！？".contains(c) {
                    // Keep "Dr." "U.S." style abbreviations inside the sentence: a single letter or a title before the dot.
                    let lastWord = current.split(separator: " ").last.map(String.init) ?? ""
                    if c == ".", abbreviations.contains(lastWord.lowercased()) { continue }
                    flush(&current, into: &out)
                }
            }
        }
        flush(&current, into: &out)
        return out
    }

    private static func flush(_ current: inout String, into out: inout [String]) {
        let trimmed = current.trimmingCharacters(in: .whitespaces)
        if trimmed.contains(where: { $0.isLetter || $0.isNumber }) { out.append(trimmed) }
        current = ""
    }

    static let abbreviations: Set<String> = ["dr.", "mr.", "mrs.", "ms.", "st.", "vs.", "jr.", "sr.", "e.g.", "i.e.", "etc.", "u.s.", "inc.", "no."]

    /// Words as written (letters, digits, apostrophes and inner hyphens).
    public static func words(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        for c in text {
            if c.isLetter || c.isNumber || ((c == "'" || c == "’" || c == "-") && !current.isEmpty) {
                current.append(c == "’" ? "'" : c)
            } else if !current.isEmpty {
                out.append(current.trimmingCharacters(in: CharacterSet(charactersIn: "'-")))
                current = ""
            }
        }
        if !current.isEmpty { out.append(current.trimmingCharacters(in: CharacterSet(charactersIn: "'-"))) }
        return out.filter { !$0.isEmpty }
    }

    /// Lower-case words.
    public static func normalizedWords(_ text: String) -> [String] { words(text.lowercased()) }

    /// English syllables by vowel groups, less a silent final e, at least 1.
    public static func syllables(_ word: String) -> Int {
        let w = word.lowercased().filter(\.isLetter)
        guard !w.isEmpty else { return 0 }
        let vowels: Set<Character> = ["a", "e", "i", "o", "u", "y"]
        var count = 0
        var previousVowel = false
        for c in w {
            let vowel = vowels.contains(c)
            if vowel && !previousVowel { count += 1 }
            previousVowel = vowel
        }
        if w.hasSuffix("e"), !w.hasSuffix("le"), count > 1 { count -= 1 }
        return max(1, count)
    }
}
