/// What a watcher of a job hears from the orchestrator.
public enum JobWatch: Sendable, Equatable {
    /// Every change of status, stage and progress, until the terminal state (SSE).
    case everyChange
    /// Only the terminal state; if the job has not ended `within` this time, the state then,
    /// and the stream ends (`?wait=`).
    case end(within: Duration)
}
