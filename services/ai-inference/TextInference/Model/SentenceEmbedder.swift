import COpenBLAS
import Foundation
import OutpostJSON

/// all-MiniLM-L6-v2 as a sentence embedder: tokenize, encode a padded batch, mean-pool over the
/// attention mask and L2-normalize. Loaded once per process from a directory holding
/// `config.json`, `vocab.txt` and `model.safetensors` (mapped, not read).
public final class SentenceEmbedder: Sendable {
    /// The model's name as the API reports it.
    public let name = "all-MiniLM-L6-v2"
    /// The directory it was loaded from.
    public let directory: String
    /// Tokens per text, [CLS] and [SEP] included.
    public let maxTokens: Int
    public let tokenizer: WordPieceTokenizer
    let encoder: BertEncoder

    /// The embedding's length (384).
    public var dimensions: Int { encoder.configuration.hidden }

    /// Loads the model in `directory`; every problem is a ``ModelError`` naming the file.
    public init(directory: String, maxTokens: Int = 256) throws(ModelError) {
        self.directory = directory
        self.maxTokens = maxTokens
        let configPath = directory + "/config.json"
        guard let data = FileManager.default.contents(atPath: configPath) else { throw ModelError(path: configPath, "cannot be read") }
        guard let json = try? JSONValue.parse([UInt8](data)), let config = json.objectValue else {
            throw ModelError(path: configPath, "is not a JSON object")
        }
        func int(_ key: String) throws(ModelError) -> Int {
            guard let value = config[key]?.intValue, value > 0 else { throw ModelError(path: configPath, "lacks a positive \"\(key)\"") }
            return value
        }
        let configuration = BertEncoder.Configuration(
            hidden: try int("hidden_size"), layers: try int("num_hidden_layers"), heads: try int("num_attention_heads"),
            intermediate: try int("intermediate_size"), vocabulary: try int("vocab_size"),
            maxPositions: try int("max_position_embeddings"), typeVocabulary: try int("type_vocab_size"),
            layerNormEpsilon: Float(config["layer_norm_eps"]?.doubleValue ?? 1e-12))
        guard configuration.hidden % configuration.heads == 0, maxTokens <= configuration.maxPositions else {
            throw ModelError(path: configPath, "has sizes that do not fit together")
        }
        tokenizer = try WordPieceTokenizer(vocabularyFile: directory + "/vocab.txt")
        encoder = try BertEncoder(tensors: try SafeTensors(path: directory + "/model.safetensors"), configuration: configuration)
    }

    /// Sets how many threads OpenBLAS uses for each product.
    public static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }

    /// One embedding per text (L2-normalized), and whether each text was truncated, in one batch.
    public func embed(_ texts: [String]) -> (vectors: [[Float]], truncated: [Bool]) {
        guard !texts.isEmpty else { return ([], []) }
        let encoded = texts.map { tokenizer.encode($0, maxTokens: maxTokens) }
        let length = encoded.map(\.ids.count).max()!
        let batch = texts.count
        var ids = [Int32](repeating: 0, count: batch * length)
        var mask = [Float](repeating: 0, count: batch * length)
        for (b, item) in encoded.enumerated() {
            for (t, id) in item.ids.enumerated() {
                ids[b * length + t] = id
                mask[b * length + t] = 1
            }
        }
        let hidden = encoder.encode(ids: ids, mask: mask, batch: batch, length: length)
        let h = dimensions
        var vectors: [[Float]] = []
        vectors.reserveCapacity(batch)
        for b in 0..<batch {
            var sum = [Float](repeating: 0, count: h)
            let count = encoded[b].ids.count
            for t in 0..<count {
                let row = (b * length + t) * h
                for j in 0..<h { sum[j] += hidden[row + j] }
            }
            var norm: Float = 0
            for j in 0..<h {
                sum[j] /= Float(count)
                norm += sum[j] * sum[j]
            }
            let inverse = 1 / max(norm.squareRoot(), 1e-12)
            vectors.append(sum.map { $0 * inverse })
        }
        return (vectors, encoded.map(\.truncated))
    }

    /// Splits `texts` into batches of `size` so one huge request does not hold one huge padded matrix.
    public func embed(_ texts: [String], batchSize size: Int) -> (vectors: [[Float]], truncated: [Bool]) {
        var vectors: [[Float]] = [], truncated: [Bool] = []
        var start = 0
        while start < texts.count {
            let part = embed(Array(texts[start..<min(texts.count, start + size)]))
            vectors += part.vectors
            truncated += part.truncated
            start += size
        }
        return (vectors, truncated)
    }
}

/// The cosine of two L2-normalized vectors (their dot product).
public func cosine(_ a: [Float], _ b: [Float]) -> Float {
    var dot: Float = 0
    for i in 0..<min(a.count, b.count) { dot += a[i] * b[i] }
    return dot
}
