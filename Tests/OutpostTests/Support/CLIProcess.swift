import Foundation
import OutpostTesting

/// What a CLI command printed, and how it exited.
struct CLIOutput {
    let status: Int32
    let stdoutData: Data
    let stderr: String
    var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
}

/// Runs a CLI command of a built product to completion (off the cooperative pool).
enum CLIProcess {
    static func run(product: String = "outpost-testapp", _ arguments: [String], stdin: Data? = nil) async throws -> CLIOutput {
        let r = try await ChildProcess.run(ServerProcess.binDirectory + "/" + product, arguments, stdin: stdin)
        return CLIOutput(status: r.status, stdoutData: r.stdout, stderr: String(decoding: r.stderr, as: UTF8.self))
    }
}
