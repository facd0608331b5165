public import Foundation

/// A binary output of a job: bytes in memory, or a file ServiceKit takes over.
public struct JobOutputFile: Sendable {
    /// Where the output's bytes are.
    public enum Content: Sendable {
        case bytes([UInt8])
        /// A file the job wrote; ServiceKit delivers it and then deletes it. Move a file out of a
        /// directory the handler removes with ``JobContext/adoptOutput(_:)`` first.
        case file(path: String, size: Int)
    }

    /// The output's name (e.g. `thumbnail`), used by the orchestrator to name it in R2.
    public var name: String
    /// Its media type, e.g. `image/png`.
    public var contentType: String
    public var content: Content
    /// Facts about the output (dimensions, timestamp…), returned as `result`.
    public var metadata: (any Encodable & Sendable)?
    /// For an output written live (``JobOutputWriter``): how the runtime pulled it already.
    var delivered: JobResponse.Output?

    /// An output held in memory.
    public init(name: String, contentType: String, bytes: [UInt8], metadata: (any Encodable & Sendable)? = nil) {
        self.name = name
        self.contentType = contentType
        self.content = .bytes(bytes)
        self.metadata = metadata
    }

    /// An output in the file at `path`, which becomes ServiceKit's: it is streamed to the runtime
    /// when the runtime pulls outputs, so a large output is never held in memory.
    public init(name: String, contentType: String, file path: String, metadata: (any Encodable & Sendable)? = nil) throws(ServiceError) {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path), let size = attributes[.size] as? NSNumber else {
            throw .internalError("The output \(name) was not written.")
        }
        self.name = name
        self.contentType = contentType
        self.content = .file(path: path, size: size.intValue)
        self.metadata = metadata
    }

    /// Its size in bytes.
    public var size: Int {
        if let delivered { return delivered.size }
        switch content {
        case .bytes(let bytes): return bytes.count
        case .file(_, let size): return size
        }
    }

    /// The bytes, as ``readBytes()`` gives them (empty if a file output's file is gone).
    public var bytes: [UInt8] { (try? readBytes()) ?? [] }

    /// The bytes, read from the file for a file output (a whole copy in memory: for tests, and
    /// for the deliveries that need the bytes at once).
    public func readBytes() throws(ServiceError) -> [UInt8] {
        switch content {
        case .bytes(let bytes):
            return bytes
        case .file(let path, _):
            guard let data = FileManager.default.contents(atPath: path) else { throw .internalError("The output \(name) is gone from \(path).") }
            return Array(data)
        }
    }
}
