import Foundation
import Functions
import Outpost
import OutpostTesting
import Testing

/// The ai-inference service through the platform with the repository's wrangler.toml: bad input
/// refused at submit (400 for empty text or a wrong label count, 413 for text over its limit), the
/// models catalogue, and `analyze-pitch` end to end on its `/api/containers/ai-analysis/` alias (the
/// orchestrator starts a real sandboxed instance that sees /opt/ai-models read-only).
@Suite("AI inference routes", .serialized, .heavy)
struct AIInferenceRoutesTests {
    @Test func submitChecksTextAndLabelsAndAPitchIsAnalyzedEndToEnd() async throws {
        try await Platform.with { p in
            let (empty, emptyError) = try await p.post("/api/ai/classify", ["text": ""])
            #expect(empty == 400 && (emptyError["error"]?["message"]?.stringValue ?? "").contains("text"), "\(emptyError)")
            let (few, fewError) = try await p.post("/api/ai/classify", ["text": "hello", "task": "labels", "labels": ["one"]])
            #expect(few == 400 && (fewError["error"]?["message"]?.stringValue ?? "").contains("labels"), "\(fewError)")
            let (big, bigError) = try await p.post("/api/ai/moderate", ["text": .string(String(repeating: "a", count: 100_001))])
            #expect(big == 413, "\(bigError)")

            let (status, submitted) = try await p.post("/api/containers/ai-analysis/analyze-pitch", [
                "text": "Logline: A shy baker must win a televised contest to save her grandmother's bakery. A warm comedy feature for families.",
            ])
            #expect(status == 202, "\(submitted)")
            let job = try await p.waitForJob(try #require(submitted["id"]?.stringValue), timeout: 180)
            #expect(job["status"] == "succeeded", "\(job)")
            #expect(job["result"]?["logline"]?["source"] == "labelled", "\(job)")
            #expect(job["result"]?["pitchScore"]?["total"]?.doubleValue != nil, "\(job)")

            let (modelsStatus, models) = try await p.get("/api/ai/models")
            #expect(modelsStatus == 200, "\(models)")
            #expect(models["models"]?.arrayValue?.first?["dimensions"] == 384, "\(models)")
        }
    }
}
