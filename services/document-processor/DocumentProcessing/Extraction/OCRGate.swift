import Foundation
import PDFText

/// The cap on concurrent OCR in one instance: Tesseract is CPU-bound, so more jobs than cores
/// reading at once only slow each other. Callers are job threads (never the cooperative pool),
/// so waiting here blocks nothing else.
final class OCRGate: @unchecked Sendable {
    static let shared = OCRGate(limit: max(1, ProcessInfo.processInfo.activeProcessorCount))

    private let semaphore: DispatchSemaphore

    init(limit: Int) { semaphore = DispatchSemaphore(value: limit) }

    func run<T>(_ body: () throws(DocumentError) -> T) throws(DocumentError) -> T {
        semaphore.wait()
        defer { semaphore.signal() }
        return try body()
    }
}
