public import ServiceDescriptors

/// The `document-processor` service, as the platform and the service both know it.
///
/// `generate-nda` declares the `nda` template's fields as its parameters, so a missing party is a
/// 400 at submit. `generate-pdf` serves every template, shipped or uploaded by an admin: the
/// template's own fields arrive as parameters or in `data` (a JSON object as text, since job
/// parameters are scalars). The platform checks the template's name and fields at submit (a 400
/// listing the templates or naming the field) and, for an uploaded template, adds its text and
/// declarations as `templateSource` and `templateFields`; the service checks them again.
public enum DocumentProcessorDescriptor {
    public static let service = ServiceDescriptor(
        image: "document-processor",
        containerClass: "DocumentProcessor",
        binding: "DOCUMENT_PROCESSOR",
        apiName: "document",
        containerPath: "document-generation",
        instanceType: "standard-1",
        jobsPerInstance: 5,
        operations: [
            OperationDescriptor(
                name: "generate-pdf",
                summary: "A PDF from a template (shipped or uploaded; see GET /api/document/templates) and its fields: wrapped, justified text, headings, numbered clauses, page numbers and signature blocks, with title, author and creation date.",
                input: .none,
                parameters: [
                    ParameterSpec("template", .text(maxBytes: 64), required: true,
                                  summary: "The template: a shipped one (\(DocumentTemplates.all.map(\.name).joined(separator: ", "))) or one an admin uploaded (GET /api/document/templates lists them all)."),
                    ParameterSpec("data", .text(maxBytes: maxDataBytes), summary: "The template's fields as a JSON object (text); fields given as parameters win."),
                    ParameterSpec("templateSource", .text(maxBytes: TemplateSourceCheck.maxBytes),
                                  summary: "Set by the platform for an uploaded template (its Mustache text); refused from callers."),
                    ParameterSpec("templateFields", .text(maxBytes: maxDataBytes),
                                  summary: "Set by the platform for an uploaded template (its field declarations as JSON text); refused from callers."),
                ] + documentParameters + templateFields,
                timeoutSeconds: 120,
                outputs: [pdf]
            ),
            OperationDescriptor(
                name: "generate-nda",
                summary: "generate-pdf with the nda template: a one-way NDA between disclosing_party and receiving_party.",
                input: .none,
                parameters: DocumentTemplates.nda.fields + documentParameters,
                timeoutSeconds: 120,
                outputs: [pdf]
            ),
            OperationDescriptor(
                name: "extract-text",
                summary: "Text, per-page text and metadata (pages, title, author, dates, page sizes, encrypted) of a PDF (text layer, or OCR at 300 dpi), a PNG/JPEG/TIFF scan (OCR), DOCX, or TXT/Markdown/HTML; with format, also Markdown or HTML keeping headings, paragraphs and list items.",
                parameters: [
                    ParameterSpec("method", .choice(["auto", "native", "ocr"]), default: "auto",
                                  summary: "native: the PDF's text layer; ocr: every page through Tesseract; auto: OCR only pages without a text layer."),
                    ParameterSpec("languages", .text(maxBytes: 100), default: "eng", summary: "Tesseract languages, joined by + (installed: eng)."),
                    ParameterSpec("password", .text(maxBytes: 256), summary: "Password of an encrypted PDF."),
                    ParameterSpec("format", .choice(["text", "markdown", "html"]), default: "text",
                                  summary: "markdown or html: also the document's headings, paragraphs and list items as Markdown or a standalone HTML page, in the result and as the output document.md or document.html."),
                ],
                timeoutSeconds: 1800,
                outputs: [.json, markdown, html]
            ),
            OperationDescriptor(
                name: "watermark",
                summary: "The PDF with a text mark on the chosen pages (diagonal or positioned); the pages' own text and the mark both stay extractable, page sizes are kept.",
                parameters: [
                    ParameterSpec("text", .text(maxBytes: 200), required: true, summary: "The mark's text."),
                    ParameterSpec("position", .choice(["diagonal", "center", "top", "bottom", "top-left", "top-right", "bottom-left", "bottom-right"]),
                                  default: "diagonal", summary: "Where the mark goes; diagonal runs corner to corner through the centre."),
                    ParameterSpec("opacity", .number(0.01...1), default: 0.3, summary: "0.01 faint … 1 opaque."),
                    ParameterSpec("fontSize", .number(6...300), default: 48, summary: "Points; shrunk to fit the page if the text is wider."),
                    ParameterSpec("pages", .text(maxBytes: 1000), default: "all", summary: "all, or pages like 1,3-5."),
                    ParameterSpec("password", .text(maxBytes: 256), summary: "Password of an encrypted PDF (the output is not encrypted)."),
                ],
                timeoutSeconds: 600,
                outputs: [pdf]
            ),
            OperationDescriptor(
                name: "merge",
                summary: "One PDF of the \(mergeInputs.lowerBound)…\(mergeInputs.upperBound) uploaded PDFs `keys` names, in that order, page sizes kept and text extractable.",
                input: .none,
                parameters: [
                    ParameterSpec("keys", .objectKeys(mergeInputs), required: true,
                                  summary: "The R2 keys of the PDFs to merge, in order (upload each with POST /api/containers/uploads)."),
                ],
                timeoutSeconds: 600,
                outputs: [pdf]
            ),
            OperationDescriptor(
                name: "preview",
                summary: "PDF pages as PNG images of a width (aspect kept): page-1, page-2… (at most \(maxPreviewPages)).",
                parameters: [
                    ParameterSpec("width", .integer(16...4000), default: 800, summary: "Width in pixels."),
                    ParameterSpec("pages", .text(maxBytes: 1000), default: "1", summary: "all, or pages like 1,3-5."),
                    ParameterSpec("password", .text(maxBytes: 256), summary: "Password of an encrypted PDF."),
                ],
                timeoutSeconds: 300,
                outputs: [.png]
            ),
            OperationDescriptor(
                name: "convert",
                summary: "DOCX, HTML or Markdown laid out as an A4 PDF: headings, emphasis, lists, tables as simple grids, links as text (url).",
                parameters: documentParameters,
                timeoutSeconds: 300,
                outputs: [pdf]
            ),
        ],
        catalogues: [Catalogue(name: "templates", summary: "The document templates and their fields (type, required, default).")],
        aliases: []
    )

