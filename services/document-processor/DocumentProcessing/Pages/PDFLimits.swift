import DocumentProcessorDescriptor
import Foundation
import PDFText

/// The page limit every operation that rewrites a PDF holds to, and the metadata such a PDF keeps.
enum PDFLimits {
    static func check(pages: Int) throws(DocumentError) {
        guard pages <= DocumentProcessorDescriptor.maxPages else {
            throw .tooLarge("The PDF has \(pages) pages; at most \(DocumentProcessorDescriptor.maxPages) are processed.")
        }
    }

    /// The source's title and author, created now.
    static func metadata(of document: PopplerDocument) -> PDFMetadata {
        PDFMetadata(title: document.title ?? "", author: document.author ?? "", subject: document.subject, creationDate: Date())
    }
}
