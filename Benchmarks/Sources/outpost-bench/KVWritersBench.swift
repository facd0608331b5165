import Foundation
import Outpost

/// KV puts from concurrent writers through the binding, on a fresh `kv.sqlite`, for
/// `groupcommit_bench.py` (suite `groupcommit`): `KV_WRITERS` writers (default 1) each put
/// `KV_PUTS_PER_WRITER` keys (default 200) of 256 bytes, one after another. Prints one line,
/// `kv-writers writers=W puts=N seconds=S`, which the script reads; it counts the fsyncs by
/// running this under `strace -f -c`.
enum KVWritersBench {
    static func run() async throws {
        let env = ProcessInfo.processInfo.environment
        let writers = Int(env["KV_WRITERS"] ?? "") ?? 1
        let perWriter = Int(env["KV_PUTS_PER_WRITER"] ?? "") ?? 200
        let dir = Bench.temporaryDirectory("kv-writers")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try KVStore(stateDirectory: dir, clock: RuntimeClock())
        let kv = store.namespace(id: "ns")
        let value = [UInt8](repeating: 42, count: 256)
        let seconds = try await Bench.time {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for w in 0..<writers {
                    group.addTask {
                        for i in 0..<perWriter { try await kv.put("w\(w)-\(i)", bytes: value) }
                    }
                }
                try await group.waitForAll()
            }
        }
        print("kv-writers writers=\(writers) puts=\(writers * perWriter) seconds=\(seconds)")
    }
}
