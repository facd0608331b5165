import Foundation
import Outpost
import Testing

@Suite("Container lifecycle values")
struct ContainerStateTests {
    typealias Phase = ContainerState.Phase
    typealias Event = ContainerState.Event

    static let phases: [Phase] = [.stopped, .starting, .running, .healthy, .stopping, .stoppedWithCode(1)]
    static let events: [Event] = [.start, .spawned, .startFailed, .ready, .stop, .exited(0), .exited(137)]

    /// The complete transition table: (phase, event) → (next phase, action), nil = refused.
    static func expected(_ phase: Phase, _ event: Event) -> (Phase, ContainerState.Action)? {
        switch (phase, event) {
        case (.stopped, .start), (.stoppedWithCode, .start): (.starting, .spawn)
        case (.starting, .start), (.running, .start), (.healthy, .start): (phase, .none)
        case (.starting, .spawned): (.running, .probePorts)
        case (.starting, .startFailed): (.stopped, .reportStartFailure)
        case (.running, .ready): (.healthy, .none)
        case (.healthy, .ready): (.healthy, .none)
        case (.starting, .stop): (.stopping, .cancelStart)
        case (.running, .stop), (.healthy, .stop): (.stopping, .signalTerminate)
        case (.stopping, .stop), (.stopped, .stop), (.stoppedWithCode, .stop): (phase, .none)
        case (.starting, .exited(let c)), (.running, .exited(let c)), (.healthy, .exited(let c)), (.stopping, .exited(let c)):
            (c == 0 ? .stopped : .stoppedWithCode(c), .reportExit(c))
        default: nil
        }
    }

    @Test("every phase × event pair follows the table", arguments: phases)
    func exhaustive(phase: Phase) {
        for event in Self.events {
            var state = ContainerState(phase: phase)
            let want = Self.expected(phase, event)
            do {
                let action = try state.apply(event)
                #expect(want != nil, "\(phase) + \(event) should be refused")
                #expect(state.phase == want?.0, "\(phase) + \(event)")
                #expect(action == want?.1, "\(phase) + \(event)")
            } catch {
                #expect(want == nil, "\(phase) + \(event) was refused: \(error)")
                #expect(state.phase == phase, "a refused event must not change the phase")
            }
        }
    }

    @Test func fullLifecycleAndStatusNames() throws {
        var s = ContainerState()
        #expect(s.status == "stopped" && !s.isActive)
        try s.apply(.start); #expect(s.status == "running" && s.isActive)
        try s.apply(.spawned); #expect(s.status == "running")
        try s.apply(.ready); #expect(s.status == "healthy")
        try s.apply(.stop); #expect(s.status == "stopping")
        #expect(try s.apply(.exited(143)) == .reportExit(143))
        #expect(s.status == "stopped_with_code" && s.exitCode == 143 && !s.isActive)
        try s.apply(.start); try s.apply(.spawned)
        try s.apply(.exited(0))
        #expect(s.status == "stopped" && s.exitCode == nil)
    }

    @Test(arguments: [("10m", 600.0), ("90", 90), ("30s", 30), ("5m", 300), ("2h", 7200), (" 1.5s ", 1.5), ("0.25", 0.25)])
    func sleepAfterParses(text: String, seconds: Double) throws {
        let s = try SleepAfter(parsing: text)
        #expect(s.duration == .milliseconds(Int64(seconds * 1000)))
    }

    @Test(arguments: ["", "abc", "10x", "-5", "5 m", "m", "0", "0s", "1e3", "ten minutes"])
    func sleepAfterRejects(text: String) {
        #expect(throws: ContainerError.self) { try SleepAfter(parsing: text) }
        do { _ = try SleepAfter(parsing: text) } catch {
            #expect(error.code == "invalid_sleep_after")
            #expect(error.message.contains("sleepAfter"))
        }
    }

