import CPopplerCairo
import DocumentProcessorDescriptor
import Foundation
import PDFText

/// `merge`: PDFs one after another in one PDF. Each page is redrawn by Poppler into a cairo PDF
/// at its own size, so sizes are kept and text stays text.
enum PDFMerge {
    /// Merges the PDFs at `paths`, in order; `names` (the keys they came from, one per path) are
    /// what error messages call them.
    static func merge(paths: [String], names: [String], isCancelled: () -> Bool) throws(DocumentError) -> (bytes: [UInt8], pages: [Int]) {
        let limits = DocumentProcessorDescriptor.mergeInputs
        guard limits.contains(paths.count) else {
            throw .tooLarge("merge takes \(limits.lowerBound) to \(limits.upperBound) PDFs, got \(paths.count).")
        }
        var documents: [PopplerDocument] = []
        func name(_ index: Int) -> String { "\"\(index < names.count ? names[index] : "PDF \(index + 1)")\" (PDF \(index + 1) of the merge)" }
        for (index, path) in paths.enumerated() {
            do { documents.append(try PopplerDocument(path: path, password: nil)) } catch {
                switch error {
                case .encrypted: throw .unreadable("\(name(index)) is encrypted; merge reads unencrypted PDFs only.")
                case .unreadable(let message): throw .unreadable("\(name(index)) is not a readable PDF: \(message)")
                default: throw error
                }
            }
        }
        let counts = documents.map(\.pageCount)
        if let empty = counts.firstIndex(of: 0) { throw .unreadable("\(name(empty)) has no pages.") }
        try PDFLimits.check(pages: counts.reduce(0, +))
        let first = try documents[0].page(0).size
        let writer = try PDFWriter(width: first.width, height: first.height, metadata: PDFLimits.metadata(of: documents[0]))
        for document in documents {
            for index in 0..<document.pageCount {
                if isCancelled() { throw .cancelled }
                let page = try document.page(index)
                let size = page.size
                writer.setPageSize(width: size.width, height: size.height)
                cairo_save(writer.context)
                page.render(on: writer.context)
                cairo_restore(writer.context)
                writer.showPage()
            }
        }
        return (try writer.finish(), counts)
    }
}
