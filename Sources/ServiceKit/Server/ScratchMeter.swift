import Foundation
import NIOConcurrencyHelpers

/// How much of the scratch directory the service uses: the bytes of every file under it (inputs,
/// outbox, a handler's own temporary files), measured while jobs run — as each job starts, at
/// its progress reports, before its outputs are delivered, and every 100 ms between — and the
/// largest total seen, for `/health` (`scratchBytes`, `scratchPeakBytes`).
///
/// The peak is a measured one: a file that grew and went between two measurements is missed,
/// but ServiceKit's own files (a spooled input, an output waiting in the outbox) are always there
/// at one of them (the input at the job's start, the outputs before delivery). A directory of
/// more than 5,000 entries is no scratch directory (an in-process service left on its working
/// directory): the meter then stops measuring, and reports nothing.
final class ScratchMeter: Sendable {
    let directory: String
    private let state = NIOLockedValueBox((current: Int64(0), peak: Int64(0), measuredAt: ContinuousClock.Instant.now, off: false))

    init(directory: String) {
        self.directory = directory
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
        var total: Int64 = 0
        var entries = 0
        guard let walk = FileManager.default.enumerator(atPath: directory) else { return 0 }
        while let name = walk.nextObject() as? String {
            entries += 1
            if entries > 5_000 { return nil }
            if let attributes = try? FileManager.default.attributesOfItem(atPath: directory + "/" + name),
               attributes[.type] as? FileAttributeType == .typeRegular, let size = attributes[.size] as? NSNumber {
                total += size.int64Value
            }
        }
        return total
    }
}
