import Foundation

/// VADER (Hutto & Gilbert, 2014) in Swift: its lexicon and emoji descriptions are read at start
/// from the PyPI package `vaderSentiment` (`vader_lexicon.txt`, `emoji_utf8_lexicon.txt`), and its
/// rules — boosters, capitals, negation within three words, "but", "least", idioms, `!`/`?`
/// emphasis — follow vaderSentiment 3.3.2's `polarity_scores` step by step, so the compound score
/// equals the Python package's.
public struct SentimentAnalyzer: Sendable {
    /// VADER's four numbers for a text.
    public struct Scores: Sendable, Equatable {
        public var negative: Double
        public var neutral: Double
        public var positive: Double
        /// The normalized sum of valences, -1…1.
        public var compound: Double

        /// positive at compound ≥ 0.05, negative at ≤ -0.05, else neutral (VADER's usual cut-offs).
        public var label: String { compound >= 0.05 ? "positive" : compound <= -0.05 ? "negative" : "neutral" }
    }

    let lexicon: [String: Double]
    let emojis: [Unicode.Scalar: String]
    /// Where the lexicon was read from.
    public let directory: String

    static let boosterIncrement = 0.293, boosterDecrement = -0.293, capitalIncrement = 0.733, negationScalar = -0.74

    /// Reads the lexicons in `directory` (the `vaderSentiment` package folder).
    public init(directory: String) throws(ModelError) {
        self.directory = directory
        let lexiconPath = directory + "/vader_lexicon.txt", emojiPath = directory + "/emoji_utf8_lexicon.txt"
        guard let lexiconText = try? String(contentsOfFile: lexiconPath, encoding: .utf8) else { throw ModelError(path: lexiconPath, "cannot be read") }
        guard let emojiText = try? String(contentsOfFile: emojiPath, encoding: .utf8) else { throw ModelError(path: emojiPath, "cannot be read") }
        var lexicon: [String: Double] = [:]
        for line in lexiconText.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 2, let value = Double(fields[1]) else { continue }
            lexicon[String(fields[0]).trimmingCharacters(in: .whitespaces)] = value
        }
        guard lexicon.count > 5000 else { throw ModelError(path: lexiconPath, "holds \(lexicon.count) entries: not VADER's lexicon") }
        var emojis: [Unicode.Scalar: String] = [:]
        for line in emojiText.unicodeScalars.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            guard let tab = line.firstIndex(of: "\t") else { continue }
            let key = line[..<tab]
            guard key.count == 1 else { continue }
            emojis[key.first!] = String(String.UnicodeScalarView(line[line.index(after: tab)...]))
        }
        self.lexicon = lexicon
        self.emojis = emojis
    }

    /// VADER's `polarity_scores`.
    public func scores(_ input: String) -> Scores {
        var replaced = String.UnicodeScalarView()
        var previousSpace = true
        for scalar in input.unicodeScalars {
            if let description = emojis[scalar] {
                if !previousSpace { replaced.append(" ") }
                replaced.append(contentsOf: description.unicodeScalars)
                previousSpace = false
            } else {
                replaced.append(scalar)
                previousSpace = scalar == " "
            }
        }
        let text = String(replaced).trimmingCharacters(in: .whitespacesAndNewlines)
        let words = text.split(whereSeparator: { $0.isWhitespace }).map { Self.stripPunctuationIfWord(String($0)) }
        let lower = words.map { $0.lowercased() }
        let capDifferential = Self.allCapDifferential(words)
        var sentiments: [Double] = []
        for (i, word) in words.enumerated() {
            if Self.boosters[lower[i]] != nil { sentiments.append(0); continue }
            if i < words.count - 1, lower[i] == "kind", lower[i + 1] == "of" { sentiments.append(0); continue }
            sentiments.append(valence(of: word, at: i, words: words, lower: lower, capDifferential: capDifferential))
        }
        sentiments = Self.butCheck(lower, sentiments)
        return Self.scoreValence(sentiments, text: text)
    }

    private func valence(of word: String, at i: Int, words: [String], lower: [String], capDifferential: Bool) -> Double {
        guard let base = lexicon[lower[i]] else { return 0 }
        var valence = base
        if lower[i] == "no", i != words.count - 1, lexicon[lower[i + 1]] != nil { valence = 0 }
        if (i > 0 && lower[i - 1] == "no") || (i > 1 && lower[i - 2] == "no")
            || (i > 2 && lower[i - 3] == "no" && ["or", "nor"].contains(lower[i - 1])) {
            valence = base * Self.negationScalar
        }
        if Self.isUpper(word) && capDifferential { valence += valence > 0 ? Self.capitalIncrement : -Self.capitalIncrement }
        for start in 0..<3 where i > start && lexicon[lower[i - (start + 1)]] == nil {
            var s = Self.scalarIncDec(words[i - (start + 1)], valence: valence, capDifferential: capDifferential)
            if start == 1 && s != 0 { s *= 0.95 }
            if start == 2 && s != 0 { s *= 0.9 }
            valence += s
            valence = Self.negationCheck(valence, lower, start, i)
            if start == 2 { valence = Self.specialIdiomsCheck(valence, lower, i) }
        }
        return leastCheck(valence, lower, i)
    }

    private func leastCheck(_ valence: Double, _ lower: [String], _ i: Int) -> Double {
        if i > 1, lexicon[lower[i - 1]] == nil, lower[i - 1] == "least" {
            if lower[i - 2] != "at" && lower[i - 2] != "very" { return valence * Self.negationScalar }
        } else if i > 0, lexicon[lower[i - 1]] == nil, lower[i - 1] == "least" {
            return valence * Self.negationScalar
        }
        return valence
    }

    static func scalarIncDec(_ word: String, valence: Double, capDifferential: Bool) -> Double {
        guard var scalar = boosters[word.lowercased()] else { return 0 }
        if valence < 0 { scalar *= -1 }
        if isUpper(word) && capDifferential { scalar += valence > 0 ? capitalIncrement : -capitalIncrement }
        return scalar
    }

    static func negationCheck(_ valence: Double, _ lower: [String], _ start: Int, _ i: Int) -> Double {
        switch start {
        case 0:
            return isNegation(lower[i - 1]) ? valence * negationScalar : valence
        case 1:
            if lower[i - 2] == "never" && (lower[i - 1] == "so" || lower[i - 1] == "this") { return valence * 1.25 }
            if lower[i - 2] == "without" && lower[i - 1] == "doubt" { return valence }
            return isNegation(lower[i - 2]) ? valence * negationScalar : valence
        default:
            if (lower[i - 3] == "never" && (lower[i - 2] == "so" || lower[i - 2] == "this")) || (lower[i - 1] == "so" || lower[i - 1] == "this") {
                return valence * 1.25
            }
            if lower[i - 3] == "without" && (lower[i - 2] == "doubt" || lower[i - 1] == "doubt") { return valence }
            return isNegation(lower[i - 3]) ? valence * negationScalar : valence
        }
    }

    static func specialIdiomsCheck(_ valence: Double, _ lower: [String], _ i: Int) -> Double {
        var valence = valence
        let oneZero = "\(lower[i - 1]) \(lower[i])", twoOneZero = "\(lower[i - 2]) \(lower[i - 1]) \(lower[i])"
        let twoOne = "\(lower[i - 2]) \(lower[i - 1])", threeTwoOne = "\(lower[i - 3]) \(lower[i - 2]) \(lower[i - 1])"
        let threeTwo = "\(lower[i - 3]) \(lower[i - 2])"
        for sequence in [oneZero, twoOneZero, twoOne, threeTwoOne, threeTwo] {
            if let special = specialCases[sequence] { valence = special; break }
        }
        if lower.count - 1 > i, let special = specialCases["\(lower[i]) \(lower[i + 1])"] { valence = special }
        if lower.count - 1 > i + 1, let special = specialCases["\(lower[i]) \(lower[i + 1]) \(lower[i + 2])"] { valence = special }
        for gram in [threeTwoOne, threeTwo, twoOne] { if let boost = boosters[gram] { valence += boost } }
        return valence
    }

    /// VADER's "but" rule, including its Python quirk of finding each value's first index.
    static func butCheck(_ lower: [String], _ sentiments: [Double]) -> [Double] {
        guard let butIndex = lower.firstIndex(of: "but") else { return sentiments }
        var out = sentiments
        for k in out.indices {
            let sentiment = out[k]
            let si = out.firstIndex(of: sentiment)!
            if si < butIndex { out[si] = sentiment * 0.5 } else if si > butIndex { out[si] = sentiment * 1.5 }
        }
        return out
    }

    static func scoreValence(_ sentiments: [Double], text: String) -> Scores {
        guard !sentiments.isEmpty else { return Scores(negative: 0, neutral: 0, positive: 0, compound: 0) }
        var sum = sentiments.reduce(0, +)
        let exclamations = min(4, text.filter { $0 == "!" }.count)
        let questions = text.filter { $0 == "?" }.count
        let emphasis = Double(exclamations) * 0.292 + (questions > 1 ? (questions <= 3 ? Double(questions) * 0.18 : 0.96) : 0)
        if sum > 0 { sum += emphasis } else if sum < 0 { sum -= emphasis }
        let compound = max(-1, min(1, sum / (sum * sum + 15).squareRoot()))
        var positive = 0.0, negative = 0.0, neutralCount = 0.0
        for s in sentiments {
            if s > 0 { positive += s + 1 }
            if s < 0 { negative += s - 1 }
            if s == 0 { neutralCount += 1 }
        }
        if positive > abs(negative) { positive += emphasis } else if positive < abs(negative) { negative -= emphasis }
        let total = positive + abs(negative) + neutralCount
        return Scores(negative: abs(negative / total), neutral: abs(neutralCount / total), positive: abs(positive / total), compound: compound)
    }

    static func stripPunctuationIfWord(_ token: String) -> String {
        let scalars = Array(token.unicodeScalars)
        var start = 0, end = scalars.count
        while start < end, isASCIIPunctuation(scalars[start]) { start += 1 }
        while end > start, isASCIIPunctuation(scalars[end - 1]) { end -= 1 }
        // Python's len() counts code points.
        return end - start <= 2 ? token : String(String.UnicodeScalarView(scalars[start..<end]))
    }

    static func isASCIIPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        return (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v)
    }

    /// Python's `str.isupper()`: some cased character, and no lowercase one.
    static func isUpper(_ word: String) -> Bool {
        var cased = false
        for s in word.unicodeScalars {
            if s.properties.isLowercase { return false }
            if s.properties.isUppercase { cased = true }
        }
        return cased
    }

    static func allCapDifferential(_ words: [String]) -> Bool {
        let capitals = words.filter(isUpper).count
        let differential = words.count - capitals
        return differential > 0 && differential < words.count
    }

    static func isNegation(_ word: String) -> Bool { negations.contains(word) || word.contains("n't") }

    static let negations: Set<String> = [
        "aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt", "ain't", "aren't", "can't", "couldn't", "daren't", "didn't",
        "doesn't", "dont", "hadnt", "hasnt", "havent", "isnt", "mightnt", "mustnt", "neither", "don't", "hadn't", "hasn't", "haven't", "isn't",
        "mightn't", "mustn't", "neednt", "needn't", "never", "none", "nope", "nor", "not", "nothing", "nowhere", "oughtnt", "shant", "shouldnt",
        "uhuh", "wasnt", "werent", "oughtn't", "shan't", "shouldn't", "uh-uh", "wasn't", "weren't", "without", "wont", "wouldnt", "won't",
        "wouldn't", "rarely", "seldom", "despite",
    ]

    static let boosters: [String: Double] = {
        let up = ["absolutely", "amazingly", "awfully", "completely", "considerable", "considerably", "decidedly", "deeply", "effing", "enormous",
                  "enormously", "entirely", "especially", "exceptional", "exceptionally", "extreme", "extremely", "fabulously", "flipping", "flippin",
                  "frackin", "fracking", "fricking", "frickin", "frigging", "friggin", "fully", "fuckin", "fucking", "fuggin", "fugging", "greatly",
                  "hella", "highly", "hugely", "incredible", "incredibly", "intensely", "major", "majorly", "more", "most", "particularly", "purely",
                  "quite", "really", "remarkably", "so", "substantially", "thoroughly", "total", "totally", "tremendous", "tremendously", "uber",
                  "unbelievably", "unusually", "utter", "utterly", "very"]
        let down = ["almost", "barely", "hardly", "just enough", "kind of", "kinda", "kindof", "kind-of", "less", "little", "marginal", "marginally",
                    "occasional", "occasionally", "partly", "scarce", "scarcely", "slight", "slightly", "somewhat", "sort of", "sorta", "sortof", "sort-of"]
        var out: [String: Double] = [:]
        for w in up { out[w] = boosterIncrement }
        for w in down { out[w] = boosterDecrement }
        return out
    }()

    static let specialCases: [String: Double] = [
        "the shit": 3, "the bomb": 3, "bad ass": 1.5, "badass": 1.5, "bus stop": 0, "yeah right": -2, "kiss of death": -1.5,
        "to die for": 3, "beating heart": 3.5,
    ]
}
