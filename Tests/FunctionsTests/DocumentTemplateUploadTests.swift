import Durable
import Foundation
import Functions
import Outpost
import OutpostTesting
import Testing

/// Admin template uploads through the whole platform: `PUT /api/document/templates/{name}` checks
/// and stores the template (TEMPLATES_KV), the catalogue lists it, and `generate-pdf` with its
/// name runs in the real `document-processor` container; the PDF is read with `pdftotext`.
@Suite("Document template uploads", .serialized, .heavy)
struct DocumentTemplateUploadTests {
    static let source = """
    # Option Agreement

    > {{project_title}}

    This agreement grants **{{producer}}** an exclusive option on "{{project_title}}" by {{writer}}, dated {{effective_date}}.

    ### Option Period
    The option lasts {{months}} months for a fee of {{fee}}.{{#renewable}} The producer may renew it once.{{/renewable}}

    ::: signatures
    Producer | {{producer}}
    Writer | {{writer}}
    :::
    """

    static let template: JSONValue = [
        "title": "Option Agreement",
        "source": .string(source),
        "fields": [
            "producer": ["type": "text", "required": true, "summary": "Who takes the option."],
            "writer": ["type": "text", "required": true],
            "project_title": ["type": "text", "required": true],
            "effective_date": ["type": "date", "required": true],
            "months": ["type": "integer", "default": 18, "minimum": 1, "maximum": 120],
            "fee": ["type": "number", "required": true, "minimum": 0],
            "renewable": ["type": "boolean", "default": false],
        ],
    ]

    static let fields: [String: JSONValue] = [
        "producer": "Aurora Pictures Ltd", "writer": "Mara Quill", "project_title": "The Salt Road", "effective_date": "3 June 2027",
        "fee": 12500, "renewable": true,
    ]

    static func put(_ p: Platform, _ name: String, _ body: JSONValue, as caller: HTTPFields = Platform.admin) async throws -> (Int, JSONValue) {
        let response = await p.t.dispatchFetch("/api/document/templates/\(name)", method: .put, headers: caller, json: body)
        return (response.status.code, try await response.json())
    }

    @Test("an admin uploads a template, the catalogue lists it with its fields, and generate-pdf makes a PDF of it")
    func uploadListAndGenerate() async throws {
        try await Platform.with { p in
            let (status, stored) = try await Self.put(p, "option-agreement", Self.template)
            #expect(status == 201, "\(stored)")
            #expect(stored["name"] == "option-agreement" && stored["uploadedBy"] == "root", "\(stored)")

            let (listed, catalogue) = try await p.get("/api/document/templates")
            #expect(listed == 200)
            let templates = catalogue["templates"]?.arrayValue ?? []
            #expect(templates.compactMap { $0["name"]?.stringValue } == ["nda", "mutual-nda", "investment-term-sheet", "talent-agreement", "pitch-one-pager", "option-agreement"])
            let uploaded = try #require(templates.last)
            let fields = uploaded["fields"]?.arrayValue ?? []
            #expect(fields.first { $0["name"] == "effective_date" }?["type"] == "date")
            #expect(fields.first { $0["name"] == "months" }?["default"] == 18)
            #expect(fields.first { $0["name"] == "producer" }?["required"] == true)

            var params = Self.fields
            params["template"] = "option-agreement"
            let job = try await p.finished("/api/document/generate-pdf", .object(params))
            #expect(job["status"] == "succeeded", "\(job)")
            let url = try #require(job["outputs"]?.arrayValue?.first?["url"]?.stringValue)
            let response = await p.t.dispatchFetch(url, method: .get, headers: Platform.alice, body: .empty)
            let pdf = p.t.directory + "/option.pdf"
            try Data(try await response.body.bytes()).write(to: URL(fileURLWithPath: pdf))
            let text = try DocumentJobsEndToEndTests.pdftotext(pdf).split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
            for expected in ["Option Agreement", "Aurora Pictures Ltd", "Mara Quill", "The Salt Road", "3 June 2027", "1. Option Period",
                             "18 months", "12,500", "may renew it once"] {
                #expect(text.contains(expected), "missing \(expected): \(text)")
            }

            // Deleted, it is an unknown template again.
            #expect(await p.t.dispatchFetch("/api/document/templates/option-agreement", method: .delete, headers: Platform.admin, body: .empty).status == .ok)
            let (gone, goneBody) = try await p.post("/api/document/generate-pdf", .object(params))
            #expect(gone == 400 && goneBody["error"]?["message"]?.stringValue?.contains("names no template") == true, "\(goneBody)")
            let (_, after) = try await p.get("/api/document/templates")
            #expect(after["templates"]?.arrayValue?.count == 5, "\(after)")
        }
    }

