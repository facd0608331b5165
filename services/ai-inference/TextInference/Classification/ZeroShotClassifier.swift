import Foundation
/// Zero-shot classification by embedding similarity: each label is the mean of its descriptions'
/// embeddings (re-normalized), a text gets the cosine to every label, and the scores are a softmax
/// of those cosines at ``temperature`` (so they sum to 1 and keep the cosines' order).
public struct ZeroShotClassifier: Sendable {
    /// One label and its prototype vector.
    public struct Label: Sendable {
        public var name: String
        var vector: [Float]
    }

    public let labels: [Label]
    /// Softmax temperature over cosines (cosines differ by a few hundredths between close labels).
    public static let temperature: Float = 0.05

    /// Embeds each label's descriptions (the name itself when it has none) in one batch.
    public init(labels: [(name: String, descriptions: [String])], embedder: SentenceEmbedder) {
        let texts = labels.flatMap { $0.descriptions.isEmpty ? [$0.name] : $0.descriptions }
        let vectors = embedder.embed(texts, batchSize: 64).vectors
        var index = 0
        var built: [Label] = []
        for label in labels {
            let count = max(1, label.descriptions.count)
            var sum = [Float](repeating: 0, count: embedder.dimensions)
            for vector in vectors[index..<index + count] { for j in sum.indices { sum[j] += vector[j] } }
            index += count
            let norm = max(sum.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
            built.append(Label(name: label.name, vector: sum.map { $0 / norm }))
        }
        self.labels = built
    }

    /// Scores of every label for a text's embedding, best first.
    public func rank(_ vector: [Float]) -> [(label: String, score: Double, similarity: Double)] {
        let similarities = labels.map { cosine(vector, $0.vector) }
        let maximum = similarities.max() ?? 0
        let exps = similarities.map { Double(expf(($0 - maximum) / Self.temperature)) }
        let total = exps.reduce(0, +)
        return zip(labels, zip(exps, similarities)).map { (label: $0.name, score: $1.0 / total, similarity: Double($1.1)) }
            .sorted { $0.score > $1.score }
    }
}
