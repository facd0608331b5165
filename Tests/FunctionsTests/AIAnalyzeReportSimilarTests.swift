import Foundation
import Functions
import Outpost
import OutpostTesting
import Testing

/// The `analyze` report's `similar`: the owner's earlier analyzed pitches nearest to this one,
/// added by the platform when the job succeeds (the instance cannot read the `PitchIndex`).
/// Through the platform with the real sandboxed ai-inference container; the order and scores are
/// checked against numpy's cosines of the reports' own embeddings.
@Suite("AI analyze report: similar earlier pitches", .serialized, .heavy)
struct AIAnalyzeReportSimilarTests {
    @Test func theReportListsTheOwnersEarlierPitchesNearestFirstWithNumpyScores() async throws {
        try await Platform.with { p in
            // Alice's pitches one after the other: each report lists the ones before it.
            var earlier: [JSONValue] = []
            for (n, text) in AISimilarRoutesTests.alicePitches.enumerated() {
                let job = try await AIAnalyzeByKeyTests.run(p, "/api/ai/analyze", ["text": .string(text)])
                #expect(job["status"] == "succeeded", "\(job)")
                let similar = job["result"]?["similar"]?.arrayValue
                #expect(similar?.count == n, "pitch \(n): \(String(describing: similar))")
                #expect(Set(similar?.compactMap { $0["jobId"]?.stringValue } ?? []) == Set(earlier.compactMap { $0["id"]?.stringValue }), "\(job)")
                earlier.append(job)
            }
            // Bob's pitch, nearest of all to the next one, but his: never in Alice's reports, and
            // his report lists none of hers.
            let bob = try await AIAnalyzeByKeyTests.run(p, "/api/containers/ai-analysis/analyze-pitch", ["text": .string(AISimilarRoutesTests.bobPitch)], as: Platform.bob)
            #expect(bob["status"] == "succeeded" && bob["result"]?["similar"] == [], "\(bob)")

            let query = try await AIAnalyzeByKeyTests.run(p, "/api/ai/analyze-pitch", ["text": .string(AISimilarRoutesTests.query)])
            #expect(query["status"] == "succeeded", "\(query)")
            let similar = try #require(query["result"]?["similar"]?.arrayValue, "\(query)")
            let vectors: JSONValue = .array(try ([query] + earlier).map { try #require($0["result"]?["embedding"]) })
            let expected = try AISimilarRoutesTests.numpyCosines(vectors)
            let order = expected.indices.sorted { expected[$0] > expected[$1] }
            #expect(similar.map { $0["jobId"]?.stringValue } == order.map { earlier[$0]["id"]?.stringValue }, "\(similar) vs numpy \(expected)")
            #expect(similar.first?["title"] == "Orbit Zero", "\(similar)")
            for (match, index) in zip(similar, order) {
                let score = try #require(match["score"]?.doubleValue)
                #expect(abs(score - expected[index]) < 0.005, "\(match) vs numpy \(expected[index])")
                #expect(match["owner"] == nil && match["createdAt"]?.stringValue?.hasSuffix("Z") == true, "\(match)")
            }
            #expect(!similar.contains { $0["jobId"] == bob["id"] } && !similar.contains { $0["jobId"] == query["id"] }, "\(similar)")
            // The stored job answers with the same report (what GET returns is what was stored).
            let (status, stored) = try await p.get("/api/containers/jobs/\(try #require(query["id"]?.stringValue))")
            #expect(status == 200 && stored["result"]?["similar"] == query["result"]?["similar"], "\(stored)")
        }
    }
}
