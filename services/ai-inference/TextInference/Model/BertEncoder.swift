import COpenBLAS
import Foundation

/// The BERT encoder of all-MiniLM-L6-v2 over weights mapped from `model.safetensors`: token,
/// position and type embeddings with LayerNorm, then each layer's 12-head self-attention (masked
/// over padding) and GELU feed-forward, each followed by a residual LayerNorm. Matrix products go
/// through OpenBLAS's `cblas_sgemm`; the weights are never copied.
final class BertEncoder: @unchecked Sendable {
    /// The sizes `config.json` gives.
    struct Configuration: Sendable {
        var hidden: Int
        var layers: Int
        var heads: Int
        var intermediate: Int
        var vocabulary: Int
        var maxPositions: Int
        var typeVocabulary: Int
        var layerNormEpsilon: Float
    }

    /// A dense layer's weight ([out, in], row-major as PyTorch stores it) and bias.
    struct Linear {
        var weight: UnsafePointer<Float>
        var bias: UnsafePointer<Float>
        var inputs: Int
        var outputs: Int
    }

    struct Norm {
        var gamma: UnsafePointer<Float>
        var beta: UnsafePointer<Float>
    }

    struct Layer {
        var query, key, value, attentionOutput, intermediate, output: Linear
        var attentionNorm, outputNorm: Norm
    }

    let configuration: Configuration
    private let tensors: SafeTensors
    private let wordEmbeddings, positionEmbeddings, typeEmbeddings: UnsafePointer<Float>
    private let embeddingNorm: Norm
    private let layers: [Layer]

    init(tensors: SafeTensors, configuration c: Configuration) throws(ModelError) {
        self.tensors = tensors
        configuration = c
        let h = c.hidden
        wordEmbeddings = try tensors.floats("embeddings.word_embeddings.weight", shape: [c.vocabulary, h])
        positionEmbeddings = try tensors.floats("embeddings.position_embeddings.weight", shape: [c.maxPositions, h])
        typeEmbeddings = try tensors.floats("embeddings.token_type_embeddings.weight", shape: [c.typeVocabulary, h])
        embeddingNorm = Norm(gamma: try tensors.floats("embeddings.LayerNorm.weight", shape: [h]),
                             beta: try tensors.floats("embeddings.LayerNorm.bias", shape: [h]))
        func linear(_ name: String, _ inputs: Int, _ outputs: Int) throws(ModelError) -> Linear {
            Linear(weight: try tensors.floats(name + ".weight", shape: [outputs, inputs]),
                   bias: try tensors.floats(name + ".bias", shape: [outputs]), inputs: inputs, outputs: outputs)
        }
        func norm(_ name: String) throws(ModelError) -> Norm {
            Norm(gamma: try tensors.floats(name + ".weight", shape: [h]), beta: try tensors.floats(name + ".bias", shape: [h]))
        }
        var layers: [Layer] = []
        for i in 0..<c.layers {
            let p = "encoder.layer.\(i)."
            layers.append(Layer(
                query: try linear(p + "attention.self.query", h, h),
                key: try linear(p + "attention.self.key", h, h),
                value: try linear(p + "attention.self.value", h, h),
                attentionOutput: try linear(p + "attention.output.dense", h, h),
                intermediate: try linear(p + "intermediate.dense", h, c.intermediate),
                output: try linear(p + "output.dense", c.intermediate, h),
                attentionNorm: try norm(p + "attention.output.LayerNorm"),
                outputNorm: try norm(p + "output.LayerNorm")))
        }
        self.layers = layers
    }

