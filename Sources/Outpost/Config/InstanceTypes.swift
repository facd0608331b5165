/// Cloudflare's container instance types and what each one gets.
public struct InstanceType: Sendable, Hashable {
    public let name: String
    /// vCPU share (1/16 for lite).
    public let vcpu: Double
    public let memoryBytes: Int64
    public let diskBytes: Int64
}

public enum InstanceTypes {
    private static let mib: Int64 = 1 << 20
    private static let gib: Int64 = 1 << 30
    private static let gb: Int64 = 1_000_000_000

    public static let all: [InstanceType] = [
        InstanceType(name: "lite", vcpu: 1.0 / 16, memoryBytes: 256 * mib, diskBytes: 2 * gb),
        InstanceType(name: "basic", vcpu: 0.25, memoryBytes: 1 * gib, diskBytes: 4 * gb),
        InstanceType(name: "standard-1", vcpu: 0.5, memoryBytes: 4 * gib, diskBytes: 8 * gb),
        InstanceType(name: "standard-2", vcpu: 1, memoryBytes: 6 * gib, diskBytes: 12 * gb),
        InstanceType(name: "standard-3", vcpu: 2, memoryBytes: 8 * gib, diskBytes: 16 * gb),
        InstanceType(name: "standard-4", vcpu: 4, memoryBytes: 12 * gib, diskBytes: 20 * gb),
    ]

    public static var known: [String] { all.map(\.name) }

    public static func named(_ name: String) -> InstanceType? { all.first { $0.name == name } }
}