    @Test("bad uploads: a syntax error is a 400 with line and column, an undeclared field a 400 naming it; non-admins get 403; shipped names 409")
    func badUploads() async throws {
        try await Platform.with { p in
            let broken: JSONValue = ["source": "# Title\n\nDear {{producer}},\nThe fee is {{fee}.\n", "fields": ["producer": ["type": "text"], "fee": ["type": "number"]]]
            let (syntax, syntaxBody) = try await Self.put(p, "broken", broken)
            #expect(syntax == 400, "\(syntaxBody)")
            #expect(syntaxBody["error"]?["code"] == "template_syntax_error")
            #expect(syntaxBody["error"]?["line"] == 4, "\(syntaxBody)")
            // "The fee is {{fee}." — the lone "}" after the name, at column 17, is where the tag goes wrong.
            #expect(syntaxBody["error"]?["column"] == 17, "\(syntaxBody)")

            let undeclared: JSONValue = ["source": "Dear {{producer}},\nYour agent is {{agent}}.", "fields": ["producer": ["type": "text"]]]
            let (missing, missingBody) = try await Self.put(p, "letter", undeclared)
            #expect(missing == 400 && missingBody["error"]?["code"] == "undeclared_field", "\(missingBody)")
            #expect(missingBody["error"]?["message"]?.stringValue?.contains("agent") == true)
            #expect(missingBody["error"]?["line"] == 2 && missingBody["error"]?["column"] == 15, "\(missingBody)")

            let (forbidden, _) = try await Self.put(p, "option-agreement", Self.template, as: Platform.alice)
            #expect(forbidden == 403)
            let deleteByUser = await p.t.dispatchFetch("/api/document/templates/option-agreement", method: .delete, headers: Platform.alice, body: .empty)
            #expect(deleteByUser.status.code == 403)
            let (shipped, _) = try await Self.put(p, "nda", Self.template)
            #expect(shipped == 409)
            let (badName, _) = try await Self.put(p, "Option_Agreement", Self.template)
            #expect(badName == 400)
            // Nothing of these was stored.
            let (_, catalogue) = try await p.get("/api/document/templates")
            #expect(catalogue["templates"]?.arrayValue?.count == 5, "\(catalogue)")
        }
    }

    @Test("at submit: a missing required field of an uploaded template is a 400 and no job is made; callers cannot send templateSource")
    func submitChecks() async throws {
        try await Platform.with { p in
            let (status, _) = try await Self.put(p, "option-agreement", Self.template)
            try #require(status == 201)
            var params = Self.fields
            params["template"] = "option-agreement"
            params["writer"] = nil
            let (missing, body) = try await p.post("/api/document/generate-pdf", .object(params))
            #expect(missing == 400, "\(body)")
            #expect(body["error"]?["message"]?.stringValue?.contains("writer") == true, "\(body)")
            // The same through POST /api/containers/jobs.
            let (generic, genericBody) = try await p.post("/api/containers/jobs", ["type": "document.generate-pdf", "params": .object(params)])
            #expect(generic == 400 && genericBody.serialized().contains("writer"), "\(genericBody)")
            // And in a batch: the entry is reported by its index, and nothing is stored.
            let (batch, batchBody) = try await p.post("/api/containers/jobs/batch", ["jobs": [["type": "document.generate-pdf", "params": .object(params)]]])
            #expect(batch == 400 && batchBody["error"]?["jobs"]?.arrayValue?.first?["message"]?.stringValue?.contains("writer") == true, "\(batchBody)")
            // A caller's own template text is refused.
            var injected = Self.fields
            injected["template"] = "option-agreement"
            injected["templateSource"] = "{{producer}}"
            let (refused, refusedBody) = try await p.post("/api/document/generate-pdf", .object(injected))
            #expect(refused == 400 && refusedBody.serialized().contains("templateSource"), "\(refusedBody)")
            // An out-of-rule value and an unknown field are 400s too.
            var outOfRange = Self.fields
            outOfRange["template"] = "option-agreement"
            outOfRange["months"] = 500
            let (range, rangeBody) = try await p.post("/api/document/generate-pdf", .object(outOfRange))
            #expect(range == 400 && rangeBody.serialized().contains("months"), "\(rangeBody)")
            // None of these made a job.
            let (_, jobs) = try await p.get("/api/containers/jobs")
            #expect(jobs["jobs"]?.arrayValue?.isEmpty == true, "\(jobs)")
        }
    }
}
