import Foundation
import Functions
import Outpost
import OutpostTesting
import Testing

/// `analyze {key}` through the platform with the repository's wrangler.toml: an uploaded text is
/// analyzed by key (sent to a real sandboxed ai-inference instance as an attachment) and its report
/// equals the report of the same text posted inline; exactly one of `text`/`key` (400 at submit
/// naming both); a key that is not an upload (400 at submit); a PNG upload (415) and a text over the
/// limit (413) are refused at submit; PNG bytes stored as text/plain fail the job (422) naming the object.
@Suite("AI analyze by key", .serialized, .heavy)
struct AIAnalyzeByKeyTests {
    static let pitch = """
        # Tidewater

        Logline: A retired lighthouse keeper must return a grieving sea creature's lost child before the winter tides destroy her village.

        Part folk tale, part family adventure, **Tidewater** blends hand-drawn animation with live action. \
        The budget is four million dollars and the runtime is ninety minutes. \
        It is Moana meets The Secret of Kells, for families with children aged eight to twelve. \
        Ünïcode and accents stay as they are: café, naïve, Zürich.
        """

    /// Uploads `bytes` as alice with `contentType`; the key.
    func upload(_ p: Platform, _ bytes: [UInt8], contentType: String) async throws -> String {
        var headers = Platform.alice
        headers[.contentType] = contentType
        let response = await p.t.dispatchFetch("/api/containers/uploads", method: .post, headers: headers, body: Body(bytes: bytes))
        try #require(response.status == .created, "upload answered \(response.status)")
        return try #require(try await response.json()["key"]?.stringValue)
    }

    @Test("an uploaded text analyzed by key gives the report of the same text posted inline")
    func byKeyEqualsInline() async throws {
        try await Platform.with { p in
            let key = try await upload(p, Array(Self.pitch.utf8), contentType: "text/markdown")
            let inline = try await p.finished("/api/ai/analyze", ["text": .string(Self.pitch)])
            #expect(inline["status"] == "succeeded", "\(inline)")
            let byKey = try await p.finished("/api/ai/analyze", ["key": .string(key)])
            #expect(byKey["status"] == "succeeded", "\(byKey)")
            #expect(byKey["params"]?["key"]?.stringValue == key && byKey["input"] == .null, "\(byKey)")
            let report = try #require(byKey["result"])
            // The report is the service's (`similar`, the earlier pitches, is added by the platform).
            #expect(Self.withoutSimilar(report) == Self.withoutSimilar(inline["result"]), "by key: \(report)\ninline: \(inline["result"] ?? .null)")
            #expect(report["logline"]?["source"] == "labelled", "\(report)")
            #expect(report["counts"]?["words"]?.intValue == inline["result"]?["counts"]?["words"]?.intValue)

            // analyze-pitch on its container alias, by key (a plain-text upload this time).
            let plainKey = try await upload(p, Array(Self.pitch.utf8), contentType: "text/plain; charset=utf-8")
            let pitch = try await p.finished("/api/containers/ai-analysis/analyze-pitch", ["key": .string(plainKey)])
            #expect(pitch["status"] == "succeeded", "\(pitch)")
            #expect(Self.withoutSimilar(pitch["result"]) == Self.withoutSimilar(inline["result"]), "\(pitch)")
        }
    }

    /// `report` without its `similar` list.
    static func withoutSimilar(_ report: JSONValue?) -> JSONValue? {
        guard case .object(var o)? = report else { return report }
        o["similar"] = nil
        return .object(o)
    }

