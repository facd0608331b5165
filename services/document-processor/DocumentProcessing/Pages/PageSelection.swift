public import ServiceKit
import PDFText

/// Which pages an operation touches: `all`, or a list like `1,3-5` (1-based).
public struct PageSelection: Sendable, Equatable {
    /// Inclusive ranges; empty means every page.
    var ranges: [ClosedRange<Int>]

    public static let all = PageSelection(ranges: [])

    init(ranges: [ClosedRange<Int>]) { self.ranges = ranges }

    /// Reads the `pages` parameter (absent: all pages).
    public init(parameter text: String?, name: String = "pages") throws(ServiceError) {
        guard let text, !text.isEmpty, text.lowercased() != "all" else { self = .all; return }
        var ranges: [ClosedRange<Int>] = []
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingSpaces) }
            switch bounds.count {
            case 1:
                guard let page = bounds[0], page >= 1 else { throw .invalidParameter(name, "must be all or pages like 1,3-5, got \"\(text)\".") }
                ranges.append(page...page)
            case 2:
                guard let first = bounds[0], let last = bounds[1], first >= 1, last >= first else {
                    throw .invalidParameter(name, "must be all or pages like 1,3-5 (ranges first-last), got \"\(text)\".")
                }
                ranges.append(first...last)
            default:
                throw .invalidParameter(name, "must be all or pages like 1,3-5, got \"\(text)\".")
            }
        }
        self.ranges = ranges
    }

    /// Whether page `number` (1-based) is selected.
    func contains(_ number: Int) -> Bool { ranges.isEmpty || ranges.contains { $0.contains(number) } }

    /// Throws unless every selected page exists in a document of `count` pages.
    func check(pageCount count: Int, name: String = "pages") throws(DocumentError) {
        if let beyond = ranges.first(where: { $0.upperBound > count }) {
            throw .invalidParameter(name: name, message: "asks for page \(beyond.upperBound), but the PDF has \(count) pages.")
        }
    }
}
