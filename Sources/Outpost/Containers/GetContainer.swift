/// The stub of the Container object `name` in `namespace` (Cloudflare's `getContainer`).
/// - Parameter name: defaults to "cf-singleton-container", for a class with one instance.
public func getContainer(_ namespace: DurableObjectNamespace, name: String = "cf-singleton-container") -> DurableObjectStub {
    namespace.getByName(name)
}

/// The stub of one of `instances` Container objects, "instance-0" … "instance-(n-1)", picked at
/// random (Cloudflare's `getRandom`), to spread load over a fixed set of instances.
public func getRandom(_ namespace: DurableObjectNamespace, instances: Int = 3) -> DurableObjectStub {
    namespace.getByName("instance-\(Int.random(in: 0..<max(1, instances)))")
}
