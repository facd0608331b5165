import NIOConcurrencyHelpers

/// A wake-up signal for a background loop: `ring()` wakes the current waiter, or the next one
/// when nobody is waiting, so a ring is never lost between two checks of the loop.
public final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var cancelled: Set<Int> = []
    }
    private let state = NIOLockedValueBox(State())

    public init() {}

    /// Wakes every waiter; when none is waiting, the next `wait` returns at once.
    public func ring() {
        let waiters = state.withLockedValue { s -> [CheckedContinuation<Void, Never>] in
            if s.waiters.isEmpty {
                s.rung = true
                return []
            }
            let w = Array(s.waiters.values)
            s.waiters.removeAll()
            return w
        }
        for w in waiters { w.resume() }
    }

    /// Returns when rung (or at once if rung since the last wait), or when the task is cancelled.
    public func wait() async {
        let id = state.withLockedValue { s -> Int in
            s.nextID += 1
            return s.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLockedValue { s -> Bool in
                    if s.rung {
                        s.rung = false
                        return true
                    }
                    if s.cancelled.remove(id) != nil { return true }
                    s.waiters[id] = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let waiter = state.withLockedValue { s -> CheckedContinuation<Void, Never>? in
                if let w = s.waiters.removeValue(forKey: id) { return w }
                s.cancelled.insert(id)
                return nil
            }
            waiter?.resume()
        }
        // A cancellation that raced with a ring leaves a marker behind; drop it.
        _ = state.withLockedValue { $0.cancelled.remove(id) }
    }

    /// Returns when rung (true) or after `timeout` (false), whichever comes first.
    @discardableResult
    public func wait(timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.wait(); return true }
            group.addTask { try? await Task.sleep(for: timeout); return false }
            let rung = await group.next() ?? false
            group.cancelAll()
            return rung
        }
    }
}