    /// The final hidden states of a batch, `[batch * length, hidden]`, for ids padded to one
    /// `length` per row; `mask[b * length + t]` is 1 for real tokens, 0 for padding.
    func encode(ids: [Int32], mask: [Float], batch: Int, length: Int) -> [Float] {
        let c = configuration
        let h = c.hidden
        let rows = batch * length
        var x = [Float](repeating: 0, count: rows * h)
        x.withUnsafeMutableBufferPointer { x in
            for r in 0..<rows {
                let id = Int(ids[r])
                let position = r % length
                let out = x.baseAddress! + r * h
                let word = wordEmbeddings + id * h, pos = positionEmbeddings + position * h, type = typeEmbeddings
                for j in 0..<h { out[j] = word[j] + pos[j] + type[j] }
                layerNorm(out, embeddingNorm, h)
            }
        }
        // Additive attention mask: 0 for tokens, a large negative number for padding.
        let bias = mask.map { $0 > 0 ? Float(0) : -1e9 }
        var q = [Float](repeating: 0, count: rows * h), k = q, v = q, context = q, attention = q
        var inner = [Float](repeating: 0, count: rows * c.intermediate)
        var scores = [Float](repeating: 0, count: length * length)
        let headSize = h / c.heads
        let scale = 1 / Float(headSize).squareRoot()
        for layer in layers {
            dense(x, layer.query, rows, into: &q)
            dense(x, layer.key, rows, into: &k)
            dense(x, layer.value, rows, into: &v)
            q.withUnsafeBufferPointer { q in k.withUnsafeBufferPointer { k in v.withUnsafeBufferPointer { v in
                context.withUnsafeMutableBufferPointer { context in scores.withUnsafeMutableBufferPointer { scores in
                    for b in 0..<batch {
                        for head in 0..<c.heads {
                            let offset = b * length * h + head * headSize
                            // scores = Q_bh · K_bhᵀ · scale
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(length), Int32(length), Int32(headSize),
                                        scale, q.baseAddress! + offset, Int32(h), k.baseAddress! + offset, Int32(h),
                                        0, scores.baseAddress!, Int32(length))
                            for i in 0..<length {
                                let row = scores.baseAddress! + i * length
                                var maximum = -Float.infinity
                                for j in 0..<length {
                                    row[j] += bias[b * length + j]
                                    maximum = max(maximum, row[j])
                                }
                                var sum: Float = 0
                                for j in 0..<length {
                                    row[j] = expf(row[j] - maximum)
                                    sum += row[j]
                                }
                                let inverse = 1 / sum
                                for j in 0..<length { row[j] *= inverse }
                            }
                            // context_bh = softmax(scores) · V_bh
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(length), Int32(headSize), Int32(length),
                                        1, scores.baseAddress!, Int32(length), v.baseAddress! + offset, Int32(h),
                                        0, context.baseAddress! + offset, Int32(h))
                        }
                    }
                }}
            }}}
            dense(context, layer.attentionOutput, rows, into: &attention)
            addAndNorm(&x, attention, layer.attentionNorm, rows)
            dense(x, layer.intermediate, rows, into: &inner)
            for i in inner.indices {
                let value = inner[i]
                inner[i] = 0.5 * value * (1 + erff(value * 0.70710678118654752))
            }
            dense(inner, layer.output, rows, into: &attention)
            addAndNorm(&x, attention, layer.outputNorm, rows)
        }
        return x
    }

    /// out = input · Wᵀ + b, for `rows` rows.
    private func dense(_ input: [Float], _ linear: Linear, _ rows: Int, into out: inout [Float]) {
        out.withUnsafeMutableBufferPointer { out in
            for r in 0..<rows {
                (out.baseAddress! + r * linear.outputs).update(from: linear.bias, count: linear.outputs)
            }
            input.withUnsafeBufferPointer { input in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(linear.outputs), Int32(linear.inputs),
                            1, input.baseAddress!, Int32(linear.inputs), linear.weight, Int32(linear.inputs),
                            1, out.baseAddress!, Int32(linear.outputs))
            }
        }
    }

    /// x = LayerNorm(x + residual), row by row.
    private func addAndNorm(_ x: inout [Float], _ residual: [Float], _ norm: Norm, _ rows: Int) {
        let h = configuration.hidden
        x.withUnsafeMutableBufferPointer { x in
            residual.withUnsafeBufferPointer { residual in
                for r in 0..<rows {
                    let row = x.baseAddress! + r * h
                    let add = residual.baseAddress! + r * h
                    for j in 0..<h { row[j] += add[j] }
                    layerNorm(row, norm, h)
                }
            }
        }
    }

    private func layerNorm(_ row: UnsafeMutablePointer<Float>, _ norm: Norm, _ n: Int) {
        var mean: Float = 0
        for j in 0..<n { mean += row[j] }
        mean /= Float(n)
        var variance: Float = 0
        for j in 0..<n {
            let d = row[j] - mean
            variance += d * d
        }
        variance /= Float(n)
        let inverse = 1 / (variance + configuration.layerNormEpsilon).squareRoot()
        for j in 0..<n { row[j] = (row[j] - mean) * inverse * norm.gamma[j] + norm.beta[j] }
    }
}
