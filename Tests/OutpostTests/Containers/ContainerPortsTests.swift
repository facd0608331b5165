import Foundation
import Outpost
import OutpostTesting
import Testing

/// `requiredPorts` and `containerFetch(_:port:)` on real fixture processes serving two ports.
@Suite("Container ports", .serialized)
struct ContainerPortsTests {
    typealias S = ContainerTestSupport
    typealias F = ContainerObjectFixtures

    func uniqueName() -> String { "ports-" + UUID().uuidString.prefix(8).lowercased() }

    /// `GET /` of object `name`, sent to `port` (the default port when nil).
    func info(_ t: TestRuntime, _ name: String, port: Int? = nil) async throws -> [String: Any] {
        var headers = HTTPFields()
        if let port { headers[HTTPField.Name("x-container-port")!] = String(port) }
        let response = await t.dispatchFetch("/c/\(name)/", headers: headers)
        #expect(response.status == .ok)
        return try await S.json(response)
    }

    /// True when something accepts TCP connections on the host's 127.0.0.1:`port`.
    func accepts(_ port: Int) async -> Bool {
        (try? await offPool { close(try RawHTTP.connect(port: port)) }) != nil
    }

    @Test func eachDeclaredPortGetsItsOwnHostPortAndContainerFetchReachesIt() async throws {
        try await TestRuntime.with(config: F.config(), script: F.script, vars: ["EXTRA_PORTS": "9090"]) { t in
            var extraPorts: [Int] = []
            for name in [uniqueName(), uniqueName()] {
                let main = try await info(t, name)
                let extra = try await info(t, name, port: 9090)
                let env = try #require(main["env"] as? [String: String])
                #expect(extra["pid"] as? Int == main["pid"] as? Int, "one process serves both ports")
                #expect(main["port"] as? Int == Int(env["PORT"] ?? ""), "defaultPort is PORT")
                #expect(env["PORT_8080"] == env["PORT"])
                let port9090 = try #require(Int(env["PORT_9090"] ?? ""))
                #expect(extra["port"] as? Int == port9090, "port 9090 reached through PORT_9090")
                #expect(port9090 != main["port"] as? Int)
                extraPorts.append(port9090)
                let sameAgain = try await info(t, name, port: 8080)
                #expect(sameAgain["port"] as? Int == main["port"] as? Int, "naming defaultPort is the default")
            }
            #expect(extraPorts[0] != extraPorts[1], "two instances on the host network never share a port")
        }
    }

    @Test func withoutInternetDeclaredPortsKeepTheirNumbers() async throws {
        try await TestRuntime.with(config: F.config(), script: F.script, vars: ["EXTRA_PORTS": "9090", "NO_INTERNET": "1"]) { t in
            for name in [uniqueName(), uniqueName()] {
                let main = try await info(t, name)
                let extra = try await info(t, name, port: 9090)
                let env = try #require(main["env"] as? [String: String])
                #expect(env["PORT"] == "8080" && env["PORT_8080"] == "8080" && env["PORT_9090"] == "9090")
                #expect(main["port"] as? Int == 8080 && extra["port"] as? Int == 9090, "each instance has its own 8080 and 9090")
            }
        }
    }

    @Test func startAndWaitForPortsWaitsForEveryRequiredPort() async throws {
        try await TestRuntime.with(config: F.config(), script: F.script, vars: ["EXTRA_PORTS": "9090", "EXTRA_PORT_DELAY_MS": "4000"]) { t in
            // start() waits for defaultPort only: 9090 comes up 4 s later (room for a loaded machine).
            // The clock starts before start(): the process, and its 4 s delay, began after this.
            let early = uniqueName()
            let started = ContinuousClock.now
            try await getContainer(t.durableObject("FIXTURE"), name: early).call { (c: FixtureContainer) in try await c.start() }
            let earlyPort = try #require(Int((try await info(t, early))["env"].flatMap { ($0 as? [String: String])?["PORT_9090"] } ?? ""))
            let closed = await !accepts(earlyPort)
            // That 9090 is still closed is this test's premise, observable only while the delay lasts:
            // a machine too busy to look within 3 s says nothing either way.
            if ContinuousClock.now - started < .seconds(3) { #expect(closed, "the fixture listens late on 9090") }

            let waited = uniqueName()
            try await getContainer(t.durableObject("FIXTURE"), name: waited).call { (c: FixtureContainer) in try await c.startAndWaitForPorts() }
            let waitedPort = try #require(Int((try await info(t, waited))["env"].flatMap { ($0 as? [String: String])?["PORT_9090"] } ?? ""))
            #expect(await accepts(waitedPort), "startAndWaitForPorts returned only once 9090 answered")
        }
    }

    @Test func aFetchToALatePortOfAColdInstanceWaitsForIt() async throws {
        try await TestRuntime.with(config: F.config(), script: F.script, vars: ["EXTRA_PORTS": "9090", "EXTRA_PORT_DELAY_MS": "500"]) { t in
            let extra = try await info(t, uniqueName(), port: 9090)
            let env = try #require(extra["env"] as? [String: String])
            #expect(extra["port"] as? Int == Int(env["PORT_9090"] ?? ""))
        }
    }

    @Test func anUndeclaredPortIsA400ThatSaysWhatToDo() async throws {
        try await TestRuntime.with(config: F.config(), script: F.script, vars: ["EXTRA_PORTS": "9090"]) { t in
            let name = uniqueName()
            let response = await t.dispatchFetch("/c/\(name)/", headers: [HTTPField.Name("x-container-port")!: "9999"])
            #expect(response.status.code == 400)
            let message = try await response.json()["error"]?["message"]?.stringValue ?? ""
            #expect(message == "Port 9999 is not a port of this container (defaultPort 8080, requiredPorts [9090]): add it to requiredPorts.")
            let stub = getContainer(try t.durableObject("FIXTURE"), name: name)
            await #expect { try await stub.call { (c: FixtureContainer) in try await c.startAndWaitForPorts([9999]) } } throws: {
                ($0 as? ContainerError)?.errorCode == .undeclaredPort
            }
        }
    }
}
