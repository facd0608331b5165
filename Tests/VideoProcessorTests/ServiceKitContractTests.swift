import Foundation
import OutpostTesting
import Logging
@testable import ServiceKit
import Testing

/// The parts of the container-service contract that do not need FFmpeg (run with the video suites).
@Suite("Video service kit contract")
struct ServiceKitContractTests {
    /// Outputs the runtime never collected (it crashed between the answer and its GET) are
    /// swept once older than the retention; younger ones stay.
    @Test func uncollectedOutputsAreSweptAfterTheirRetention() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let outbox = JobOutbox(scratchDirectory: scratch.path, retention: 60)
        let old = try outbox.publish([JobOutputFile(name: "a", contentType: "text/plain", bytes: Array("old".utf8))], jobId: "old-job")
        let young = try outbox.publish([JobOutputFile(name: "b", contentType: "text/plain", bytes: Array("young".utf8))], jobId: "young-job")
        #expect(old.first?.pull == "/outputs/old-job/0" && young.first?.size == 5)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-120)], ofItemAtPath: outbox.directory(for: "old-job"))
        outbox.sweep()
        #expect(outbox.file(job: "old-job", index: "0") == nil)
        #expect(outbox.file(job: "young-job", index: "0")?.size == 5)
        // Ids that are not outbox names find nothing.
        #expect(outbox.file(job: "../young-job", index: "0") == nil && outbox.file(job: "young-job", index: "../0") == nil)
    }

    @Test func configurationComesFromTheEnvironment() throws {
        let defaults = try ServiceConfiguration.fromEnvironment(name: "svc", defaultConcurrency: 3, environment: [:])
        #expect(defaults.host == "127.0.0.1" && defaults.port == 8080 && defaults.maxConcurrentJobs == 3)
        #expect(defaults.scratchDirectory == FileManager.default.currentDirectoryPath)

        let set = try ServiceConfiguration.fromEnvironment(name: "svc", defaultConcurrency: 3, environment: [
            "PORT": "9123", "HOST": "0.0.0.0", "JOB_CONCURRENCY": "5", "TMPDIR": "/scratch", "MAX_INPUT_BYTES": "1000", "LOG_LEVEL": "debug",
        ])
        #expect(set.host == "0.0.0.0" && set.port == 9123 && set.maxConcurrentJobs == 5)
        #expect(set.scratchDirectory == "/scratch" && set.maxInputBytes == 1000 && set.logLevel == .debug)

        let error = #expect(throws: ServiceError.self) {
            try ServiceConfiguration.fromEnvironment(name: "svc", defaultConcurrency: 1, environment: ["PORT": "http"])
        }
        #expect(error?.message.contains("PORT") == true)
    }

    @Test func parametersAcceptNumbersAndNumericStrings() throws {
        let parameters = JobParameters(["a": .number(1.5), "b": .string(" 2 "), "c": .string("x"), "d": .bool(true), "e": .number(2.5)])
        #expect(try parameters.double("a") == 1.5)
        #expect(try parameters.int("b") == 2)
        #expect(try parameters.double("missing") == nil)
        #expect(throws: ServiceError.self) { try parameters.double("c") }
        #expect(throws: ServiceError.self) { try parameters.double("d") }
        let notWhole = #expect(throws: ServiceError.self) { try parameters.int("e") }
        #expect(notWhole?.statusCode == 400 && notWhole?.code == "invalid_parameter" && notWhole?.message.hasPrefix("e:") == true)
        #expect(throws: ServiceError.self) { try parameters.string("a") }
    }

    @Test func inputsOverTheSizeLimitAreA413() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let configuration = ServiceConfiguration(name: "svc", port: 0, maxConcurrentJobs: 1, maxInputBytes: 50_000, scratchDirectory: scratch.path, logLevel: .critical)
        let (started, continuation) = AsyncStream<RunningService>.makeStream()
        let task = Task { try await ContainerService(configuration: configuration, handler: EchoHandler()).run(handleSignals: false) { continuation.yield($0) } }
        var iterator = started.makeAsyncIterator()
        let running = try #require(await iterator.next())
        let base = "http://127.0.0.1:\(running.port)"
        let tooBig = try await ServiceHTTP.postRaw(base + "/jobs/echo", Data(count: 60_000))
        #expect(tooBig.status == 413 && tooBig.errorCode == "input_too_large")
        let fine = try await ServiceHTTP.postRaw(base + "/jobs/echo", Data(count: 40_000))
        #expect(fine.status == 200)
        #expect(try fine.json()["result"] as? [String: Int] == ["size": 40_000])
        #expect(scratch.contents().isEmpty)
        await running.shutdown()
        try await task.value
    }
}

/// Reports the size of its input.
private struct EchoHandler: JobHandler {
    var operations: [String] { ["echo"] }
    func run(_ job: Job, context: JobContext) async throws -> JobResult {
        .json(["size": Int(job.inputSize)])
    }
}
