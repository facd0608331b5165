import Durable
import Foundation
@testable import Functions
import Outpost
import ServiceDescriptors
import OutpostTesting
import Testing

@Suite("OpenAPI document")
struct OpenAPITests {
    static let services = ServiceRegistry(ServiceRegistry.pitchey.containers + [ServiceFixture.self])

    /// The served document, fetched without credentials.
    static func withSpec(_ body: @Sendable (JSONValue) async throws -> Void) async throws {
        try await ServiceRecipeTests.with { p in
            let response = await p.t.dispatchFetch("/openapi.json")
            #expect(response.status == .ok, "served without credentials")
            try await body(try await response.json())
        }
    }

    @Test("every route the router has is in /openapi.json, with its method; only the 404 fallbacks are left out")
    func everyRouteIsDescribed() async throws {
        try await Self.withSpec { spec in
        let paths = try #require(spec["paths"]?.objectValue)
        let fallbacks = Set(ServiceRoutes.fallbacks(Self.services).map { "\($0.0.rawValue) \($0.1)" })
        var missing: [String] = []
        for (method, pattern) in APIRoutes.router(services: Self.services).patterns where !fallbacks.contains("\(method.rawValue) \(pattern)") {
            let templated = pattern.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
            if paths["/" + templated]?[method.rawValue.lowercased()] == nil { missing.append("\(method.rawValue) \(pattern)") }
        }
        #expect(missing.isEmpty, "routes missing from the spec: \(missing)")
        // Operations and their parameters come from the descriptors.
        let thumbnail = paths["/api/video/thumbnail"]?["post"]
        let json = thumbnail?["requestBody"]?["content"]?["application/json"]?["schema"]
        #expect(json?["properties"]?["width"]?["maximum"] == 8192)
        let declared = ServiceRegistry.pitchey.service(apiName: "video")?.operation("thumbnail")?.parameters.first { $0.name == "format" }
        guard case .choice(let formats)? = declared?.kind else { Issue.record("the video descriptor declares thumbnail's format as a choice"); return }
        #expect(json?["properties"]?["format"]?["enum"] == .array(formats.map(JSONValue.string)))
        #expect(paths["/api/fixture/note"]?["post"]?["requestBody"]?["content"]?["application/json"]?["schema"]?["required"] == ["text"])
        #expect(spec["components"]?["securitySchemes"]?["apiKey"]?["name"] == "X-API-Key")
        }
    }

    @Test("the document is valid OpenAPI 3.1 by an independent validator (openapi-spec-validator)")
    func validByAnIndependentValidator() async throws {
        try await Self.withSpec { spec in
        let file = TestRuntime.makeTemporaryDirectory() + "/openapi.json"
        defer { try? FileManager.default.removeItem(atPath: (file as NSString).deletingLastPathComponent) }
        try spec.serialized().write(toFile: file, atomically: true, encoding: .utf8)
        let script = "import json,sys; from openapi_spec_validator import validate; validate(json.load(open(sys.argv[1]))); print('valid')"
        let (status, stdout, stderr) = try await ChildProcess.run("/usr/bin/env", ["python3", "-c", script, file])
        #expect(status == 0, "\(String(decoding: stderr, as: UTF8.self))")
        #expect(String(decoding: stdout, as: UTF8.self).contains("valid"))
        }
    }
}
