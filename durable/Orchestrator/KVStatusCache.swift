import Outpost

/// The KV status cache (`job:<id>`, 24 h TTL): each published state is gathered for
/// `delay`, then the latest state of each job is written in one batch (one commit). A job that
/// ends within the window is written once, as ended. It may lag, never block.
struct KVStatusCache: Sendable {
    static let delay = Duration.milliseconds(250)
    static let ttlSeconds = 86_400

    private let queue = CoalescingQueue<String, JobRecord>()
    let env: Env

    init(env: Env) { self.env = env }

    /// Adds `job`; returns the writer to run in the background when none is running.
    func add(_ job: JobRecord) -> (@Sendable () async -> Void)? {
        guard queue.add(job.id, job) else { return nil }
        let (queue, env) = (self.queue, self.env)
        return {
            let kv = try? env.kv(PlatformBindings.jobStatus)
            while true {
                try? await Task.sleep(for: Self.delay)
                guard let jobs = queue.next() else { return }
                let entries = jobs.map { (key: JobRecord.cacheKey($0.id), value: Array($0.cacheJSON.serialized().utf8)) }
                try? await kv?.put(entries, options: KVPutOptions(expirationTtl: Self.ttlSeconds))
            }
        }
    }
}
