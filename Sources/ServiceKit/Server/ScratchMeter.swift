import Foundation
import NIOConcurrencyHelpers

/// How much of the scratch directory the service uses: the bytes of every file under it (inputs,
/// outbox, a handler's own temporary files), measured while jobs run — as each job starts, at
/// its progress reports, before its outputs are delivered, and every 100 ms between (one loop for
/// the whole service, running only while a job does) — and the largest total seen, for `/health`
/// (`scratchBytes`, `scratchPeakBytes`).
///
/// The peak is a measured one: a file that grew and went between two measurements is missed,
/// but ServiceKit's own files (a spooled input, an output waiting in the outbox) are always there
/// at one of them (the input at the job's start, the outputs before delivery). A directory of
/// more than 5,000 entries is no scratch directory (an in-process service left on its working
/// directory): the meter then stops measuring, and reports nothing.
final class ScratchMeter: Sendable {
    let directory: String
    private let state = NIOLockedValueBox(State())
    /// How often the loop measures while jobs run.
    static let interval = Duration.milliseconds(100)

    private struct State {
        var current: Int64 = 0
        var peak: Int64 = 0
        var measuredAt = ContinuousClock.Instant.now
        var off = false
        /// Jobs running, and whether the loop that measures while they do is running.
        var jobs = 0
        var metering = false
    }

    init(directory: String) {
        self.directory = directory
    }

    /// A job started (its input spooled): measures now, and every ``interval`` until no job runs.
    func jobStarted() {
        measure()
        let startLoop = state.withLockedValue { state -> Bool in
            state.jobs += 1
            guard !state.metering, !state.off else { return false }
            state.metering = true
            return true
        }
        if startLoop { Task { await measureWhileJobsRun() } }
    }

    /// A job ended.
    func jobEnded() {
        state.withLockedValue { $0.jobs -= 1 }
    }

    private func measureWhileJobsRun() async {
        while true {
            try? await Task.sleep(for: Self.interval)
            let goOn = state.withLockedValue { state -> Bool in
                guard state.jobs > 0, !state.off else {
                    state.metering = false
                    return false
                }
                return true
            }
            guard goOn else { return }
            measure()
        }
    }

    /// Measures now; `atMostEvery` skips the walk when the last one is that recent.
    func measure(atMostEvery interval: Duration = .zero) {
        let skip = state.withLockedValue { $0.off || (interval > .zero && ContinuousClock.now - $0.measuredAt < interval) }
        if skip { return }
        guard let total = Self.size(of: directory) else {
            state.withLockedValue { $0.off = true }
            return
        }
        state.withLockedValue {
            $0.current = total
            $0.peak = max($0.peak, total)
            $0.measuredAt = .now
        }
    }

    /// The last measured total and the largest one; nil when the meter is off.
    var reading: (current: Int64, peak: Int64)? {
        state.withLockedValue { $0.off ? nil : ($0.current, $0.peak) }
    }

    /// The bytes of every regular file under `directory`; nil past 5,000 entries.
    static func size(of directory: String) -> Int64? {
        DirectorySize.bytes(under: directory, maxEntries: 5_000)
    }
}
