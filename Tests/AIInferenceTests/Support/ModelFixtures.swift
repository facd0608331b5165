import Foundation
import OutpostTesting
import TextInference

/// What the AI tests share: the service's models loaded once per test process (the weights are
/// mapped, so this is cheap), the fixtures folder, and running the Python reference scripts.
enum ModelFixtures {
    /// The models as the service loads them (AI_MODEL_DIR, /opt/ai-models or site-packages).
    static let models: Result<LoadedModels, ModelError> = Result { () throws(ModelError) in try LoadedModels.load() }

    static func loaded() throws -> LoadedModels {
        switch models {
        case .success(let models): return models
        case .failure(let error): throw TestFailure("the model did not load (run `make deps`): \(error)")
        }
    }

    /// This target's `Fixtures` folder.
    static var directory: String {
        Bundle.module.resourcePath! + "/Fixtures"
    }

    /// Runs `python3 Fixtures/<script>` with `input` as JSON on stdin; its stdout parsed as JSON.
    static func python(_ script: String, input: [String: Any], environment: [String: String] = [:]) throws -> [String: Any] {
        let scratch = NSTemporaryDirectory() + "ai-reference-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let inputPath = scratch + "/in.json", outputPath = scratch + "/out.json", errorPath = scratch + "/err.txt"
        try JSONSerialization.data(withJSONObject: input).write(to: URL(fileURLWithPath: inputPath))
        FileManager.default.createFile(atPath: outputPath, contents: nil)
        FileManager.default.createFile(atPath: errorPath, contents: nil)
        let stdin = try FileHandle(forReadingFrom: URL(fileURLWithPath: inputPath))
        let stdout = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        let stderr = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        defer { try? stdin.close(); try? stdout.close(); try? stderr.close() }
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", directory + "/" + script]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        process.waitUntilExit()
        let errors = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else { throw TestFailure("python3 \(script) exited \(process.terminationStatus): \(errors.suffix(2000))") }
        let data = try Data(contentsOf: URL(fileURLWithPath: outputPath))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TestFailure("python3 \(script) did not print a JSON object: \(errors.suffix(500))")
        }
        return object
    }
}
