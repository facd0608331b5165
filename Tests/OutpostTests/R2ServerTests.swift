import Foundation
import Outpost
import OutpostTesting
import Testing

@Suite("R2 over HTTP in a real server process", .timeLimit(.minutes(5)))
struct R2ServerTests {
    static let config = """
        name = "r2-http"
        compatibility_date = "2025-01-01"

        [[r2_buckets]]
        binding = "BUCKET"
        bucket_name = "http-bucket"
        """

    @Test("PUT streams in, GET streams out with Range (206), If-None-Match (304) and content type")
    func routes() async throws {
        let dir = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.config.write(toFile: dir + "/wrangler.toml", atomically: true, encoding: .utf8)
        let server = try ServerProcess(directory: dir)
        defer { server.kill(signal: SIGKILL) }
        try await server.waitUntilReady()
        let url = server.baseURL + "/r2/docs/hello.txt"

        let (putStatus, putBody) = try await HTTP.send("PUT", url, body: Data("value".utf8), headers: ["Content-Type": "text/plain"])
        #expect(putStatus == 200)
        #expect(try JSONValue.parse(Array(putBody))["etag"]?.stringValue == "2063c1608d6e0baf80249c42e2be5804")

        let (getStatus, getBody) = try await HTTP.send("GET", url)
        #expect(getStatus == 200 && String(decoding: getBody, as: UTF8.self) == "value")
        let (rangeStatus, rangeBody) = try await HTTP.send("GET", url, headers: ["Range": "bytes=3-"])
        #expect(rangeStatus == 206 && String(decoding: rangeBody, as: UTF8.self) == "ue")
        let (notModified, _) = try await HTTP.send("GET", url, headers: ["If-None-Match": "\"2063c1608d6e0baf80249c42e2be5804\""])
        #expect(notModified == 304)

        // A 24 MiB body streams through the server both ways.
        let big = Data(R2Fixture.bytes(count: 24 * 1024 * 1024, seed: 3))
        let start = Date()
        let (bigPut, bigPutBody) = try await HTTP.send("PUT", server.baseURL + "/r2/big", body: big)
        let putSeconds = Date().timeIntervalSince(start)
        #expect(bigPut == 200)
        #expect(try JSONValue.parse(Array(bigPutBody))["etag"]?.stringValue == R2Fixture.md5Hex(big))
        let getStart = Date()
        let (bigGet, bigBody) = try await HTTP.send("GET", server.baseURL + "/r2/big")
        let getSeconds = Date().timeIntervalSince(getStart)
        #expect(bigGet == 200 && bigBody.count == big.count && R2Fixture.md5Hex(bigBody) == R2Fixture.md5Hex(big))
        print("R2 over HTTP, 24 MiB: PUT \(String(format: "%.0f", 24 / putSeconds)) MiB/s, GET \(String(format: "%.0f", 24 / getSeconds)) MiB/s")

        let (deleteStatus, _) = try await HTTP.send("DELETE", url)
        #expect(deleteStatus == 200)
        let (gone, _) = try await HTTP.send("GET", url)
        #expect(gone == 404)

        server.kill(signal: SIGTERM)
        #expect(try await server.waitForExit() == 0)
    }
}
