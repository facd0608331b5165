/// What a deployment runs: the Worker (the default export) and the classes it exports by name.
///
/// `wrangler.toml` refers to these classes by `class_name`; the runtime checks that every
/// class a binding names is here.
public struct WorkerScript: Sendable {
    public var worker: any Worker

    public init(worker: any Worker) {
        self.worker = worker
    }
}
