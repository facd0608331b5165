import AIInferenceDescriptor
import Foundation
import OutpostTesting
import Testing
import TextInference

/// The Swift all-MiniLM-L6-v2 against an independent reference: token ids from Hugging Face's
/// `tokenizers` (Rust) reading the model's tokenizer.json, embeddings from a numpy BERT over the
/// same safetensors file (Fixtures/reference_embed.py).
@Suite("AI inference: embeddings match the numpy reference", .serialized, .heavy)
struct EmbeddingReferenceTests {
    /// 20 varied texts: plain English, punctuation, numbers, accents, German, CJK, Cyrillic,
    /// Arabic, emoji, control characters, a text far over 256 tokens, and the empty string.
    static let texts: [String] = [
        "A retired detective returns for one last case.",
        "Hello, world! It's 3:45pm -- are we there yet?",
        "Café déjà vu: naïve façades in São Paulo.",
        "Über die Straße läuft ein Mädchen mit großem Hund.",
        "東京で映画を撮影しています。",
        "这是一个关于勇气和友谊的故事。",
        "Привет, мир! Это тестовый текст.",
        "مرحبا بالعالم",
        "The movie was 🔥🔥🔥 and I loved it 😍",
        "COVID-19 vaccines: 95% efficacy (per Phase-III trials), U.S.A.",
        "tab\there\nnewline and\u{0007}bell and zero\u{200B}width",
        "supercalifragilisticexpialidocious antidisestablishmentarianism",
        "A family-friendly animated adventure about a lost robot finding its way home.",
        "I hate this. It's terrible, awful, and a waste of time.",
        "Investors: $2.5M budget, 120-minute runtime, shooting in Q3 2027.",
        "   leading and trailing spaces   ",
        "x",
        String(repeating: "The crew travels across the frozen wasteland searching for the lost colony. ", count: 30),
        "Ａ full-width ＬＥＴＴＥＲＳ and ligature ﬁ test",
        "",
    ]

    @Test func tokenIdsAndEmbeddingsMatchTheReference() throws {
        let models = try ModelFixtures.loaded()
        let embedder = models.embedder
        let reference = try ModelFixtures.python("reference_embed.py", input: [
            "modelDir": embedder.directory, "texts": Self.texts, "maxTokens": AIInferenceDescriptor.maxTokens,
        ], environment: ["OPENBLAS_NUM_THREADS": "2"])
        let referenceIDs = try #require(reference["ids"] as? [[Int]])
        let referenceVectors = try #require(reference["embeddings"] as? [[Double]])
        #expect(referenceIDs.count == Self.texts.count && referenceVectors.count == Self.texts.count)

        for (i, text) in Self.texts.enumerated() {
            let ids = embedder.tokenizer.encode(text, maxTokens: AIInferenceDescriptor.maxTokens).ids.map(Int.init)
            #expect(ids == referenceIDs[i], "token ids differ for text \(i) \(text.prefix(40).debugDescription)")
        }
        // All 20 in one padded batch, as the service embeds a request.
        let (vectors, truncated) = embedder.embed(Self.texts)
        #expect(vectors.count == Self.texts.count)
        for (i, vector) in vectors.enumerated() {
            #expect(vector.count == 384)
            let similarity = cosine(vector, referenceVectors[i].map { Float($0) })
            #expect(similarity >= 0.999, "cosine \(similarity) for text \(i) \(Self.texts[i].prefix(40).debugDescription)")
        }
        // Only the long text is over 256 tokens, and the reference cut it at the same place.
        #expect(truncated == Self.texts.map { $0.hasPrefix("The crew travels") })
        #expect(referenceIDs[17].count == AIInferenceDescriptor.maxTokens)
        // The empty string embeds [CLS][SEP].
        #expect(referenceIDs[19] == [101, 102])
    }

    @Test func aTextAloneEmbedsAsItDoesInsideAPaddedBatch() throws {
        let embedder = try ModelFixtures.loaded().embedder
        let alone = embedder.embed(["A retired detective returns for one last case."]).vectors[0]
        let batched = embedder.embed(Self.texts).vectors[0]
        #expect(cosine(alone, batched) > 0.99999)
        let norm = alone.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(norm - 1) < 1e-4)
    }
}
