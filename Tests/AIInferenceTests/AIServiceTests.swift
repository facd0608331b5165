import AIInferenceDescriptor
import Foundation
import OutpostTesting
import Testing
import TextInference

/// The service over HTTP, sandboxed as the runtime runs it: every operation, bad input answered
/// with 400/413, and a missing or corrupt model directory stopping the start with the path named.
@Suite("AI inference: the service over HTTP", .serialized, .heavy)
struct AIServiceTests {
    @Test func operationsAnswerThroughTheSandboxedService() async throws {
        let service = try ServiceProcess.aiInference()
        try await service.waitUntilReady(timeout: .seconds(120))

        let catalogue = try await ServiceHTTP.send("GET", service.baseURL + "/models").json()
        let models = try #require(catalogue["models"] as? [[String: Any]])
        #expect(models.first?["name"] as? String == "all-MiniLM-L6-v2" && models.first?["dimensions"] as? Int == 384)
        #expect((models.first?["loadedFrom"] as? String ?? "").hasPrefix("/opt/ai-models/"), "the sandbox shows the model read-only: \(models)")

        // embed: the same vectors as the in-process model, and truncation reported.
        let long = String(repeating: "A long pitch sentence about a crew in the desert. ", count: 40)
        let texts = ["A heist in Monaco.", "", long]
        let embedded = try await service.result("embed", ["texts": texts])
        #expect(embedded["model"] as? String == "all-MiniLM-L6-v2" && embedded["dimensions"] as? Int == 384)
        #expect(embedded["truncated"] as? [Bool] == [false, false, true])
        let vectors = try #require(embedded["embeddings"] as? [[Double]])
        let local = try ModelFixtures.loaded().embedder.embed(texts).vectors
        for (remote, mine) in zip(vectors, local) { #expect(cosine(remote.map { Float($0) }, mine) > 0.9999) }

        let sentiment = try await service.result("classify", ["text": "I love this story, it is wonderful!"])
        #expect(sentiment["label"] as? String == "positive")
        #expect(((sentiment["scores"] as? [String: Double])?["positive"] ?? 0) > 0.4)
        let genre = try await service.result("classify", ["text": "Astronauts on a failing starship search for a habitable planet.", "task": "genre"])
        #expect(genre["label"] as? String == "sci-fi", "\(genre)")
        #expect((genre["scores"] as? [String: Double])?.count == AIInferenceDescriptor.genres.count)
        let custom = try await service.result("classify", ["text": "The invoice for the camera rental is overdue.", "task": "labels",
                                                           "labels": [["name": "billing", "description": "payments, invoices and money owed"],
                                                                      ["name": "casting", "description": "actors, auditions and roles"], "weather"]])
        #expect(custom["label"] as? String == "billing", "\(custom)")

        let moderation = try await service.result("moderate", ["text": "I will kill you, you worthless idiot."])
        #expect(moderation["flagged"] as? Bool == true)
        let categories = try #require(moderation["categories"] as? [String: [String: Any]])
        #expect(Set(categories.keys) == Set(AIInferenceDescriptor.moderationCategories))
        #expect(categories["violence"]?["flagged"] as? Bool == true && categories["sexual"]?["flagged"] as? Bool == false)
        let clean = try await service.result("moderate", ["text": "A detective investigates a murder in a quiet coastal town."])
        #expect(clean["flagged"] as? Bool == false, "\(clean)")

        // analyze and analyze-pitch: the same deterministic report.
        let pitch = """
            Logline: A disgraced chef must win a street-food contest to save her family's restaurant.
            This 100-minute comedy feature follows Rosa, who lost her Michelin star after a kitchen fire. Her brother owes money to the wrong people. \
            With help from a food-truck crew of misfits, she cooks her way through the city's wildest contest. It is Chef meets Little Miss Sunshine, \
            for audiences who love warm, funny underdog stories. The budget is $4 million.
            """
        let report = try await service.result("analyze", ["text": pitch])
        let again = try await service.result("analyze-pitch", ["text": pitch])
        #expect(NSDictionary(dictionary: report).isEqual(to: again), "the report is deterministic")
        #expect((report["language"] as? [String: Any])?["code"] as? String == "en")
        #expect(((report["logline"] as? [String: Any])?["text"] as? String ?? "").hasPrefix("A disgraced chef"))
        #expect((report["genres"] as? [[String: Any]])?.count == 3)
        #expect(((report["summary"] as? [String])?.count ?? 0) == 3)
        let score = try #require(report["pitchScore"] as? [String: Any])
        let parts = try #require(score["parts"] as? [[String: Any]])
        let total = try #require(score["total"] as? Int)
        #expect((0...100).contains(total) && Int(parts.reduce(0.0) { $0 + ($1["points"] as? Double ?? 0) }.rounded()) == total)
        #expect(parts.allSatisfy { !($0["evidence"] as? String ?? "").isEmpty })
        #expect(((report["counts"] as? [String: Any])?["words"] as? Int ?? 0) > 60)
        #expect((report["keyPhrases"] as? [String] ?? []).count >= 3)

        print("ai-inference RSS with the model loaded, after these jobs: \(service.residentBytes() / 1_048_576) MiB")
        try await service.stop()
    }

    @Test func twoJobsAtOnceGiveTheVectorsEachGivesAlone() async throws {
        // The instance runs 2 jobs at once, both calling OpenBLAS: neither may disturb the other.
        let service = try ServiceProcess.aiInference()
        try await service.waitUntilReady(timeout: .seconds(120))
        let first = (0..<24).map { "Pitch \($0): a rookie pilot races a storm across the Andes to deliver medicine." }
        let second = (0..<24).map { "Treatment \($0): two rival chefs open restaurants on the same Paris street." }
        async let a = service.result("embed", ["texts": first])
        async let b = service.result("embed", ["texts": second])
        let (ra, rb) = try await (a, b)
        let embedder = try ModelFixtures.loaded().embedder
        for (texts, result) in [(first, ra), (second, rb)] {
            let remote = try #require(result["embeddings"] as? [[Double]])
            let local = embedder.embed(texts).vectors
            #expect(remote.count == texts.count)
            for (r, l) in zip(remote, local) { #expect(cosine(r.map { Float($0) }, l) > 0.9999) }
        }
        try await service.stop()
    }

    @Test func badInputIsA4xxBeforeAnythingRuns() async throws {
        let service = try ServiceProcess.aiInference()
        try await service.waitUntilReady(timeout: .seconds(120))
        for (operation, params, status, mention) in [
            ("classify", ["text": ""], 400, "text"),
            ("moderate", ["text": "   \n"], 400, "text"),
            ("analyze", [:], 400, "text"),
            ("embed", ["texts": [String]()], 400, "texts"),
            ("embed", ["texts": ["", ""]], 400, "texts"),
            ("embed", ["texts": [1, 2]], 400, "texts"),
            ("embed", ["texts": Array(repeating: "x", count: AIInferenceDescriptor.maxTexts + 1)], 400, "texts"),
            ("embed", ["text": ""], 400, "text"),
            ("classify", ["text": "hello", "task": "labels", "labels": ["only"]], 400, "labels"),
            ("classify", ["text": "hello", "task": "labels", "labels": (0...50).map { "label \($0)" }], 400, "labels"),
            ("classify", ["text": "hello", "task": "labels"], 400, "labels"),
            ("classify", ["text": "hello", "task": "labels", "labels": ["a", "A"]], 400, "labels"),
            ("classify", ["text": "hello", "task": "mood"], 400, "task"),
            ("classify", ["text": String(repeating: "a", count: AIInferenceDescriptor.maxTextBytes + 1)], 413, "text"),
            ("embed", ["texts": [String(repeating: "word ", count: AIInferenceDescriptor.maxTextsBytes / 5)]], 413, "texts"),
        ] as [(String, [String: Any], Int, String)] {
            let reply = try await service.job(operation, params)
            #expect(reply.status == status && reply.text.contains(mention), "\(operation) \(params.keys.sorted()): \(reply.status) \(reply.text.prefix(300))")
        }
        // The service still answers after all of that.
        #expect(try await service.result("classify", ["text": "fine"])["label"] != nil)
        try await service.stop()
    }

    @Test func aMissingOrCorruptModelDirectoryStopsTheStartNamingThePath() async throws {
        let missing = "/nonexistent/ai-model-\(UUID().uuidString)"
        let absent = try ServiceProcess.aiInference(sandboxed: false, environment: ["AI_MODEL_DIR": missing])
        #expect(try await absent.waitForExit(timeout: .seconds(120)) == 1)
        #expect(absent.log.contains(missing) && absent.log.contains("model unavailable"), "\(absent.log)")

        // A directory with the right names but a safetensors file cut short.
        let source = try ModelFixtures.loaded().embedder.directory
        let corrupt = NSTemporaryDirectory() + "ai-corrupt-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: corrupt, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: corrupt) }
        for name in ["config.json", "vocab.txt"] { try FileManager.default.copyItem(atPath: source + "/" + name, toPath: corrupt + "/" + name) }
        let head = try FileHandle(forReadingFrom: URL(fileURLWithPath: source + "/model.safetensors")).read(upToCount: 4096) ?? Data()
        try head.write(to: URL(fileURLWithPath: corrupt + "/model.safetensors"))
        let broken = try ServiceProcess.aiInference(sandboxed: false, environment: ["AI_MODEL_DIR": corrupt])
        #expect(try await broken.waitForExit(timeout: .seconds(120)) == 1)
        #expect(broken.log.contains(corrupt + "/model.safetensors"), "\(broken.log)")
    }
}
