import Foundation
import Outpost
import Testing

/// Readiness by notification: the runtime hands each instance a pipe (`outpost-sandbox --ready-fd`,
/// `OUTPOST_READY_FD` in its environment); a service built on ServiceKit writes one byte there once
/// it listens, and the supervisor takes that as ready instead of a poll of `GET /ping`. An image
/// that never writes (the plain `container-fixture`) is still found by polling. Real launcher, real
/// processes; the descriptors are read from /proc.
@Suite("Container readiness notification", .serialized)
struct ReadinessNotificationTests {
    typealias S = ContainerTestSupport

    static var noopService: String { S.binDirectory + "/noop-service" }

    /// The processes under `pid` (its children, their children, …) whose executable is named `name`.
    static func descendants(of pid: Int32, named name: String) -> [Int32] {
        descendantsAll(of: pid).filter {
            let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\($0)/exe")) ?? ""
            return exe.split(separator: "/").last.map(String.init) == name
        }
    }

    /// What descriptor `fd` of process `pid` is (its /proc link, e.g. "pipe:[1234]"), nil when closed.
    static func descriptor(_ fd: Int32, of pid: Int32) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")
    }

    /// Every open descriptor of `pid`, as its /proc link.
    static func descriptors(of pid: Int32) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []).compactMap { descriptor(Int32($0) ?? -1, of: pid) }
    }

    static func descendantsAll(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var children: [Int32: [Int32]] = [:]
        for entry in entries {
            guard let child = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = Int32(fields[1]) { children[parent, default: []].append(child) }
        }
        var found: [Int32] = []
        var queue = [pid]
        while let next = queue.popLast() {
            for child in children[next] ?? [] { found.append(child); queue.append(child) }
        }
        return found
    }

    @Test func aServiceKitServiceIsReadyByItsNoticeAndClosesThePipe() async throws {
        let events = EventLog()
        let noop = ContainerClass(name: "Noop", executable: Self.noopService, maxInstances: 2)
        try await S.withSupervisor(classes: [noop], events: events) { sup in
            try await sup.start(className: "Noop", instanceID: "n", options: S.options())
            #expect(await sup.readySignal(className: "Noop", instanceID: "n") == .notified)
            let launcher = try #require(await sup.process(className: "Noop", instanceID: "n"))
            #expect(launcher.notifiedReady)
            // The service answers at once: the notice came after its socket listened.
            let answer = try await sup.fetch(Request(url: "/ping"), className: "Noop", instanceID: "n", options: S.options())
            #expect(answer.status == .ok)
            #expect(try await answer.body.text() == "pong")
            // The notice was the service's one use of the descriptor: it closed it after writing (the
            // number may since hold another descriptor, never the pipe).
            let service = try #require(Self.descendants(of: launcher.pid, named: "noop-service").first)
            #expect(Self.descriptor(6, of: service)?.hasPrefix("pipe:") != true, "the service closed its readiness descriptor after the notice")
            #expect(events.startedCount == 1)
        }
    }

    @Test func anImageThatDoesNotNotifyIsFoundByPolling() async throws {
        let events = EventLog()
        try await S.withSupervisor(classes: [S.fixtureClass()], events: events) { sup in
            let first = try await S.json(sup.fetch(Request(url: "/"), className: "Fixture", instanceID: "quiet", options: S.options()))
            #expect(first["pid"] as? Int != nil)
            #expect(await sup.readySignal(className: "Fixture", instanceID: "quiet") == .answered)
            let launcher = try #require(await sup.process(className: "Fixture", instanceID: "quiet"))
            #expect(!launcher.notifiedReady)
            // The pipe did reach the fixture (it simply never writes): polling, not a lost pipe, found it.
            let fixture = try #require(Self.descendants(of: launcher.pid, named: "container-fixture").first)
            let pipe = try #require(Self.descriptor(6, of: fixture))
            #expect(pipe.hasPrefix("pipe:"), "the fixture holds the readiness pipe it never writes to")
            // Only the service holds it (not the launcher or the instance's init), so its end would close the pipe.
            for pid in [launcher.pid] + Self.descendantsAll(of: launcher.pid) where pid != fixture {
                #expect(!Self.descriptors(of: pid).contains(pipe), "process \(pid) holds no copy of the readiness pipe")
            }
            #expect(events.startedCount == 1)
        }
    }

    @Test func aServiceThatExitsBeforeListeningStillFailsItsStart() async throws {
        let events = EventLog()
        let noop = ContainerClass(name: "Noop", executable: Self.noopService, maxInstances: 2)
        try await S.withSupervisor(classes: [noop], events: events) { sup in
            do {
                // ServiceKit's configuration check ends the service (exit 1) before it listens or notifies.
                try await sup.start(className: "Noop", instanceID: "bad", options: S.options(env: ["JOB_CONCURRENCY": "zero"]))
                Issue.record("a service that exits at start cannot be ready")
            } catch let error as ContainerError {
                #expect(error.message.contains("exited"), "\(error.message)")
            }
            #expect(await S.waitUntil { events.stops.count == 1 })
            #expect(await sup.readySignal(className: "Noop", instanceID: "bad") == nil)
        }
    }
}
