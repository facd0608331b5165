import NIOPosix

/// The one set of threads blocking storage I/O runs on: SQLite commits (KV, queues, the R2
/// index), Durable Objects' WAL syncs and file closes, and R2 object file reads and writes.
///
/// Most of their time is spent waiting in fsync, so there are more of them than cores: a read
/// queues behind other requests' fsyncs only when every thread is in one, and several fsyncs in
/// flight let the filesystem's journal batch them. One pool instead of one per store means the
/// threads that are awake serve whatever comes next, instead of a different idle thread being
/// woken for each kind of work.
enum StorageIO {
    /// Threads of ``pool``.
    static let threads = 16

    /// Started on first use; lives as long as the process (like `NIOThreadPool.singleton`).
    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
        return pool
    }()
}
