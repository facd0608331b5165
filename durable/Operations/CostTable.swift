public import Outpost

/// What an instance costs per hour, from its instance type's vCPU, memory and disk at
/// Cloudflare Containers' list prices (per second: $0.000020 per vCPU, $0.0000025 per GiB of
/// memory, $0.00000007 per GB of disk).
public enum CostTable {
    static let perVCPUSecond = 0.000020
    static let perGiBSecond = 0.0000025
    static let perGBDiskSecond = 0.00000007

    /// US dollars per instance-hour of `type`.
    public static func hourlyPrice(_ type: InstanceType) -> Double {
        let memoryGiB = Double(type.memoryBytes) / Double(1 << 30)
        let diskGB = Double(type.diskBytes) / 1_000_000_000
        return 3600 * (type.vcpu * perVCPUSecond + memoryGiB * perGiBSecond + diskGB * perGBDiskSecond)
    }
}
