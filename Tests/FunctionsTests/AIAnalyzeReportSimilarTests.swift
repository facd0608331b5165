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
                let job = try await p.finished("/api/ai/analyze", ["text": .string(text)])
                #expect(job["status"] == "succeeded", "\(job)")
                let similar = job["result"]?["similar"]?.arrayValue
                #expect(similar?.count == n, "pitch \(n): \(String(describing: similar))")
                #expect(Set(similar?.compactMap { $0["jobId"]?.stringValue } ?? []) == Set(earlier.compactMap { $0["id"]?.stringValue }), "\(job)")
                earlier.append(job)
            }
            // Bob's pitch, nearest of all to the next one, but his: never in Alice's reports, and
            // his report lists none of hers.
            let bob = try await p.finished("/api/containers/ai-analysis/analyze-pitch", ["text": .string(AISimilarRoutesTests.bobPitch)], as: Platform.bob)
            #expect(bob["status"] == "succeeded" && bob["result"]?["similar"] == [], "\(bob)")

            let query = try await p.finished("/api/ai/analyze-pitch", ["text": .string(AISimilarRoutesTests.query)])
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

    /// The job record keeps the submitting caller's role: an admin's report lists the whole
    /// platform's nearest pitches (with their owners), a user's only their own.
    @Test func anAdminsReportSearchesThePlatformAUsersOnlyTheirOwn() async throws {
        try await Platform.with { p in
            let alice = try await p.finished("/api/ai/analyze", ["text": .string(AISimilarRoutesTests.alicePitches[0])])
            #expect(alice["status"] == "succeeded", "\(alice)")
            let aliceId = try #require(alice["id"]?.stringValue)

            // Bob, a user: Alice's pitch is not his, so his report lists nothing.
            let bob = try await p.finished("/api/ai/analyze", ["text": .string(AISimilarRoutesTests.alicePitches[0])], as: Platform.bob)
            #expect(bob["status"] == "succeeded" && bob["result"]?["similar"] == [], "\(bob)")
            let bobId = try #require(bob["id"]?.stringValue)

            // An admin: both, the identical texts first, each with its owner.
            let admin = try await p.finished("/api/ai/analyze", ["text": .string(AISimilarRoutesTests.alicePitches[0])], as: Platform.admin)
            #expect(admin["status"] == "succeeded", "\(admin)")
            let similar = try #require(admin["result"]?["similar"]?.arrayValue, "\(admin)")
            #expect(Set(similar.compactMap { $0["jobId"]?.stringValue }) == [aliceId, bobId], "\(similar)")
            for match in similar {
                #expect((match["score"]?.doubleValue ?? 0) > 0.999, "\(match)")
                #expect(match["owner"]?.stringValue?.isEmpty == false, "\(match)")
            }
            let owners = Set(similar.compactMap { $0["owner"]?.stringValue })
            #expect(owners.count == 2, "\(similar)")
            // The role is the platform's own: not in the job's JSON.
            #expect(admin["ownerRole"] == nil && admin["role"] == nil, "\(admin)")

            // Alice again, a user: Bob's and the admin's identical pitches stay out of her report.
            let again = try await p.finished("/api/ai/analyze", ["text": .string(AISimilarRoutesTests.alicePitches[0])])
            let mine = try #require(again["result"]?["similar"]?.arrayValue, "\(again)")
            #expect(mine.compactMap { $0["jobId"]?.stringValue } == [aliceId], "\(mine)")
            #expect(mine.first?["owner"] == nil, "\(mine)")
        }
    }
}
