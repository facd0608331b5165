public import Hummingbird
public import ServiceKit
import DocumentProcessorDescriptor
import Foundation
import PDFText

/// The document-processor's operations for ``ContainerService`` (see the descriptor for their
/// parameters), plus `GET /templates`.
public struct DocumentJobHandler: JobHandler {
    /// Creates the handler.
    public init() {}

    public var descriptor: ServiceDescriptor? { DocumentProcessorDescriptor.service }

    public func validate(operation: String, parameters: JobParameters) throws(ServiceError) {
        switch operation {
        case "generate-pdf":
            _ = try TemplateFilling(templateName: try parameters.string("template") ?? "", parameters: parameters)
        case "generate-nda":
            _ = try TemplateFilling(templateName: DocumentTemplates.nda.name, parameters: parameters)
        case "extract-text":
            _ = try ExtractionRequest(parameters: parameters)
        case "watermark":
            _ = try Watermark(parameters: parameters)
        case "preview":
            _ = try PagePreview(parameters: parameters)
        case "convert":
            _ = try DocumentConversion(parameters: parameters)
        default:
            break
        }
    }

    public func run(_ job: Job, context: JobContext) async throws -> JobResult {
        switch job.operation {
        case "generate-pdf", "generate-nda":
            let templateName = job.operation == "generate-nda" ? DocumentTemplates.nda.name : try job.parameters.string("template") ?? ""
            let filling = try TemplateFilling(templateName: templateName, parameters: job.parameters)
            let metadata = PDFMetadata(title: try job.parameters.string("title") ?? filling.declaration.title,
                                       author: try job.parameters.string("author") ?? "Pitchey",
                                       subject: filling.declaration.summary, creationDate: Date())
            context.progress(0, stage: "rendering")
            let text = try filling.render()
            let bytes = try await Self.blocking(context) { () throws(DocumentError) -> [UInt8] in
                try DocumentComposer().pdf(DocumentMarkup.blocks(from: text, escaped: true), metadata: metadata)
            }
            let result = GeneratedDocument(template: filling.declaration.name, title: metadata.title, author: metadata.author,
                                           createdAt: PDFMetadata.iso8601(metadata.creationDate), bytes: bytes.count)
            return .file(JobOutputFile(name: filling.declaration.name, contentType: DocumentProcessorDescriptor.pdf.contentType,
                                       bytes: bytes, metadata: result))
        case "extract-text":
            guard let path = job.inputPath else { throw ServiceError.badRequest("extract-text needs an input document.", code: "missing_input") }
            let request = try ExtractionRequest(parameters: job.parameters)
            context.progress(0, stage: "reading")
            let extraction = try await Self.blocking(context) { () throws(DocumentError) -> TextExtraction in
                try TextExtractor.extract(path: path, request: request, progress: { context.progress($0, stage: $1) },
                                          isCancelled: { context.isCancelled })
            }
            var documents: [JobOutputFile] = []
            if let markdown = extraction.markdown {
                documents.append(JobOutputFile(name: "document", contentType: DocumentProcessorDescriptor.markdown.contentType, bytes: Array(markdown.utf8)))
            }
            if let html = extraction.html {
                documents.append(JobOutputFile(name: "document", contentType: DocumentProcessorDescriptor.html.contentType, bytes: Array(html.utf8)))
            }
            if extraction.textBytes > DocumentProcessorDescriptor.maxInlineTextBytes {
                // A long text goes to a file output, written page by page; the result says where.
                let summary = ExtractionSummary(extraction)
                let path = try await Self.blocking(context) { () throws(DocumentError) -> String in
                    try ExtractionFile.write(extraction, directory: NSTemporaryDirectory())
                }
                let file = try JobOutputFile(name: ExtractionFile.outputName, contentType: OutputType.json.contentType,
                                             file: try context.adoptOutput(path), metadata: summary)
                return documents.isEmpty ? .file(file) : .files([file] + documents, metadata: summary)
            }
            return documents.isEmpty ? .json(extraction) : .files(documents, metadata: extraction)
        case "watermark":
            guard let path = job.inputPath else { throw ServiceError.badRequest("watermark needs an input PDF.", code: "missing_input") }
            let watermark = try Watermark(parameters: job.parameters)
            context.progress(0, stage: "watermarking")
            let (bytes, pages, marked) = try await Self.blocking(context) { () throws(DocumentError) -> ([UInt8], Int, Int) in
                let output = try watermark.apply(path: path, isCancelled: { context.isCancelled })
                return (output.bytes, output.pages, output.marked)
            }
            return .file(JobOutputFile(name: "watermarked", contentType: DocumentProcessorDescriptor.pdf.contentType, bytes: bytes,
                                       metadata: PageOutput(pages: pages, markedPages: marked, sourcePages: nil)))
        case "preview":
            guard let path = job.inputPath else { throw ServiceError.badRequest("preview needs an input PDF.", code: "missing_input") }
            let preview = try PagePreview(parameters: job.parameters)
            context.progress(0, stage: "rendering")
            let images = try await Self.blocking(context) { () throws(DocumentError) -> [PreviewImage] in
                try preview.render(path: path, isCancelled: { context.isCancelled }).map { PreviewImage(page: $0.page, png: $0.png, width: $0.width, height: $0.height) }
            }
            let files = images.map { image in
                JobOutputFile(name: "page-\(image.page)", contentType: "image/png", bytes: image.png,
                              metadata: PreviewImage.Facts(page: image.page, width: image.width, height: image.height))
            }
            if files.count == 1 { return .file(files[0]) }
            return .files(files, metadata: images.map { PreviewImage.Facts(page: $0.page, width: $0.width, height: $0.height) })
        case "convert":
            guard let path = job.inputPath else { throw ServiceError.badRequest("convert needs an input document.", code: "missing_input") }
            let conversion = try DocumentConversion(parameters: job.parameters)
            context.progress(0, stage: "rendering")
            let bytes = try await Self.blocking(context) { () throws(DocumentError) -> [UInt8] in try conversion.pdf(path: path) }
            return .file(JobOutputFile(name: "converted", contentType: DocumentProcessorDescriptor.pdf.contentType, bytes: bytes))
        case "merge":
            // The PDFs came as the attachments of `keys` (ServiceKit checked one per key), in order.
            let keys = job.parameters.values["keys"].flatMap(ParameterSpec.keyList) ?? []
            let paths = job.attachments["keys"] ?? []
            guard !paths.isEmpty, paths.count == keys.count else {
                throw ServiceError.badRequest("merge needs the PDFs `keys` names, posted as multipart parts named \"keys\".", code: "missing_input")
            }
            context.progress(0, stage: "merging")
            let (bytes, counts) = try await Self.blocking(context) { () throws(DocumentError) -> ([UInt8], [Int]) in
                let output = try PDFMerge.merge(paths: paths, names: keys, isCancelled: { context.isCancelled })
                return (output.bytes, output.pages)
            }
            return .file(JobOutputFile(name: "merged", contentType: DocumentProcessorDescriptor.pdf.contentType, bytes: bytes,
                                       metadata: PageOutput(pages: counts.reduce(0, +), markedPages: nil, sourcePages: counts)))
        default:
            throw ServiceError.badRequest("Unknown operation \(job.operation).", code: "unknown_operation")
        }
    }

