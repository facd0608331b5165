import Foundation

/// Builds the deterministic ``PitchReport`` of a text from the embedder, VADER and the genre
/// classifier. The pitch score's parts and their rules are listed in the service README.
public struct PitchAnalyzer: Sendable {
    let embedder: SentenceEmbedder
    let sentiment: SentimentAnalyzer
    let genres: ZeroShotClassifier
    /// Sentences embedded for the summary and logline (the first ones beyond this are ignored).
    static let maxSentences = 200
    static let wordsPerMinute = 238.0

    public func analyze(_ text: String) -> PitchReport {
        let sentences = Array(TextStatistics.sentences(text).prefix(Self.maxSentences))
        let words = TextStatistics.words(text)
        let syllables = words.reduce(0) { $0 + TextStatistics.syllables($1) }
        let sentenceCount = max(1, sentences.count), wordCount = max(1, words.count)
        let wordsPerSentence = Double(wordCount) / Double(sentenceCount)
        let syllablesPerWord = Double(syllables) / Double(wordCount)
        let readability = PitchReport.Readability(
            fleschReadingEase: round1(206.835 - 1.015 * wordsPerSentence - 84.6 * syllablesPerWord),
            fleschKincaidGrade: round1(0.39 * wordsPerSentence + 11.8 * syllablesPerWord - 15.59))

        // The whole text and each sentence in one batch.
        let vectors = embedder.embed([text] + sentences, batchSize: 32).vectors
        let whole = vectors[0]
        let sentenceVectors = Array(vectors.dropFirst())
        let centrality = sentenceVectors.map { v in sentenceVectors.reduce(Float(0)) { $0 + cosine(v, $1) } }
        let summaryCount = sentences.count <= 3 ? min(1, sentences.count) : 3
        let central = centrality.indices.sorted { centrality[$0] != centrality[$1] ? centrality[$0] > centrality[$1] : $0 < $1 }
        let summary = central.prefix(summaryCount).sorted().map { sentences[$0] }

        let vader = sentiment.scores(text)
        let ranking = genres.rank(whole)
        let topGenres = ranking.prefix(3).map { PitchReport.Genre(label: $0.label, score: round3($0.score)) }
        let tone = Self.tone(compound: vader.compound, genre: ranking.first?.label ?? "")
        let logline = Self.logline(text: text, sentences: sentences, centrality: centrality)
        let counts = PitchReport.Counts(words: words.count, sentences: sentences.count, characters: text.count,
                                        readingTimeMinutes: round1(Double(words.count) / Self.wordsPerMinute))
        let score = PitchScorer.score(text: text, logline: logline, readability: readability, topGenre: topGenres.first,
                                      wordCount: words.count, compound: vader.compound)
        return PitchReport(
            language: LanguageDetector.detect(text),
            sentiment: .init(label: vader.label, compound: round3(vader.compound), positive: round3(vader.positive),
                             neutral: round3(vader.neutral), negative: round3(vader.negative), tone: tone),
            genres: topGenres, keyPhrases: KeyPhraseExtractor.phrases(text), readability: readability, summary: summary,
            logline: logline, counts: counts, pitchScore: score, model: embedder.name, embedding: whole)
    }

    /// A labelled "Logline:" line; else the most central sentence of 8 to 45 words; else the first sentence.
    static func logline(text: String, sentences: [String], centrality: [Float]) -> PitchReport.Logline? {
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.lowercased().hasPrefix("logline:") {
                let body = trimmed.dropFirst("logline:".count).trimmingCharacters(in: .whitespaces)
                if !body.isEmpty { return .init(text: body, source: "labelled") }
            }
        }
        let candidates = sentences.indices.filter { (8...45).contains(TextStatistics.words(sentences[$0]).count) }
        if let best = candidates.max(by: { centrality[$0] != centrality[$1] ? centrality[$0] < centrality[$1] : $0 > $1 }) {
            return .init(text: sentences[best], source: "central")
        }
        return sentences.first.map { .init(text: $0, source: "first-sentence") }
    }

    static func tone(compound: Double, genre: String) -> String {
        let dark: Set<String> = ["horror", "thriller", "drama"]
        switch compound {
        case 0.5...: return dark.contains(genre) ? "bittersweet" : "uplifting"
        case 0.05..<0.5: return "hopeful"
        case -0.05..<0.05: return "neutral"
        case -0.5 ..< -0.05: return dark.contains(genre) ? "tense" : "somber"
        default: return dark.contains(genre) ? "dark" : "bleak"
        }
    }
}

func round1(_ x: Double) -> Double { (x * 10).rounded() / 10 }
func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
