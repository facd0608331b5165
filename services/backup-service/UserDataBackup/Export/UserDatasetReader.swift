import Foundation
import OutpostJSON

/// Reads a user dataset (`UserDatasetStream` on the platform side) front to back with one buffer
/// of about 1 MiB, from the job's streamed input (or a file): NDJSON lines, where an `object` line
/// is followed by exactly `size` bytes of the object, handed on in blocks as they are read.
final class UserDatasetReader {
    /// The next bytes of the dataset (up to the count asked); empty at its end.
    private let source: (Int) throws -> [UInt8]
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    private var lineNumber = 0

    /// Reads from `source`, which gives up to the count asked and empty at the end.
    init(source: @escaping (Int) throws -> [UInt8]) {
        self.source = source
    }

    /// Reads the file at `path`.
    convenience init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw UserDataError.unreadable("The dataset file cannot be opened.") }
        self.init { count in
            let bytes = try handle.read(upToCount: count).map { [UInt8]($0) } ?? []
            if bytes.isEmpty { try? handle.close() }
            return bytes
        }
    }

    /// The next line as a JSON object; nil at the end of the file.
    func nextLine() throws -> JSONValue? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[start..<newline]
                start = newline + 1
                lineNumber += 1
                if line.isEmpty { continue }
                guard let value = try? JSONValue.parse(Array(line)), value.objectValue != nil else {
                    throw UserDataError.unreadable("Line \(lineNumber) of the dataset is not a JSON object.")
                }
                return value
            }
            if atEnd {
                guard start == buffer.count else { throw UserDataError.unreadable("The dataset ends inside a line.") }
                return nil
            }
            try fill()
        }
    }

    /// Hands the next `count` bytes to `body`, a block at a time.
    func bytes(_ count: UInt64, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var left = count
        while left > 0 {
            if start == buffer.count {
                if atEnd { throw UserDataError.unreadable("The dataset ends inside an object's bytes (\(left) missing).") }
                try fill()
                continue
            }
            let take = Int(min(UInt64(buffer.count - start), left))
            try buffer[start..<(start + take)].withUnsafeBytes(body)
            start += take
            left -= UInt64(take)
        }
    }

    private func fill() throws {
        buffer.removeSubrange(..<start)
        start = 0
        let chunk = try source(1 << 20)
        if chunk.isEmpty { atEnd = true } else { buffer.append(contentsOf: chunk) }
    }
}

/// Input the backup-service cannot use (a 422).
enum UserDataError: Error, CustomStringConvertible {
    case unreadable(String)
    /// An export that disagrees with its manifest (`code`: `checksum_mismatch`, `manifest_mismatch`).
    case rejected(String, code: String)

    var description: String {
        switch self {
        case .unreadable(let message), .rejected(let message, _): message
        }
    }

    var code: String {
        switch self {
        case .unreadable: "unreadable_input"
        case .rejected(_, let code): code
        }
    }
}
