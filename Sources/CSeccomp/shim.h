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

static inline int outpost_unshare_net(void) { return unshare(OUTPOST_CLONE_NEWNET); }
static inline int outpost_setns_net(int fd) { return setns(fd, OUTPOST_CLONE_NEWNET); }

/// Brings the loopback interface of the current network namespace up; 0 or -1 with errno.
static inline int outpost_loopback_up(void) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) { int e = errno; close(fd); errno = e; return -1; }
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) { int e = errno; close(fd); errno = e; return -1; }
    close(fd);
    return 0;
}

/// ptrace(PTRACE_ATTACH, pid): `ptrace` is variadic in glibc.
static inline long outpost_ptrace_attach(int pid) { return syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */, pid, 0, 0); }

/// The errno of the calling thread (Swift's `errno` works too; this keeps the fixture free of Glibc quirks).
static inline int outpost_errno(void) { return errno; }

#endif