    @Test("exactly one of text and key, a key that is an upload, and an object that is text within the limit")
    func badInput() async throws {
        try await Platform.with { p in
            let key = try await upload(p, Array(Self.pitch.utf8), contentType: "text/plain")

            // Both, or neither: a 400 at submit naming both parameters; no job is made.
            for body: JSONValue in [["text": .string(Self.pitch), "key": .string(key)], [:]] {
                let (status, error) = try await p.post("/api/ai/analyze", body)
                let message = error["error"]?["message"]?.stringValue ?? ""
                #expect(status == 400, "\(body): \(status) \(error)")
                #expect(message.contains("\"text\"") && message.contains("\"key\""), "\(body): \(error)")
            }
            let (bothPitch, bothPitchError) = try await p.post("/api/containers/ai-analysis/analyze-pitch", ["text": .string(Self.pitch), "key": .string(key)])
            let bothPitchMessage = bothPitchError["error"]?["message"]?.stringValue ?? ""
            #expect(bothPitch == 400 && bothPitchMessage.contains("\"key\""), "\(bothPitchError)")

            // A key nobody uploaded: a 400 at submit.
            let (missing, missingError) = try await p.post("/api/ai/analyze", ["key": "uploads/nothing-here.txt"])
            #expect(missing == 400 && missingError["error"]?["code"] == "object_not_found", "\(missingError)")

            // A PNG: refused at submit (415, no job), naming the parameter, the key and the accepted types.
            let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]
            let pngKey = try await upload(p, png, contentType: "image/png")
            let (pngStatus, pngError) = try await p.post("/api/ai/analyze", ["key": .string(pngKey)])
            let pngMessage = pngError["error"]?["message"]?.stringValue ?? ""
            #expect(pngStatus == 415 && pngError["error"]?["code"] == "unsupported_media_type", "\(pngStatus) \(pngError)")
            #expect(pngMessage.contains("\"key\"") && pngMessage.contains(pngKey) && pngMessage.contains("image/png")
                    && pngMessage.contains("text/plain, text/markdown, application/pdf"), "\(pngError)")

            // The same bytes stored as text/plain pass the submit: the job fails as unreadable
            // input (422, not retried), naming the object.
            let fakeKey = try await upload(p, png, contentType: "text/plain")
            let fakeJob = try await p.finished("/api/ai/analyze", ["key": .string(fakeKey)])
            #expect(fakeJob["status"] == "failed" && fakeJob["error"]?["code"] == "unreadable_input", "\(fakeJob)")
            let fakeMessage = fakeJob["error"]?["message"]?.stringValue ?? ""
            #expect(fakeMessage.contains("is not text") && fakeMessage.contains(fakeKey), "\(fakeJob)")
            #expect(fakeJob["attempts"]?.intValue == 1, "\(fakeJob)")

            // A text one byte over the limit: refused at submit (413, no job), naming the limit and the key;
            // one exactly at the limit passes the submit.
            let bigKey = try await upload(p, Array(repeating: UInt8(ascii: "a"), count: 100_001), contentType: "text/plain")
            let (bigStatus, bigError) = try await p.post("/api/ai/analyze-pitch", ["key": .string(bigKey)])
            let bigMessage = bigError["error"]?["message"]?.stringValue ?? ""
            #expect(bigStatus == 413 && bigError["error"]?["code"] == "input_too_large", "\(bigStatus) \(bigError)")
            #expect(bigMessage.contains("100000 bytes") && bigMessage.contains("100001 bytes") && bigMessage.contains(bigKey), "\(bigError)")
            let (jobsStatus, jobs) = try await p.get("/api/containers/jobs?type=ai.analyze-pitch")
            #expect(jobsStatus == 200 && jobs["jobs"]?.arrayValue?.isEmpty == true, "no job was made: \(jobs)")
            let fullKey = try await upload(p, Array(repeating: UInt8(ascii: "a"), count: 100_000), contentType: "text/plain")
            let fullJob = try await p.finished("/api/ai/analyze-pitch", ["key": .string(fullKey)])
            #expect(fullJob["status"] == "succeeded", "\(fullJob)")

            // An object of whitespace only: nothing to analyze (422).
            let blankKey = try await upload(p, Array(" \n\t \n".utf8), contentType: "text/plain")
            let blankJob = try await p.finished("/api/ai/analyze", ["key": .string(blankKey)])
            #expect(blankJob["status"] == "failed" && blankJob["error"]?["code"] == "unreadable_input", "\(blankJob)")
        }
    }
}
