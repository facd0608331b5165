/// `classify`'s result: the best label and every label's score.
struct ClassificationResult: Encodable, Sendable {
    var label: String
    var scores: [String: Double]
    /// Sentiment only: VADER's compound score, -1…1.
    var compound: Double?
    /// Zero-shot only: the labels best first, with the raw cosine similarity beside the score.
    var ranking: [Ranked]?
    var method: String

    struct Ranked: Encodable, Sendable {
        var label: String
        var score: Double
        var similarity: Double
    }

    init(label: String, scores: [String: Double], compound: Double?, method: String) {
        self.label = label
        self.scores = scores
        self.compound = compound
        self.method = method
    }

    init(ranking: [(label: String, score: Double, similarity: Double)]) {
        label = ranking.first?.label ?? ""
        scores = Dictionary(uniqueKeysWithValues: ranking.map { ($0.label, $0.score) })
        self.ranking = ranking.map { Ranked(label: $0.label, score: $0.score, similarity: $0.similarity) }
        method = "zero-shot: softmax (temperature \(ZeroShotClassifier.temperature)) of all-MiniLM-L6-v2 cosine similarity to each label's descriptions"
    }
}
