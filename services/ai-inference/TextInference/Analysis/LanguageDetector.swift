/// A text's language: by script for CJK, Cyrillic, Arabic, Hebrew, Greek, Devanagari, Thai and
/// Hangul; by the share of each language's most common words among Latin-script texts
/// (English, Spanish, French, German, Italian, Portuguese, Dutch). `und` when nothing decides.
public enum LanguageDetector {
    public struct Detection: Encodable, Sendable {
        /// ISO 639-1 code, or `und`.
        public var code: String
        /// 0…1: the winning share of letters (scripts) or of stop words (Latin).
        public var confidence: Double
    }

    public static func detect(_ text: String) -> Detection {
        var scripts: [String: Int] = [:]
        var letters = 0
        for s in text.unicodeScalars where s.properties.isAlphabetic {
            letters += 1
            let v = s.value
            let script: String? = switch v {
            case 0x3040...0x30FF: "ja"
            case 0xAC00...0xD7AF, 0x1100...0x11FF: "ko"
            case 0x4E00...0x9FFF, 0x3400...0x4DBF: "zh"
            case 0x0400...0x04FF: "ru"
            case 0x0600...0x06FF: "ar"
            case 0x0590...0x05FF: "he"
            case 0x0370...0x03FF: "el"
            case 0x0900...0x097F: "hi"
            case 0x0E00...0x0E7F: "th"
            default: nil
            }
            if let script { scripts[script, default: 0] += 1 }
        }
        // Japanese mixes kana with kanji: any kana makes it Japanese.
        if let kana = scripts["ja"], kana > 0, let han = scripts["zh"] { scripts["ja"] = kana + han; scripts["zh"] = 0 }
        if letters > 0, let (code, count) = scripts.max(by: { $0.value < $1.value }), Double(count) / Double(letters) > 0.3 {
            return Detection(code: code, confidence: rounded(Double(count) / Double(letters)))
        }
        let words = TextStatistics.normalizedWords(text)
        guard !words.isEmpty else { return Detection(code: "und", confidence: 0) }
        var best = ("und", 0)
        for (code, list) in stopWords {
            let hits = words.filter { list.contains($0) }.count
            if hits > best.1 { best = (code, hits) }
        }
        guard best.1 > 0 else { return Detection(code: "und", confidence: 0) }
        return Detection(code: best.0, confidence: rounded(min(1, Double(best.1) / Double(words.count) * 2.5)))
    }

    static func rounded(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }

    static let stopWords: [String: Set<String>] = [
        "en": ["the", "and", "of", "to", "a", "in", "is", "that", "it", "for", "with", "as", "was", "on", "his", "her", "they", "this", "be", "are", "who", "when"],
        "es": ["el", "la", "de", "que", "y", "en", "los", "se", "del", "las", "un", "por", "con", "una", "su", "para", "es", "al", "lo", "como"],
        "fr": ["le", "la", "de", "et", "les", "des", "est", "un", "une", "du", "en", "que", "qui", "dans", "pour", "pas", "au", "sur", "avec", "il", "elle"],
        "de": ["der", "die", "und", "in", "den", "von", "zu", "das", "mit", "sich", "des", "auf", "ist", "im", "dem", "nicht", "ein", "eine", "er", "sie"],
        "it": ["il", "di", "che", "e", "la", "per", "un", "in", "non", "una", "sono", "del", "della", "con", "gli", "le", "si", "lo", "ha"],
        "pt": ["de", "que", "e", "o", "do", "da", "em", "um", "para", "com", "não", "uma", "os", "no", "se", "na", "por", "mais", "as", "dos"],
        "nl": ["de", "het", "een", "en", "van", "ik", "te", "dat", "die", "in", "is", "niet", "op", "zijn", "met", "voor", "ze", "er", "maar"],
    ]
}
