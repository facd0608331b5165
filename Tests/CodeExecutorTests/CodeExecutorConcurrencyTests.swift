import Foundation
import OutpostTesting
import Testing

/// Ten runs at once in one sandboxed instance (its JOB_CONCURRENCY), mixed languages, each
/// holding memory: all complete, and the instance's peak memory is measured (it sizes the
/// class's instance type; see services/code-executor/README.md).
@Suite("Code executor: ten concurrent runs", .serialized, .heavy)
struct CodeExecutorConcurrencyTests {
    @Test func tenConcurrentRunsAllCompleteAndThePeakIsMeasured() async throws {
        let service = try ServiceProcess.sandboxedCodeExecutor()
        try await service.waitUntilReady()
        let idle = service.residentBytes()
        let mb = 200
        @Sendable func program(_ index: Int) -> [String: Any] {
            switch index % 3 {
            case 0: ["language": "python", "code": "import time\nx = bytearray(\(mb) << 20)\nfor i in range(0, len(x), 4096): x[i] = 1\ntime.sleep(2)\nprint('py', \(index))"]
            case 1: ["language": "javascript", "code": "const b = Buffer.alloc(\(mb) << 20, 1); setTimeout(() => console.log('js', \(index), b.length > 0), 2000);"]
            default: ["language": "sql", "code": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) SELECT count(*) FROM n;"]
            }
        }
        let peak = PeakMeter()
        let sampler = Task {
            while !Task.isCancelled {
                peak.record(service.residentBytes())
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        let replies = try await withThrowingTaskGroup(of: (Int, Data).self) { group in
            for index in 0..<10 {
                group.addTask {
                    let result = try await service.execute(program(index).merging(["memoryLimit": 256, "timeout": 30]) { a, _ in a })
                    return (index, try JSONSerialization.data(withJSONObject: result))
                }
            }
            var all: [Int: Data] = [:]
            for try await (index, data) in group { all[index] = data }
            return all
        }
        var results: [Int: [String: Any]] = [:]
        for (index, data) in replies { results[index] = try JSONSerialization.jsonObject(with: data) as? [String: Any] }
        sampler.cancel()
        _ = await sampler.value
        for (index, result) in results.sorted(by: { $0.key < $1.key }) {
            #expect(result["exitCode"] as? Int == 0, "run \(index): \(result)")
            switch index % 3 {
            case 0: #expect(result["stdout"] as? String == "py \(index)\n")
            case 1: #expect(result["stdout"] as? String == "js \(index) true\n")
            default: #expect((result["results"] as? [[String: Any]])?.first?["rows"] as? [[Int]] == [[200000]])
            }
        }
        #expect(results.count == 10)
        print("code-executor memory: idle instance \(idle >> 20) MiB; peak with 10 concurrent runs (7 holding \(mb) MiB) \(peak.value >> 20) MiB (resident sum)")
        try await service.stop()
    }
}

/// The largest value recorded (thread-safe).
final class PeakMeter: @unchecked Sendable {
    private let lock = NSLock()
    private var peak = 0
    func record(_ value: Int) { lock.lock(); peak = max(peak, value); lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return peak }
}
