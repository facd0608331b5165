import CSeccomp
import Glibc

/// Who the instance runs as. As root: a uid and gid of its own, `firstID` + the launcher's pid
/// (unique among live instances). Otherwise: the runtime's own uid inside a user namespace.
struct Identity {
    static let firstID: UInt32 = 1_000_000

    let uid: UInt32
    let gid: UInt32
    /// true: the launcher started as root and changes to `uid`/`gid`.
    let changesUser: Bool

    static func current() -> Identity {
        if geteuid() == 0 {
            let id = firstID + UInt32(getpid())
            return Identity(uid: id, gid: id, changesUser: true)
        }
        return Identity(uid: getuid(), gid: getgid(), changesUser: false)
    }

    /// A user namespace mapping only the runtime's uid and gid to themselves (non-root runtimes).
    func enterUserNamespace() {
        if outpost_unshare(OUTPOST_CLONE_NEWUSER) != 0 { fail("userns", "unshare(CLONE_NEWUSER)", errno: errno) }
        for (file, text) in [("setgroups", "deny"), ("uid_map", "\(uid) \(uid) 1\n"), ("gid_map", "\(gid) \(gid) 1\n")] {
            let err = writeFile("/proc/self/\(file)", text)
            if err != 0 { fail("userns", "writing /proc/self/\(file)", errno: err) }
        }
    }

    /// Empties the bounding set (so nothing exec'd can ever regain a capability) and the ambient set.
    /// The effective set is untouched: the mount set-up still needs it.
    static func dropBoundingSet() {
        let last = Int32(readFile("/proc/sys/kernel/cap_last_cap").flatMap { Int32($0) } ?? 40)
        for cap in 0...last where outpost_capbset_drop(cap) != 0 && errno != EINVAL {
            fail("capabilities", "PR_CAPBSET_DROP \(cap)", errno: errno)
        }
        if outpost_clear_ambient_caps() != 0 && errno != EINVAL { fail("capabilities", "clearing the ambient set", errno: errno) }
    }

    /// Becomes `uid`/`gid` with no supplementary groups and no capabilities, for good.
    func drop() {
        if changesUser {
            if setgroups(0, nil) != 0 { fail("user", "setgroups", errno: errno) }
            if setresgid(gid, gid, gid) != 0 { fail("user", "setresgid(\(gid))", errno: errno) }
            if setresuid(uid, uid, uid) != 0 { fail("user", "setresuid(\(uid))", errno: errno) }
        }
        if outpost_clear_caps() != 0 { fail("capabilities", "capset", errno: errno) }
        if outpost_set_no_new_privs() != 0 { fail("no_new_privs", "prctl(PR_SET_NO_NEW_PRIVS)", errno: errno) }
    }
}
