import AIInferenceDescriptor
import Foundation

/// Moderation over the descriptor's categories by two signals per category, combined as
/// `1 - (1 - lexicon)(1 - prototype)`:
/// - a lexicon: whole-word or phrase hits of the category's terms (see ``ModerationLexicon``),
///   0.6 for one hit, 0.8 for two, 0.9 beyond;
/// - embedding prototypes: the text's (and each sentence's) best cosine to the category's example
///   sentences, mapped linearly from ``prototypeFloor`` (0) to ``prototypeCeiling`` (1).
/// A category is flagged at ``threshold``; `flagged` is any category flagged.
public struct ContentModerator: Sendable {
    /// One category's score and flag.
    public struct Category: Encodable, Sendable {
        public var score: Double
        public var flagged: Bool
        /// The lexicon terms found (evidence), if any.
        public var matches: [String]
    }

    /// `moderate`'s result.
    public struct Result: Encodable, Sendable {
        public var flagged: Bool
        public var categories: [String: Category]
        public var method: String
    }

    public static let threshold = 0.5
    public static let prototypeFloor: Float = 0.38
    public static let prototypeCeiling: Float = 0.62

    let embedder: SentenceEmbedder
    /// Each category's prototype vectors.
    let prototypes: [String: [[Float]]]

    public init(embedder: SentenceEmbedder) {
        self.embedder = embedder
        let categories = AIInferenceDescriptor.moderationCategories
        let texts = categories.flatMap { ModerationLexicon.prototypes[$0] ?? [] }
        let vectors = embedder.embed(texts, batchSize: 64).vectors
        var index = 0
        var prototypes: [String: [[Float]]] = [:]
        for category in categories {
            let count = ModerationLexicon.prototypes[category]?.count ?? 0
            prototypes[category] = Array(vectors[index..<index + count])
            index += count
        }
        self.prototypes = prototypes
    }

    public func moderate(_ text: String) -> Result {
        let sentences = TextStatistics.sentences(text).prefix(64)
        let units = [text] + (sentences.count > 1 ? Array(sentences) : [])
        let vectors = embedder.embed(units, batchSize: 32).vectors
        let words = TextStatistics.normalizedWords(text)
        let joined = " " + words.joined(separator: " ") + " "
        var categories: [String: Category] = [:]
        for category in AIInferenceDescriptor.moderationCategories {
            let matches = (ModerationLexicon.terms[category] ?? []).filter { joined.contains(" " + $0 + " ") }
            var lexicon = [0, 0.6, 0.8][min(matches.count, 2)]
            if matches.count > 2 { lexicon = 0.9 }
            if category == "spam" { lexicon = max(lexicon, ModerationLexicon.spamSignals(text)) }
            var best: Float = 0
            for vector in vectors { for prototype in prototypes[category] ?? [] { best = max(best, cosine(vector, prototype)) } }
            let prototype = Double(max(0, min(1, (best - Self.prototypeFloor) / (Self.prototypeCeiling - Self.prototypeFloor))))
            let score = 1 - (1 - lexicon) * (1 - prototype)
            categories[category] = Category(score: (score * 1000).rounded() / 1000, flagged: score >= Self.threshold, matches: matches)
        }
        return Result(flagged: categories.values.contains { $0.flagged }, categories: categories,
                      method: "lexicon hits plus all-MiniLM-L6-v2 similarity to example sentences per category; flagged at score ≥ \(Self.threshold)")
    }
}
