import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import ServiceFixtureDescriptor
import ServiceKit

/// Labels released by `POST /release?label=`.
let released = NIOLockedValueBox<Set<String>>([])

/// The test-only service: `checksum` reads its input, `note` makes a file from parameters.
struct FixtureHandler: JobHandler {
    var descriptor: ServiceDescriptor? { ServiceFixtureDescriptor.service }

    struct Sight: Encodable, Sendable {
        var exists: Bool
        /// A file whose bytes could be read.
        var readable: Bool
        /// A directory's names, when it could be listed.
        var entries: [String]?
    }

    struct Inspection: Encodable, Sendable {
        var uid: UInt32
        var pid: Int32
        var paths: [String: Sight]
    }

    struct Checksum: Encodable, Sendable {
        var size: Int64
        var sum: UInt64
        var label: String?
    }

    /// Size and byte sum of a file.
    static func checksum(_ path: String) throws -> Checksum {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return Checksum(size: Int64(data.count), sum: data.reduce(UInt64(0)) { $0 &+ UInt64($1) }, label: nil)
    }

    struct Comparison: Encodable, Sendable {
        var input: Checksum
        var attachments: [String: [Checksum]]
    }

    func run(_ job: Job, context: JobContext) async throws -> JobResult {
        switch job.operation {
        case "compare":
            return .json(Comparison(input: try Self.checksum(job.inputPath ?? ""),
                                    attachments: try job.attachments.mapValues { try $0.map(Self.checksum) }))
        case "checksum":
            let steps = try job.parameters.int("repeat") ?? 1
            var sum: UInt64 = 0
            let data = try Data(contentsOf: URL(fileURLWithPath: job.inputPath ?? ""))
            for byte in data { sum &+= UInt64(byte) }
            for step in 1...steps { context.progress(Double(step) / Double(steps), stage: "summing") }
            return .json(Checksum(size: job.inputSize, sum: sum, label: try job.parameters.string("label")))
        case "inspect":
            var seen: [String: Sight] = [:]
            for path in (try job.parameters.string("paths") ?? "").split(separator: ",").map(String.init) {
                var isDirectory: ObjCBool = false
                let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
                seen[path] = Sight(exists: exists, readable: !isDirectory.boolValue && FileManager.default.contents(atPath: path) != nil,
                                   entries: isDirectory.boolValue ? (try? FileManager.default.contentsOfDirectory(atPath: path))?.sorted() : nil)
            }
            return .json(Inspection(uid: getuid(), pid: getpid(), paths: seen))
        case "hold":
            let label = try job.parameters.string("label") ?? job.id
            context.progress(0.5, stage: "holding", text: "holding " + label)
            while !released.withLockedValue({ $0.contains(label) }) && !context.isCancelled {
                try await Task.sleep(for: .milliseconds(10))
            }
            return .json(["released": label])
        default:
            let text = try job.parameters.string("text") ?? ""
            let shout = job.parameters.values["shout"].flatMap(ParameterSpec.boolean) ?? false
            return .file(JobOutputFile(name: "note", contentType: "text/plain", bytes: Array((shout ? text.uppercased() : text).utf8)))
        }
    }

    func addRoutes(to router: Router<ServiceRequestContext>) {
        router.get("/colours") { _, _ in try ServiceJSON.response(["colours": ["red", "green", "blue"]]) }
        router.post("/release") { request, _ in
            let label = request.uri.queryParameters["label"].map(String.init) ?? ""
            released.withLockedValue { _ = $0.insert(label) }
            return try ServiceJSON.response(["released": label])
        }
    }
}

await ContainerService.main(FixtureHandler())
