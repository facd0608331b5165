import Foundation

/// Reads the Durable Objects of a state directory from outside the runtime (the CLI), safely
/// beside a running server: files are opened read-only in intent (`PRAGMA query_only`).
public struct DurableObjectInspector: Sendable {
    public let stateDirectory: String
    let directory: ObjectDirectory

    public init(stateDirectory: String) throws {
        self.stateDirectory = stateDirectory
        self.directory = try ObjectDirectory(stateDirectory: stateDirectory)
    }

    /// One stored object.
    public struct ObjectInfo: Sendable, Codable, Equatable {
        public let id: String
        /// The name given to `idFromName`, when known.
        public let name: String?
        /// Bytes on disk (database plus WAL).
        public let size: Int
        /// Alarm time in milliseconds since the epoch.
        public let alarm: Int64?
    }

    /// Every object of `className` with a file, sorted by id.
    public func list(className: String) throws -> [ObjectInfo] {
        let dir = directory.classDirectory(className)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        let names = try directory.names(className: className)
        let alarms = try directory.alarms(className: className)
        return files.filter { $0.hasSuffix(".sqlite") }.sorted().map { file in
            let id = String(file.dropLast(".sqlite".count))
            let size = [file, file + "-wal"].reduce(0) { total, f in
                let attrs = try? FileManager.default.attributesOfItem(atPath: dir + "/" + f)
                return total + ((attrs?[.size] as? NSNumber)?.intValue ?? 0)
            }
            return ObjectInfo(id: id, name: names[id], size: size, alarm: alarms[id])
        }
    }

    /// The id of `name` in `className` (as `idFromName` computes it).
    public func id(className: String, name: String) throws -> String {
        DurableObjectIdCodec(keyBytes: try directory.namespaceKey(className: className)).idFromName(name).hex
    }

    /// Runs read-only SQL against the object `id` of `className`.
    public func query(className: String, id: String, sql: String) throws -> SqlStorageCursor {
        guard DurableObjectId.parseHex(id) != nil else { throw DurableObjectError.idShape(id) }
        let path = directory.classDirectory(className) + "/" + id.lowercased() + ".sqlite"
        guard FileManager.default.fileExists(atPath: path) else {
            throw DurableObjectError(.invalidArgument, "No stored object \(id) of class \(className) in \(stateDirectory).")
        }
        let conn = try SQLiteConnection(path: path, synchronous: .normal)
        try conn.execute("PRAGMA query_only = 1")
        let state = UnsafeMutablePointer<Int32>.allocate(capacity: 2)
        state.initialize(repeating: 0, count: 2)
        defer { state.deallocate() }
        return try SqlStorage.run(sql, bindings: [], on: conn, authorizer: state)
    }
}
