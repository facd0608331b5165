import Functions
import Outpost
import OutpostTesting
import Testing

@Suite("R2 in /health")
struct R2HealthTests {
    @Test("/health reports an R2 binding as r2_bucket")
    func reportsR2Bucket() async throws {
        let config = """
            name = "pitchey"
            [[r2_buckets]]
            binding = "MEDIA"
            bucket_name = "pitchey-media"
            [[kv_namespaces]]
            binding = "STATUS"
            id = "status"
            """
        try await TestRuntime.with(config: config, script: Pitchey.script) { t in
            let response = await t.dispatchFetch("/health")
            #expect(response.status == .ok)
            let json = try await response.json()
            #expect(json["bindings"]?["MEDIA"]?["type"]?.stringValue == "r2_bucket")
            #expect(json["bindings"]?["STATUS"]?["type"]?.stringValue == "kv_namespace")
        }
    }
}
