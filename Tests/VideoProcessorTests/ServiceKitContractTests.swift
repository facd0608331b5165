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

    /// The scratch meter's walk counts the bytes of regular files in nested directories (checked
    /// against `du --apparent-size -b`), follows no symbolic link, and gives up past 5,000 entries.
    @Test func scratchMeterCountsWhatDuCounts() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        try FileManager.default.createDirectory(atPath: scratch.path + "/a/b", withIntermediateDirectories: true)
        for (path, size) in [("x", 1000), ("a/y", 70_000), ("a/b/z", 3)] {
            FileManager.default.createFile(atPath: scratch.path + "/" + path, contents: Data(count: size))
        }
        // A link to a big file elsewhere adds nothing.
        let outside = try TemporaryDirectory()
        defer { outside.remove() }
        FileManager.default.createFile(atPath: outside.path + "/big", contents: Data(count: 1 << 20))
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/a/link", withDestinationPath: outside.path + "/big")
        #expect(ScratchMeter.size(of: scratch.path) == 71_003)
        let du = Process()
        du.executableURL = URL(fileURLWithPath: "/usr/bin/find")
        du.arguments = [scratch.path, "-type", "f", "-printf", "%s\n"]
        let pipe = Pipe()
        du.standardOutput = pipe
        try du.run()
        let listed = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        du.waitUntilExit()
        #expect(listed.split(separator: "\n").compactMap { Int64($0) }.reduce(0, +) == 71_003)
        #expect(ScratchMeter.size(of: scratch.path + "/missing") == 0)
        for index in 0..<5_001 { FileManager.default.createFile(atPath: scratch.path + "/a/b/f\(index)", contents: nil) }
        #expect(ScratchMeter.size(of: scratch.path) == nil)
    }

    /// While a job runs, the meter measures on its own (every 100 ms); the peak it reports is what
    /// the job wrote meanwhile, though nobody asked at that moment.
    @Test func scratchMeterMeasuresWhileAJobRuns() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let meter = ScratchMeter(directory: scratch.path)
        meter.jobStarted()
        #expect(meter.reading?.peak == 0)
        FileManager.default.createFile(atPath: scratch.path + "/written", contents: Data(count: 4096))
        while meter.reading?.peak != 4096 { try await Task.sleep(for: .milliseconds(10)) }
        meter.jobEnded()
        #expect(meter.reading?.current == 4096)
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
