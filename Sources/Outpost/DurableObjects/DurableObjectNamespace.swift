/// A Durable Object namespace (`env.durableObject("BINDING")`): makes ids and stubs for one class.
public struct DurableObjectNamespace: Sendable {
    let host: DurableObjectHost

    /// The exported class name (`class_name` in wrangler.toml).
    public var className: String { host.className }

    /// The id for `name`: the same in every process sharing the state directory, across restarts.
    public func idFromName(_ name: String) -> DurableObjectId {
        host.codec.idFromName(name)
    }

    /// A fresh random id of this namespace.
    public func newUniqueId() -> DurableObjectId {
        host.codec.newUniqueId()
    }

    /// Parses 64 hex digits; throws unless the id was made by this namespace.
    public func idFromString(_ text: String) throws -> DurableObjectId {
        try host.codec.idFromString(text)
    }

    /// A stub for `id`. Cheap: the object activates on the first call.
    public func get(_ id: DurableObjectId) -> DurableObjectStub {
        DurableObjectStub(id: id, host: host)
    }

    /// A stub for `idFromName(name)`.
    public func getByName(_ name: String) -> DurableObjectStub {
        get(idFromName(name))
    }
}

extension DurableObjectNamespace {
    /// The `[[containers]]` entry of this namespace's class, when it is a Container class (an
    /// Outpost addition: lets an app read `max_instances` and `instance_type` without a call).
    public var containerConfig: ContainerConfig? {
        host.context.config.containers.first { $0.className == className }
    }

    /// The runtime's state directory (an Outpost addition: lets an operations page read what the
    /// CLI's inspectors read, such as stored objects and container logs, without a call).
    public var stateDirectory: String { host.context.stateDirectory }
}
