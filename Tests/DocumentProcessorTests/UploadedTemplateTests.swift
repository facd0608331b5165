import DocumentProcessing
import DocumentProcessorDescriptor
import Foundation
import OutpostTesting
import ServiceKit
import Testing

/// Uploaded templates: checked at upload (syntax with line and column, declared fields, no
/// partials), and rendered by the service from the text the job carries, read back with `pdftotext`.
@Suite("Uploaded templates")
struct UploadedTemplateTests {
    /// A distribution letter: a title, a numbered clause, a conditional section and a signature block.
    static let letterSource = """
    # Distribution Letter

    This letter confirms that **{{distributor}}** will distribute "{{film}}" in {{territory}} from {{release_date}}.

    ### Fee
    The distributor pays a minimum guarantee of {{guarantee}}.{{#theatrical}} The release includes a theatrical window.{{/theatrical}}

    ::: signatures
    Distributor | {{distributor}}
    :::
    """

    static let letterFields: JSONValue = [
        "distributor": ["type": "text", "required": true, "summary": "Who distributes."],
        "film": ["type": "text", "required": true],
        "territory": ["type": "text", "default": "the United Kingdom"],
        "release_date": ["type": "date", "required": true],
        "guarantee": ["type": "number", "required": true, "minimum": 0],
        "theatrical": ["type": "boolean", "default": false],
    ]

    static func letter() throws -> UploadedTemplate {
        try UploadedTemplate(name: "distribution-letter", body: ["source": .string(letterSource), "fields": letterFields, "title": "Distribution Letter"])
    }

    /// The error an upload of `source` (with `fields`) gets.
    static func uploadError(_ source: String, fields: JSONValue = ["name": ["type": "text"]]) -> TemplateUploadError? {
        do {
            _ = try UploadedTemplate(name: "t", body: ["source": .string(source), "fields": fields])
            return nil
        } catch { return error }
    }

    @Test func aSyntaxErrorIsA400WithItsLineAndColumn() throws {
        // Line 3 closes the section "name" with "term": the wrong name starts at column 27 (after "{{/" at 24).
        let mismatched = Self.uploadError("Dear {{name}},\n\n{{#name}}The terms are {{/term}}.\n", fields: ["name": ["type": "text"]])
        #expect(mismatched?.status == 400 && mismatched?.code == "template_syntax_error", "\(String(describing: mismatched))")
        #expect(mismatched?.line == 3, "\(String(describing: mismatched))")
        #expect(mismatched?.column == 27, "\(String(describing: mismatched))")
        #expect(mismatched?.message.contains("line 3, column 27") == true)
        // A tag left open on line 2.
        let unfinished = Self.uploadError("Hello\nDear {{name,\nBye {{name}}")
        #expect(unfinished?.status == 400 && unfinished?.line == 2, "\(String(describing: unfinished))")
        #expect(unfinished?.column != nil)
        // A section never closed.
        let unclosed = Self.uploadError("Dear {{name}},\n{{#name}}never closed\n")
        #expect(unclosed?.status == 400 && unclosed?.code == "template_syntax_error", "\(String(describing: unclosed))")
    }

    @Test func aFieldUsedButNotDeclaredIsA400NamingIt() {
        let error = Self.uploadError("Dear {{name}},\nYour fee is {{fee}}.", fields: ["name": ["type": "text"]])
        #expect(error?.status == 400 && error?.code == "undeclared_field")
        #expect(error?.message.contains("\"fee\"") == true, "\(String(describing: error))")
        #expect(error?.line == 2 && error?.column == 13, "\(String(describing: error))")
        // Sections must name declared fields too.
        #expect(Self.uploadError("{{#vip}}Welcome{{/vip}}")?.code == "undeclared_field")
    }

    @Test func partialsDelimitersAndTransformsAreRefused() {
        for source in ["{{> /etc/passwd}}", "{{< base}}{{/base}}", "{{=<% %>=}}<% name %>", "{{ uppercased(name) }}", "{{%CONTENT_TYPE: TEXT}}", "All: {{.}}"] {
            let error = Self.uploadError(source)
            #expect(error?.status == 400 && error?.code == "template_unsupported", "\(source): \(String(describing: error))")
        }
    }

    @Test func namesSizesAndDeclarationsAreChecked() {
        #expect(throws: TemplateUploadError.self) { try UploadedTemplate(name: "Bad Name", body: ["source": "x"]) }
        let big = Self.uploadError(String(repeating: "a", count: TemplateSourceCheck.maxBytes + 1))
        #expect(big?.status == 413)
        let badType = Self.uploadError("{{name}}", fields: ["name": ["type": "code"]])
        #expect(badType?.status == 400 && badType?.message.contains("code") == true)
        let badDefault = Self.uploadError("{{n}}", fields: ["n": ["type": "integer", "default": "many"]])
        #expect(badDefault?.status == 400 && badDefault?.message.contains("default") == true)
    }

    @Test func theImplicitIteratorIsAllowedInsideASection() {
        #expect(Self.uploadError("{{#name}}Dear {{.}},{{/name}}") == nil)
    }

    @Test func theServiceRendersAnUploadedTemplateFromTheJobsParameters() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let letter = try Self.letter()
        let file = try HandlerRun.file(try await HandlerRun.run("generate-pdf", [
            "template": "distribution-letter", "templateSource": .string(letter.source), "templateFields": .string(letter.fieldsJSON.serialized()),
            "title": "Distribution Letter", "data": #"{"distributor": "Northlight Films", "film": "The Salt Road", "release_date": "2 May 2027", "guarantee": 250000, "theatrical": true}"#,
        ]))
        let pdf = try directory.write("letter.pdf", file.bytes)
        let text = DocumentTools.normalized(try DocumentTools.pdftotext(pdf))
        for expected in ["Distribution Letter", "Northlight Films", "The Salt Road", "the United Kingdom", "2 May 2027", "1. Fee", "250,000",
                         "includes a theatrical window", "Name: Northlight Films"] {
            #expect(text.contains(expected), "missing \(expected) in \(text)")
        }
        #expect(try DocumentTools.pdfinfo(pdf)["Title"] == "Distribution Letter")
        // A missing required field of the uploaded template is a 400 naming it.
        let missing = await HandlerRun.error("generate-pdf", [
            "template": "distribution-letter", "templateSource": .string(letter.source), "templateFields": .string(letter.fieldsJSON.serialized()),
            "data": #"{"distributor": "Northlight Films", "film": "The Salt Road", "guarantee": 1}"#,
        ])
        #expect(missing?.statusCode == 400 && missing?.message.contains("release_date") == true, "\(missing?.message ?? "")")
    }
}