    public func addRoutes(to router: Router<ServiceRequestContext>) {
        router.get("/templates") { _, _ in
            try ServiceJSON.response(TemplateCatalogue.current)
        }
    }

    /// Runs document work on one of the service's job threads (never the cooperative pool; one
    /// per allowed concurrent job), turning ``DocumentError`` into the service's errors.
    static func blocking<T: Sendable>(_ context: JobContext, _ body: @escaping @Sendable () throws(DocumentError) -> T) async throws -> T {
        try await context.runBlocking { () throws(ServiceError) -> T in
            do throws(DocumentError) { return try body() } catch { throw error.serviceError }
        }
    }
}

/// One page `preview` rendered.
struct PreviewImage: Sendable {
    var page: Int
    var png: [UInt8]
    var width: Int
    var height: Int

    struct Facts: Encodable, Sendable {
        var page: Int
        var width: Int
        var height: Int
    }
}

/// What `watermark` and `merge` say about the PDF they made.
struct PageOutput: Encodable, Sendable {
    var pages: Int
    var markedPages: Int?
    /// Pages of each merged PDF, in order.
    var sourcePages: [Int]?
}

/// What `generate-pdf` says about the PDF it made.
struct GeneratedDocument: Encodable, Sendable {
    var template: String
    var title: String
    var author: String
    var createdAt: String
    var bytes: Int
}
