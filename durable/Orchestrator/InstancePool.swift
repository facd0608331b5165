/// Which instances of each container class have jobs in flight, and how many: the
/// orchestrator's slot accounting, as a plain value.
///
/// Jobs are packed onto the lowest-numbered instance with a free slot, so work concentrates on
/// few instances and the rest sleep (scale to zero). A new instance is taken only when every
/// busy one is full, up to `maxInstances`.
struct InstancePool: Sendable, Equatable {
    /// Jobs in flight by class, then by instance index (1-based).
    private(set) var inFlight: [String: [Int: Int]] = [:]

    /// A slot for one job, or nil when the class is at `maxInstances` with every instance full.
    /// `scaledUp` is true when the slot is on an instance that had no work.
    mutating func acquire(className: String, concurrency: Int, maxInstances: Int) -> (index: Int, scaledUp: Bool)? {
        var busy = inFlight[className, default: [:]]
        for index in busy.keys.sorted() where busy[index]! < concurrency {
            busy[index]! += 1
            inFlight[className] = busy
            return (index, false)
        }
        guard busy.count < maxInstances else { return nil }
        let index = (1...).first { busy[$0] == nil }!
        busy[index] = 1
        inFlight[className] = busy
        return (index, true)
    }

    /// Frees the slot a job held; returns true when the instance has no work left.
    @discardableResult
    mutating func release(className: String, index: Int) -> Bool {
        guard let n = inFlight[className]?[index] else { return false }
        if n <= 1 {
            inFlight[className]?[index] = nil
            return true
        }
        inFlight[className]?[index] = n - 1
        return false
    }

    /// Instances of the class with work.
    func busyInstances(_ className: String) -> Int { inFlight[className]?.count ?? 0 }

    /// Jobs in flight on one instance.
    func jobs(className: String, index: Int) -> Int { inFlight[className]?[index] ?? 0 }
}
