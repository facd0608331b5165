/// Key phrases by RAKE (Rose et al., 2010): candidate phrases are runs of words between stop
/// words and punctuation; each word scores degree/frequency; a phrase scores the sum of its
/// words; the best distinct phrases of 1 to 4 words are kept.
public enum KeyPhraseExtractor {
    public static func phrases(_ text: String, limit: Int = 8) -> [String] {
        var candidates: [[String]] = []
        for sentence in TextStatistics.sentences(text) {
            // Split at commas, semicolons, colons, parentheses and dashes too.
            let parts = sentence.split(whereSeparator: { ",;:()\"“”—–".contains($0) })
            for part in parts {
                var current: [String] = []
                for word in TextStatistics.normalizedWords(String(part)) {
                    if stopWords.contains(word) || word.count < 2 || word.allSatisfy(\.isNumber) {
                        if !current.isEmpty { candidates.append(current); current = [] }
                    } else {
                        current.append(word)
                    }
                }
                if !current.isEmpty { candidates.append(current) }
            }
        }
        candidates = candidates.filter { $0.count <= 4 }
        var frequency: [String: Double] = [:], degree: [String: Double] = [:]
        for phrase in candidates {
            for word in phrase {
                frequency[word, default: 0] += 1
                degree[word, default: 0] += Double(phrase.count)
            }
        }
        var scored: [String: Double] = [:]
        var order: [String] = []
        for phrase in candidates {
            let key = phrase.joined(separator: " ")
            if scored[key] == nil { order.append(key) }
            scored[key] = phrase.reduce(0) { $0 + degree[$1]! / frequency[$1]! }
        }
        // Ties keep text order, so the result is deterministic.
        let ranked = order.enumerated().sorted { a, b in
            scored[a.element]! != scored[b.element]! ? scored[a.element]! > scored[b.element]! : a.offset < b.offset
        }.map(\.element)
        return Array(ranked.prefix(limit))
    }

    static let stopWords: Set<String> = [
        "a", "an", "the", "and", "or", "but", "if", "then", "of", "to", "in", "on", "at", "by", "for", "with", "from", "into", "onto", "about",
        "as", "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "do", "does", "did", "will", "would", "can", "could",
        "should", "may", "might", "must", "shall", "this", "that", "these", "those", "it", "its", "it's", "he", "she", "they", "them", "his",
        "her", "their", "we", "our", "you", "your", "i", "me", "my", "who", "whom", "whose", "which", "what", "when", "where", "why", "how",
        "all", "any", "both", "each", "few", "more", "most", "other", "some", "such", "no", "nor", "not", "only", "own", "same", "so", "than",
        "too", "very", "just", "also", "up", "down", "out", "over", "under", "again", "further", "once", "here", "there", "after", "before",
        "while", "until", "because", "through", "during", "against", "between", "without", "within", "one", "two", "must", "him", "himself",
        "herself", "themselves", "itself", "yet", "even", "ever", "every", "s", "t", "don't", "can't", "won't",
    ]
}
