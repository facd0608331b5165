/// A progress report from a running job: a fraction in 0…1, the stage it is in, and for an
/// operation that streams its output (a generation), the text so far.
public struct JobProgress: Sendable, Codable, Equatable {
    /// How far the job is, 0…1.
    public var progress: Double
    /// What it is doing, e.g. `decoding`.
    public var stage: String
    /// The output produced so far (the whole of it, not the latest piece), when the operation streams text.
    public var text: String?

    /// Creates a report; the fraction is clamped to 0…1 and rounded to 0.001.
    public init(progress: Double, stage: String, text: String? = nil) {
        self.progress = (min(max(progress.isFinite ? progress : 0, 0), 1) * 1000).rounded() / 1000
        self.stage = stage
        self.text = text
    }
}
