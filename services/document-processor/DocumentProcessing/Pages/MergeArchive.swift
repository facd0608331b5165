import DocumentProcessorDescriptor
import Foundation
import ZIPFoundation

/// The input of `merge`: a ZIP archive of PDFs, unpacked into a scratch directory in the
/// archive's order. Entries that are not files (directories, links) and macOS resource forks are
/// skipped; the sizes the archive declares are checked before anything is unpacked.
struct MergeArchive {
    /// Most bytes the PDFs of one merge may unpack to.
    static let maxUnpackedBytes: UInt64 = 2 << 30

    let directory: URL
    let paths: [String]

    init(path: String) throws(DocumentError) {
        let archive: Archive
        do { archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read) } catch {
            throw .unreadable("merge takes a ZIP archive of PDFs; the input is not a readable ZIP archive.")
        }
        let entries = archive.filter { $0.type == .file && !$0.path.hasPrefix("__MACOSX/") }
        let limits = DocumentProcessorDescriptor.mergeInputs
        guard limits.contains(entries.count) else {
            throw .tooLarge("merge takes \(limits.lowerBound) to \(limits.upperBound) PDFs; the archive holds \(entries.count) files.")
        }
        let total = entries.reduce(UInt64(0)) { $0 + UInt64($1.uncompressedSize) }
        guard total <= Self.maxUnpackedBytes else {
            throw .tooLarge("The archive's PDFs unpack to \(total) bytes; merge takes at most \(Self.maxUnpackedBytes).")
        }
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("merge-" + UUID().uuidString)
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw .renderFailed("no scratch directory for the merge: \(error)")
        }
        var paths: [String] = []
        for (index, entry) in entries.enumerated() {
            let target = directory.appendingPathComponent(String(format: "%03d.pdf", index))
            do { _ = try archive.extract(entry, to: target) } catch {
                try? FileManager.default.removeItem(at: directory)
                throw .unreadable("\(entry.path) in the archive could not be unpacked (\(error)).")
            }
            paths.append(target.path)
        }
        self.directory = directory
        self.paths = paths
    }

    /// Removes the unpacked PDFs.
    func remove() { try? FileManager.default.removeItem(at: directory) }
}
