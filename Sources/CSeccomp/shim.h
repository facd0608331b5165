#ifndef OUTPOST_CSECCOMP_SHIM_H
#define OUTPOST_CSECCOMP_SHIM_H

#include <errno.h>
/* No _GNU_SOURCE here: it would change glibc's declarations (fd_set, sockaddr unions) against
   the ones Swift's Glibc module sees. The two GNU calls needed are declared by hand. */
extern int unshare(int flags);
extern int setns(int fd, int nstype);
#define OUTPOST_CLONE_NEWNET 0x40000000
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <net/if.h>
#include <seccomp.h>

/* Macros and variadic functions do not import into Swift: wrap each one here. */

static inline uint32_t outpost_scmp_act_allow(void) { return SCMP_ACT_ALLOW; }
static inline uint32_t outpost_scmp_act_errno(int err) { return SCMP_ACT_ERRNO(err); }

/// Adds an argument-less rule (matches every call of `syscall_nr`).
static inline int outpost_seccomp_rule_add(scmp_filter_ctx ctx, uint32_t action, int syscall_nr) {
    return seccomp_rule_add_array(ctx, action, syscall_nr, 0, NULL);
}

static inline int outpost_set_no_new_privs(void) { return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); }
static inline int outpost_set_pdeathsig(int sig) { return prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0); }
/* The network-namespace and pidfd calls the launcher makes are in COutpostSys, shared with the runtime. */

/// ptrace(PTRACE_ATTACH, pid): `ptrace` is variadic in glibc.
static inline long outpost_ptrace_attach(int pid) { return syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */, pid, 0, 0); }

/// The errno of the calling thread (Swift's `errno` works too; this keeps the fixture free of Glibc quirks).
static inline int outpost_errno(void) { return errno; }

/* Namespaces, mounts and credentials for the launcher's sandbox (GNU-only or variadic in glibc). */
#include <sys/mount.h>
#include <linux/capability.h>
extern int setresuid(unsigned int ruid, unsigned int euid, unsigned int suid);
extern int setresgid(unsigned int rgid, unsigned int egid, unsigned int sgid);

static const int OUTPOST_CLONE_NEWNS = 0x00020000;
static const int OUTPOST_CLONE_NEWCGROUP = 0x02000000;
static const int OUTPOST_CLONE_NEWUTS = 0x04000000;
static const int OUTPOST_CLONE_NEWIPC = 0x08000000;
static const int OUTPOST_CLONE_NEWUSER = 0x10000000;
static const int OUTPOST_CLONE_NEWPID = 0x20000000;
static const unsigned long OUTPOST_MS_RDONLY = MS_RDONLY;
static const unsigned long OUTPOST_MS_NOSUID = MS_NOSUID;
static const unsigned long OUTPOST_MS_NODEV = MS_NODEV;
static const unsigned long OUTPOST_MS_NOEXEC = MS_NOEXEC;
static const unsigned long OUTPOST_MS_REMOUNT = MS_REMOUNT;
static const unsigned long OUTPOST_MS_BIND = MS_BIND;
static const unsigned long OUTPOST_MS_REC = MS_REC;
static const unsigned long OUTPOST_MS_PRIVATE = MS_PRIVATE;
static const unsigned long OUTPOST_MS_NOATIME = MS_NOATIME;
static const unsigned long OUTPOST_MS_NODIRATIME = MS_NODIRATIME;
static const unsigned long OUTPOST_MS_RELATIME = MS_RELATIME;
static const int OUTPOST_MNT_DETACH = MNT_DETACH;

static inline int outpost_unshare(int flags) { return unshare(flags); }
static inline int outpost_pivot_root(const char *new_root, const char *put_old) {
    return (int)syscall(SYS_pivot_root, new_root, put_old);
}
static inline int outpost_capbset_drop(int cap) { return prctl(PR_CAPBSET_DROP, cap, 0, 0, 0); }
static inline int outpost_clear_ambient_caps(void) { return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); }
/// Empties the effective, permitted and inheritable sets of the calling thread.
static inline int outpost_clear_caps(void) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    return (int)syscall(SYS_capset, &header, data);
}

/// A rule that matches when `(arg & mask) != 0` for one flag bit `mask` (seccomp compares masked equality).
static inline int outpost_seccomp_rule_add_flag(scmp_filter_ctx ctx, uint32_t action, int syscall_nr, unsigned int arg, uint64_t flag) {
    struct scmp_arg_cmp cmp = { arg, SCMP_CMP_MASKED_EQ, flag, flag };
    return seccomp_rule_add_array(ctx, action, syscall_nr, 1, &cmp);
}

#endif
