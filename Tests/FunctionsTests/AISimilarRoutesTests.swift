import Durable
import Foundation
import Functions
import Outpost
import OutpostTesting
import Testing

/// `POST /api/ai/similar` through the platform with the real sandboxed ai-inference container:
/// analyzed pitches are stored with their owner, and the nearest are found by cosine, checked
/// against numpy on the vectors of `POST /api/ai/embed`.
@Suite("AI similar pitches", .serialized, .heavy)
struct AISimilarRoutesTests {
    static let alicePitches = [
        "The Last Loaf\nLogline: A shy baker must win a televised contest to save her grandmother's bakery. A warm comedy for families.",
        "Orbit Zero\nA stranded astronaut repairs a dying space station alone while the oxygen runs out, in a tense sci-fi thriller.",
        "Deep Water\nA documentary about the fishermen of a small Scottish village and the last season of their herring fleet.",
    ]
    static let bobPitch = "Station Alone\nAn astronaut stranded on a failing space station must fix it before her oxygen runs out."
    static let query = "An astronaut trapped alone on a broken space station is running out of oxygen."

    @Test func similarFindsTheCallersNearestPitchesWithNumpyScores() async throws {
        try await Platform.with { p in
            // Bad input first: refused before anything is embedded.
            let (empty, emptyError) = try await p.post("/api/ai/similar", ["text": "  "])
            #expect(empty == 400 && (emptyError["error"]?["message"]?.stringValue ?? "").contains("text"), "\(emptyError)")
            for limit in [0, 51] {
                let (status, error) = try await p.post("/api/ai/similar", ["text": "a pitch", "limit": .number(Double(limit))])
                #expect(status == 400 && (error["error"]?["message"]?.stringValue ?? "").contains("limit"), "\(error)")
            }
            for caller in [Platform.alice, Platform.viewer] {
                let (status, error) = try await p.post("/api/ai/similar", ["text": "a pitch", "scope": "platform"], as: caller)
                #expect(status == 403, "\(error)")
            }

            var aliceJobs: [String] = []
            for text in Self.alicePitches {
                let (status, job) = try await p.post("/api/ai/analyze", ["text": .string(text)])
                #expect(status == 202, "\(job)")
                aliceJobs.append(try #require(job["id"]?.stringValue))
            }
            let (bobStatus, bobSubmitted) = try await p.post("/api/containers/ai-analysis/analyze-pitch", ["text": .string(Self.bobPitch)], as: Platform.bob)
            #expect(bobStatus == 202, "\(bobSubmitted)")
            let bobJob = try #require(bobSubmitted["id"]?.stringValue)
            for id in aliceJobs + [bobJob] {
                let job = try await p.waitForJob(id, timeout: 300)
                #expect(job["status"] == "succeeded", "\(job)")
                #expect(job["result"]?["embedding"]?.arrayValue?.count == 384, "\(id)")
            }

            // The embeddings the service gives for the query and the pitches; numpy's cosines.
            let (embedStatus, embedJob) = try await p.post("/api/ai/embed", ["texts": .array(([Self.query] + Self.alicePitches).map { .string($0) })])
            #expect(embedStatus == 202, "\(embedJob)")
            let embedded = try await p.waitForJob(try #require(embedJob["id"]?.stringValue), timeout: 300)
            let vectors = try #require(embedded["result"]?["embeddings"], "\(embedded)")
            let expected = try Self.numpyCosines(vectors)
            let order = expected.indices.sorted { expected[$0] > expected[$1] }
            #expect(order.first == 1, "numpy ranks \(expected)")

            // Each pitch is indexed before its success is reported: all four are in (a stored job
            // answers `similar` by jobId; an admin may ask of anyone's).
            for id in aliceJobs + [bobJob] {
                try await p.eventually("pitch \(id) is stored", timeout: 120) {
                    try await p.post("/api/ai/similar", ["jobId": .string(id)], as: Platform.admin).0 == 200
                }
            }
            let (similarStatus, answer) = try await p.post("/api/ai/similar", ["text": .string(Self.query), "limit": 10])
            let matches = answer["matches"]?.arrayValue ?? []
            #expect(similarStatus == 200 && matches.count == 3, "\(answer)")
            #expect(matches.map { $0["jobId"]?.stringValue } == order.map { aliceJobs[$0] }, "\(matches)")
            #expect(matches.first?["title"] == "Orbit Zero", "\(matches)")
            for (match, index) in zip(matches, order) {
                let score = try #require(match["score"]?.doubleValue)
                #expect(abs(score - expected[index]) < 0.005, "\(match) vs numpy \(expected[index])")
                #expect(match["owner"] == nil, "owners are for admins: \(match)")
                #expect(match["createdAt"]?.stringValue?.hasSuffix("Z") == true, "\(match)")
            }
            // Never Bob's pitch with scope own, though it is the nearest of all.
            #expect(!matches.contains { $0["jobId"]?.stringValue == bobJob })
            let (limited, one) = try await p.post("/api/ai/similar", ["text": .string(Self.query), "limit": 1])
            #expect(limited == 200 && one["matches"]?.arrayValue?.count == 1, "\(one)")

            // By a stored pitch: the others, not itself; someone else's job is a 404.
            let (byJob, byJobAnswer) = try await p.post("/api/ai/similar", ["jobId": .string(aliceJobs[1])])
            #expect(byJob == 200 && byJobAnswer["matches"]?.arrayValue?.count == 2, "\(byJobAnswer)")
            #expect(!(byJobAnswer["matches"]?.arrayValue ?? []).contains { $0["jobId"]?.stringValue == aliceJobs[1] })
            let (notMine, _) = try await p.post("/api/ai/similar", ["jobId": .string(bobJob)])
            #expect(notMine == 404)

            // An admin's platform scope sees everyone's, with owners; Bob's twin pitch is nearest.
            let (adminStatus, platform) = try await p.post("/api/ai/similar", ["text": .string(Self.query), "scope": "platform", "limit": 10], as: Platform.admin)
            let all = platform["matches"]?.arrayValue ?? []
            #expect(adminStatus == 200 && all.count == 4, "\(platform)")
            #expect(all.contains { $0["jobId"]?.stringValue == bobJob && $0["owner"] == "bob" }, "\(platform)")
        }
    }

    /// 10 000 random unit vectors go straight into the index (2 owners); a planted pitch and its
    /// slightly moved copy are found first, scoped by owner, through the index and the route. The
    /// scan's time is printed (the figure in the README), never asserted.
    @Test func theIndexAtTenThousandPitches() async throws {
        try await Platform.with { p in
            var random = SplitMix(seed: 15)
            func unit(_ v: [Float]) -> [Float] { let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot(); return v.map { $0 / n } }
            func randomVector() -> [Float] { unit((0..<384).map { _ in random.nextFloat() - 0.5 }) }
            let index = try PitchIndex.stub(p.t.env)
            for page in 0..<10 {
                let pitches = (0..<1000).map { i in
                    StoredPitch(jobId: "random-\(page)-\(i)", owner: i % 2 == 0 ? "alice" : "bob", createdAt: 1_700_000_000_000 + Int64(page * 1000 + i),
                                title: "Random \(page * 1000 + i)", vector: randomVector())
                }
                try await index.call(PitchIndex.self) { try await $0.record(pitches) }
            }
            let planted = randomVector()
            let moved = unit(zip(planted, randomVector()).map { $0 + 0.1 * $1 })
            let twin = StoredPitch(jobId: "planted-twin", owner: "alice", createdAt: 1_800_000_000_000, title: "Twin", vector: moved)
            let other = StoredPitch(jobId: "planted-bob", owner: "bob", createdAt: 1_800_000_000_001, title: "Bob's", vector: planted)
            try await index.call(PitchIndex.self) { try await $0.record([twin, other, twin]) }
            #expect(try await index.call(PitchIndex.self) { try await $0.count(owner: nil) } == 10_002)

            let clock = ContinuousClock()
            var all: [PitchMatch] = [], own: [PitchMatch] = []
            let scanAll = try await clock.measure {
                all = try await index.call(PitchIndex.self) { try await $0.nearest(to: planted, owner: nil, limit: 50) }
            }
            let scanOwn = try await clock.measure {
                own = try await index.call(PitchIndex.self) { try await $0.nearest(to: planted, owner: "alice", limit: 5) }
            }
            let expectedTwin = Double(zip(planted, moved).reduce(Float(0)) { $0 + $1.0 * $1.1 })
            #expect(all.count == 50 && all.first?.jobId == "planted-bob" && abs((all.first?.score ?? 0) - 1) < 1e-5, "\(all.prefix(3))")
            #expect(all.dropFirst().first?.jobId == "planted-twin", "\(all.prefix(3))")
            #expect(zip(all, all.dropFirst()).allSatisfy { $0.score >= $1.score })
            #expect(own.count == 5 && own.allSatisfy { $0.owner == "alice" } && own.first?.jobId == "planted-twin", "\(own)")
            #expect(abs((own.first?.score ?? 0) - expectedTwin) < 1e-5, "\(own.first.map { "\($0)" } ?? "") vs \(expectedTwin)")

            let routeTime = try await clock.measure {
                let (status, answer) = try await p.post("/api/ai/similar", ["jobId": "planted-twin", "limit": 1], as: Platform.alice)
                let first = answer["matches"]?.arrayValue?.first
                #expect(status == 200 && answer["matches"]?.arrayValue?.count == 1, "\(answer)")
                // Itself is left out; the nearest is one of Alice's random pitches.
                #expect(first?["jobId"]?.stringValue?.hasPrefix("random-") == true && first?["owner"] == nil, "\(answer)")
            }
            print("similar at 10 002 pitches: index scan all \(scanAll), one owner (5 001) \(scanOwn), route by jobId (own) \(routeTime)")
        }
    }

    /// numpy's cosine of the first vector with each of the others.
    static func numpyCosines(_ vectors: JSONValue) throws -> [Double] {
        let script = """
            import json, sys, numpy as np
            v = np.array(json.load(open(sys.argv[1])), dtype=np.float64)
            q = v[0]
            print(json.dumps([float(np.dot(q, x) / (np.linalg.norm(q) * np.linalg.norm(x))) for x in v[1:]]))
            """
        let file = TestRuntime.makeTemporaryDirectory() + "/vectors.json"
        defer { try? FileManager.default.removeItem(atPath: (file as NSString).deletingLastPathComponent) }
        try vectors.serialized().write(toFile: file, atomically: true, encoding: .utf8)
        let out = try ChildProcess.output(of: "/usr/bin/env", ["python3", "-c", script, file])
        let parsed = try JSONValue.parse(Array(out.utf8))
        let cosines = parsed.arrayValue?.compactMap { $0.doubleValue } ?? []
        try #require(cosines.count == 3, "\(out)")
        return cosines
    }
}

/// A seeded generator (SplitMix64), so the 10k vectors are the same every run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func nextFloat() -> Float { Float(next() >> 40) / Float(1 << 24) }
}