    @Test func sleepAfterDefaultAndDescription() throws {
        #expect(SleepAfter.default.duration == .seconds(600))
        #expect(SleepAfter.default.description == "10m")
        #expect(try SleepAfter(parsing: "30s").description == "30s")
        #expect(try SleepAfter(parsing: "2h").description == "2h")
    }

    @Test func activityTrackerNeverExpiresWhileInFlight() {
        let t0 = ContinuousClock.now
        var t = ActivityTracker(sleepAfter: .seconds(10), now: t0)
        #expect(!t.isExpired(now: t0 + .seconds(9)))
        #expect(t.isExpired(now: t0 + .seconds(10)))
        t.begin(now: t0 + .seconds(5))
        #expect(t.inFlight == 1)
        #expect(!t.isExpired(now: t0 + .seconds(1000)), "in flight: never expires")
        #expect(t.remaining(now: t0 + .seconds(1000)) == nil)
        t.begin(now: t0 + .seconds(6))
        t.end(now: t0 + .seconds(100))
        #expect(t.deadline == t0 + .seconds(16), "only the last one out renews")
        t.end(now: t0 + .seconds(200))
        #expect(t.inFlight == 0)
        #expect(t.deadline == t0 + .seconds(210), "dropping to zero renews the deadline")
        #expect(!t.isExpired(now: t0 + .seconds(209)))
        t.touch(now: t0 + .seconds(209))
        #expect(t.deadline == t0 + .seconds(219), "a message renews")
        #expect(t.remaining(now: t0 + .seconds(214)) == .seconds(5))
    }

    @Test func activityTokensReleaseExactlyOnceEvenWhenDropped() {
        let monitor = ActivityMonitor(sleepAfter: SleepAfter(duration: .seconds(60)))
        let a = monitor.begin()
        do {
            _ = monitor.begin()  // dropped at once: an aborted client
        }
        #expect(monitor.snapshot.inFlight == 1)
        a.release()
        a.release()
        #expect(a.isReleased)
        #expect(monitor.snapshot.inFlight == 0)
    }

    @Test func imageResolution() throws {
        for bad in ["./Dockerfile", "Dockerfile", "services/api/Dockerfile", "docker.io/library/nginx:latest", "nginx:1.25", "ghcr.io/org/app"] {
            #expect { try ContainerImage.resolve(bad) } throws: { ($0 as? ContainerError)?.errorCode == .imageNotSupported && "\($0)".contains("not supported locally") }
        }
        #expect { try ContainerImage.resolve("no-such-product", productDirectory: ContainerTestSupport.binDirectory) } throws: {
            ($0 as? ContainerError)?.errorCode == .imageNotFound
        }
        #expect(try ContainerImage.resolve("container-fixture", productDirectory: ContainerTestSupport.binDirectory) == ContainerTestSupport.fixture)
        #expect(try ContainerImage.resolve(ContainerTestSupport.fixture) == ContainerTestSupport.fixture)
        #expect(try ContainerImage.resolve("/bin/true") == "/bin/true")
        let plain = NSTemporaryDirectory() + "outpost-not-executable-\(UUID().uuidString)"
        #expect(FileManager.default.createFile(atPath: plain, contents: Data("x".utf8), attributes: [.posixPermissions: 0o644]))
        defer { try? FileManager.default.removeItem(atPath: plain) }
        #expect { try ContainerImage.resolve(plain) } throws: { ($0 as? ContainerError)?.errorCode == .imageNotFound }
    }

    @Test func errorsMapToCloudflareStatuses() {
        #expect(ContainerError.noInstance.status == 503)
        #expect(ContainerError.noInstance.message == "There is no Container instance available at this time")
        let start = ContainerError.startFailure(ContainerError(.portTimeout, "nothing answered"))
        #expect(start.status == 500 && start.message == "Failed to start container: nothing answered")
        #expect(ContainerError(.connectionLost, "lost").status == 500)
        #expect(ContainerError(.egressBlocked, "blocked").status == 520)
    }
}