    /// Largest `data` object, in bytes of JSON.
    public static let maxDataBytes = 65_536
    /// Most pages one preview job renders.
    public static let maxPreviewPages = 50
    /// How many PDFs one merge takes.
    public static let mergeInputs = 2...50
    /// Most pages `extract-text`, `watermark` and `merge` read (more is a 413).
    public static let maxPages = 2000
    /// Most pages `extract-text` sends through OCR (more is a 413).
    public static let maxOCRPages = 200
    /// Longest text (UTF-8 bytes) `extract-text` puts in its result; a longer one goes whole to the
    /// output `extraction.json` (the result's usual JSON) and the result is a summary.
    public static let maxInlineTextBytes = 1 << 20

    /// What every generated document may also say about itself.
    static let documentParameters: [ParameterSpec] = [
        ParameterSpec("title", .text(maxBytes: 300), summary: "The PDF's Title; default the template's title."),
        ParameterSpec("author", .text(maxBytes: 300), default: "Pitchey", summary: "The PDF's Author."),
    ]

    /// Every shipped template's fields, once by name, optional here (each template's own
    /// required fields are checked against its declaration).
    static let templateFields: [ParameterSpec] = {
        var seen = DocumentTemplateDeclaration.documentParameters
        var fields: [ParameterSpec] = []
        for template in DocumentTemplates.all {
            for var field in template.fields where !seen.contains(field.name) {
                seen.insert(field.name)
                field.required = false
                field.defaultValue = nil
                field.summary = "A template field (see GET /api/document/templates)."
                fields.append(field)
            }
        }
        return fields
    }()

    public static let pdf = OutputType("application/pdf", fileExtension: ".pdf")
    /// `extract-text` with `format=markdown`.
    public static let markdown = OutputType("text/markdown", fileExtension: ".md")
    /// `extract-text` with `format=html`.
    public static let html = OutputType("text/html", fileExtension: ".html")
}
