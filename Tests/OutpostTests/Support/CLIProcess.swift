import Foundation
import OutpostTesting

/// Runs a CLI command of a built product to completion and returns its exit status and output.
enum CLIProcess {
    static func run(product: String = "outpost-testapp", _ arguments: [String], timeout: Double = 60) async throws -> (status: Int32, stdout: String, stderr: String) {
        let r = try await ChildProcess.run(ServerProcess.binDirectory + "/" + product, arguments)
        return (r.status, String(decoding: r.stdout, as: UTF8.self), String(decoding: r.stderr, as: UTF8.self))
    }
}
