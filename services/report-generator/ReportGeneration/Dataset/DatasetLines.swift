import Foundation
import OutpostJSON

/// Reads a `PlatformDataset` (NDJSON) from a file line by line, with one 64 KiB buffer: a dataset
/// of any size is read in bounded memory.
struct DatasetLines {
    let path: String

    /// Calls `body` with each non-empty line, parsed. A line that is not a JSON object throws
    /// `DatasetError.unreadable` with its number.
    func forEach(_ body: (JSONValue) throws -> Void) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw DatasetError.unreadable("The dataset file cannot be opened.") }
        defer { try? handle.close() }
        var pending: [UInt8] = []
        var lineNumber = 0
        func emit(_ line: ArraySlice<UInt8>) throws {
            lineNumber += 1
            guard !line.isEmpty else { return }
            guard let value = try? JSONValue.parse(Array(line)), value.objectValue != nil else {
                throw DatasetError.unreadable("Line \(lineNumber) of the dataset is not a JSON object.")
            }
            try body(value)
        }
        while true {
            let chunk = try handle.read(upToCount: 64 << 10) ?? Data()
            if chunk.isEmpty { break }
            pending.append(contentsOf: chunk)
            var start = pending.startIndex
            while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                try emit(pending[start..<newline])
                start = newline + 1
            }
            pending.removeSubrange(..<start)
        }
        if !pending.isEmpty { try emit(pending[...]) }
    }
}

/// A dataset the service cannot use.
enum DatasetError: Error, CustomStringConvertible {
    case unreadable(String)

    var description: String {
        switch self {
        case .unreadable(let message): message
        }
    }
}
