import Foundation
import PDFText

/// Reads the text layers of a PDF's pages: the first half on the job's thread and, when one of the
/// instance's spare cores is free (``ReaderSlots``), the second half on a helper thread with its own
/// ``PopplerDocument`` (a Poppler document is never shared between threads). Poppler-glib's text
/// layer costs more per page than `pdftotext`'s, so a long PDF is read on two cores when the
/// instance has them idle; the pages come back in order, the same as a read on one thread.
enum TextLayerReader {
    /// What one page gives: its size in points and its text layer.
    struct Reading {
        var width: Double
        var height: Double
        var layer: PageTextLayer
    }

    /// Fewer pages than this are read on the job's thread alone (a second open costs more).
    static let minimumPagesToSplit = 16

    /// Spare cores an instance lends to readers: one less than its cores (each job has its own).
    static let slots = ReaderSlots(count: max(0, ProcessInfo.processInfo.activeProcessorCount - 1))

    static func read(_ document: PopplerDocument, password: String?, lines: Bool, progress: (Double) -> Void,
                     isCancelled: @escaping @Sendable () -> Bool) throws(DocumentError) -> [Reading] {
        let count = document.pageCount
        guard count >= minimumPagesToSplit, slots.tryAcquire() else {
            return try read(document, pages: 0..<count, lines: lines, total: count, progress: progress, isCancelled: isCancelled)
        }
        let half = count / 2
        let helper = HelperRead(path: document.path, password: password, pages: half..<count, lines: lines, isCancelled: isCancelled)
        let thread = Thread { [helper] in
            defer { slots.release(); helper.done.signal() }
            helper.run()
        }
        thread.name = "text-reader"  // Linux keeps 15 bytes of a thread name
        thread.start()
        let first = Result { () throws(DocumentError) -> [Reading] in
            try read(document, pages: 0..<half, lines: lines, total: count, progress: progress, isCancelled: { helper.failed || isCancelled() })
        }
        if case .failure = first { helper.stop() }
        helper.done.wait()
        // An error of the first half's pages comes first, unless it only stopped for the helper's.
        if case .failure(let error) = first, !(helper.failed && error == .cancelled) { throw error }
        return try first.get() + helper.result.get()
    }

    static func read(_ document: PopplerDocument, pages: Range<Int>, lines: Bool, total: Int, progress: (Double) -> Void,
                     isCancelled: () -> Bool) throws(DocumentError) -> [Reading] {
        var readings: [Reading] = []
        readings.reserveCapacity(pages.count)
        for index in pages {
            if isCancelled() { throw .cancelled }
            let page = try document.page(index)
            let size = page.size
            readings.append(Reading(width: size.width, height: size.height, layer: page.textLayer(lines: lines)))
            if index % 10 == 0 { progress(Double(index) / Double(total)) }
        }
        return readings
    }

    /// The helper thread's half: written by the helper before it signals `done`, read by the job's
    /// thread only after waiting for it; `stopped` and `failed` are behind the lock.
    private final class HelperRead: @unchecked Sendable {
        let path: String
        let password: String?
        let pages: Range<Int>
        let lines: Bool
        let isCancelled: @Sendable () -> Bool
        let done = DispatchSemaphore(value: 0)
        var result: Result<[Reading], DocumentError> = .success([])
        private let lock = NSLock()
        private var stopped = false
        private var helperFailed = false

        init(path: String, password: String?, pages: Range<Int>, lines: Bool, isCancelled: @escaping @Sendable () -> Bool) {
            self.path = path
            self.password = password
            self.pages = pages
            self.lines = lines
            self.isCancelled = isCancelled
        }

        /// Whether the helper's half failed (the job's half then stops early too).
        var failed: Bool { lock.withLock { helperFailed } }

        func stop() { lock.withLock { stopped = true } }

        func run() {
            result = Result { () throws(DocumentError) -> [Reading] in
                let document = try PopplerDocument(path: path, password: password)
                return try TextLayerReader.read(document, pages: pages, lines: lines, total: pages.upperBound, progress: { _ in },
                                                isCancelled: { [self] in lock.withLock { stopped } || isCancelled() })
            }
            if case .failure = result { lock.withLock { helperFailed = true } }
        }
    }
}

/// A count of spare cores, taken without waiting: a job that finds none reads on its own thread.
final class ReaderSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var free: Int

    init(count: Int) { free = count }

    func tryAcquire() -> Bool {
        lock.withLock {
            guard free > 0 else { return false }
            free -= 1
            return true
        }
    }

    func release() { lock.withLock { free += 1 } }
}
