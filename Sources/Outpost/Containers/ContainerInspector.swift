import Foundation

/// Reads a state directory's containers from outside the runtime (`outpost containers list|logs`):
/// the status the supervisor publishes about once a second, and the per-instance log files.
public struct ContainerInspector: Sendable {
    public let stateDirectory: String

    public init(stateDirectory: String) {
        self.stateDirectory = stateDirectory
    }

    /// One row of `outpost containers list`.
    public struct Row: Sendable, Codable, Equatable {
        public var className: String
        /// The object's name (as given to `idFromName`), when known.
        public var name: String?
        public var id: String
        public var state: String
        public var exitCode: Int32?
        public var pid: Int32?
        public var port: Int?
        public var uptimeSeconds: Double?
        /// Seconds since the last request or message.
        public var lastActivitySecondsAgo: Double?
        public var inFlight: Int
        public var memoryBytes: Int64?

        enum CodingKeys: String, CodingKey {
            case className = "class", name, id, state, exitCode, pid, port, uptimeSeconds, lastActivitySecondsAgo, inFlight, memoryBytes
        }
    }

    /// The instances the running (or last) supervisor published, with object names where recorded.
    public func list() -> [Row] {
        let infos = ContainerSupervisor.publishedStatus(stateDirectory: stateDirectory)
        let names = objectNames(classes: Set(infos.map(\.className)))
        return infos.map { info in
            Row(className: info.className, name: names[info.className]?[info.instanceID], id: info.instanceID, state: info.state,
                exitCode: info.exitCode, pid: info.pid, port: info.port, uptimeSeconds: info.uptimeSeconds,
                lastActivitySecondsAgo: info.idleSeconds, inFlight: info.inFlight, memoryBytes: info.memoryBytes)
        }
    }

    /// The log files of `className`: the one of `name` (an object name or a 64-hex id), or all.
    public func logFiles(className: String, name: String? = nil) throws(ContainerError) -> [String] {
        let dir = stateDirectory + "/containers/logs/" + ContainerProcess.safe(className)
        if let name {
            let id: String
            if DurableObjectId.parseHex(name) != nil {
                id = name.lowercased()
            } else if hasDurableObjects, let computed = try? DurableObjectInspector(stateDirectory: stateDirectory).id(className: className, name: name) {
                id = computed
            } else {
                id = name
            }
            let path = dir + "/" + ContainerProcess.safe(id) + ".log"
            guard FileManager.default.fileExists(atPath: path) else {
                throw ContainerError(.notRunning, "No log for container \(className)/\(name) in \(stateDirectory) (looked for \(path)).")
            }
            return [path]
        }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        guard !files.isEmpty else {
            throw ContainerError(.notRunning, "No container logs for class \(className) in \(stateDirectory).")
        }
        return files.filter { $0.hasSuffix(".log") }.sorted().map { dir + "/" + $0 }
    }

    /// Opening the Durable Object index creates it; a reader must not create state.
    private var hasDurableObjects: Bool {
        FileManager.default.fileExists(atPath: stateDirectory + "/do/index.sqlite")
    }

    private func objectNames(classes: Set<String>) -> [String: [String: String]] {
        guard hasDurableObjects, let inspector = try? DurableObjectInspector(stateDirectory: stateDirectory) else { return [:] }
        var out: [String: [String: String]] = [:]
        for cls in classes {
            let objects = (try? inspector.list(className: cls)) ?? []
            out[cls] = Dictionary(objects.compactMap { o in o.name.map { (o.id, $0) } }, uniquingKeysWith: { a, _ in a })
        }
        return out
    }
}
