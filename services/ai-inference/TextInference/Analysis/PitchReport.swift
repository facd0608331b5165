/// The `analyze` / `analyze-pitch` report: every field is computed from the text alone, so the same
/// text always gives the same report.
public struct PitchReport: Encodable, Sendable {
    public struct Sentiment: Encodable, Sendable {
        public var label: String
        public var compound: Double
        public var positive: Double
        public var neutral: Double
        public var negative: Double
        /// A word for the tone, from the compound score and the top genre (see the README).
        public var tone: String
    }

    public struct Genre: Encodable, Sendable {
        public var label: String
        public var score: Double
    }

    public struct Readability: Encodable, Sendable {
        public var fleschReadingEase: Double
        public var fleschKincaidGrade: Double
    }

    public struct Counts: Encodable, Sendable {
        public var words: Int
        public var sentences: Int
        public var characters: Int
        /// Minutes at 238 words a minute, rounded to a tenth.
        public var readingTimeMinutes: Double
    }

    public struct Logline: Encodable, Sendable {
        public var text: String
        /// `labelled` (a line starting "Logline:"), `central` (the most central short sentence) or `first-sentence`.
        public var source: String
    }

    /// One part of the pitch score.
    public struct ScorePart: Encodable, Sendable {
        public var name: String
        public var points: Double
        public var maxPoints: Double
        public var evidence: String
    }

    public struct PitchScore: Encodable, Sendable {
        public var total: Int
        public var parts: [ScorePart]
    }

    public var language: LanguageDetector.Detection
    public var sentiment: Sentiment
    public var genres: [Genre]
    public var keyPhrases: [String]
    public var readability: Readability
    public var summary: [String]
    public var logline: Logline?
    public var counts: Counts
    public var pitchScore: PitchScore
    public var model: String
    /// The whole text's unit embedding (384 floats): the platform stores it for `similar`.
    public var embedding: [Float]
}
