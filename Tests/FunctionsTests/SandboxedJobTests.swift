import Foundation
import Outpost
import OutpostTesting
import Testing

/// A platform job runs in the container sandbox: the service is not root on the host and sees
/// none of the host's secrets, state, home, workspace or runtime.
@Suite("A platform job in the sandbox", .serialized)
struct SandboxedJobTests {
    @Test("a job's service runs unprivileged and cannot see the state directory, the host's secrets, home, workspace or the runtime")
    func jobSeesOnlyItsSandbox() async throws {
        try await ServiceRecipeTests.with { p in
            let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            let binDirectory = (executable as NSString).deletingLastPathComponent
            let workspace = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
            let secrets = ["/etc/shadow", "/etc/gshadow", p.t.directory + "/kv.sqlite", "/proc/\(getpid())/environ", workspace + "/Package.swift"]
            let directories = [p.t.directory, "/root", workspace, binDirectory, "/usr/lib", "/etc"]
            let job = try await p.finished("/api/fixture/inspect", ["paths": .string((secrets + directories + ["/etc/hosts"]).joined(separator: ","))])
            #expect(job["status"] == "succeeded", "\(job)")
            let seen = try #require(job["result"]?["paths"])
            for path in secrets { #expect(seen[path]?["readable"] == false, "\(path) is readable from inside the sandbox") }
            func entries(_ path: String) -> [String] { seen[path]?["entries"]?.arrayValue?.compactMap(\.stringValue) ?? [] }
            // The image's own directory holds the image alone (mapped as a single file); the paths
            // above it exist only as the way down to it.
            #expect(entries(binDirectory).allSatisfy { $0 == "service-fixture" }, "the runtime's binaries: \(entries(binDirectory))")
            #expect(!entries(workspace).contains("Package.swift") && !entries(workspace).contains("Sources"), "the workspace: \(entries(workspace))")
            #expect(entries(p.t.directory).isEmpty, "the state directory: \(entries(p.t.directory))")
            #expect(entries("/root").isEmpty, "the host's home: \(entries("/root"))")
            #expect(!entries("/etc").contains("shadow") && entries("/etc").contains("hosts"), "the filtered /etc: \(entries("/etc"))")
            #expect(seen["/etc/hosts"]?["readable"] == true)
            #expect(!entries("/usr/lib").isEmpty, "the system libraries are mapped")
            if getuid() == 0 {
                let uid = try #require(job["result"]?["uid"]?.intValue)
                #expect(uid >= 1_000_000, "not root on the host: uid \(uid)")
            }
            #expect((job["result"]?["pid"]?.intValue ?? 99) < 10, "its own pid namespace")
        }
    }
}
