/// A progress report from a running job: a fraction in 0…1 and the stage it is in.
public struct JobProgress: Sendable, Codable, Equatable {
    /// How far the job is, 0…1.
    public var progress: Double
    /// What it is doing, e.g. `decoding`.
    public var stage: String

    /// Creates a report; the fraction is clamped to 0…1 and rounded to 0.001.
    public init(progress: Double, stage: String) {
        self.progress = (min(max(progress.isFinite ? progress : 0, 0), 1) * 1000).rounded() / 1000
        self.stage = stage
    }
}
