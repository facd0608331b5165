import CSeccomp
import Foundation
import Glibc

/// The run's seccomp filter, compiled once to classic BPF with libseccomp (from
/// `SandboxPolicy`), and handed to bubblewrap (`--seccomp FD`) through a pipe per run.
enum SeccompProgram {
    /// The compiled filter, or the reason it could not be built.
    static let bpf: Result<[UInt8], SandboxError> = compile()

    private static func compile() -> Result<[UInt8], SandboxError> {
        guard let ctx = seccomp_init(outpost_scmp_act_allow()) else { return .failure(.setup("seccomp_init failed")) }
        defer { seccomp_release(ctx) }
        let deny = outpost_scmp_act_errno(EPERM)
        for name in SandboxPolicy.deniedSyscalls {
            let nr = seccomp_syscall_resolve_name(name)
            if nr == __NR_SCMP_ERROR { continue }  // not on this architecture
            let rc = outpost_seccomp_rule_add(ctx, deny, nr)
            if rc < 0 { return .failure(.setup("seccomp rule for \(name): \(String(cString: strerror(-rc)))")) }
        }
        // clone3 passes its flags in memory a filter cannot read: ENOSYS makes libc fall back to clone.
        _ = outpost_seccomp_rule_add(ctx, outpost_scmp_act_errno(ENOSYS), seccomp_syscall_resolve_name("clone3"))
        let clone = seccomp_syscall_resolve_name("clone")
        for flag in SandboxPolicy.deniedCloneFlags {
            let rc = outpost_seccomp_rule_add_flag(ctx, deny, clone, 0, flag.value)
            if rc < 0 { return .failure(.setup("seccomp clone rule \(flag.name): \(String(cString: strerror(-rc)))")) }
        }
        // Export through an unlinked temporary file, then read it back.
        var template = Array((NSTemporaryDirectory() + "/seccomp-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { return .failure(.setup("mkstemp for the seccomp program: \(String(cString: strerror(errno)))")) }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        defer { close(fd) }
        let rc = seccomp_export_bpf(ctx, fd)
        guard rc >= 0 else { return .failure(.setup("seccomp_export_bpf: \(String(cString: strerror(-rc)))")) }
        let size = lseek(fd, 0, SEEK_END)
        _ = lseek(fd, 0, SEEK_SET)
        var bytes = [UInt8](repeating: 0, count: Int(size))
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, Int(size)) }
        guard n == Int(size) else { return .failure(.setup("reading the seccomp program back")) }
        return .success(bytes)
    }
}
