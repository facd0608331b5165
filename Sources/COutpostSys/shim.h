#ifndef OUTPOST_SYS_SHIM_H
#define OUTPOST_SYS_SHIM_H

#include <errno.h>
/* No _GNU_SOURCE here: it would change glibc's declarations (fd_set, sockaddr unions) against
   the ones Swift's Glibc module sees. The two GNU calls needed are declared by hand. */
extern int unshare(int flags);
extern int setns(int fd, int nstype);
#define OUTPOST_CLONE_NEWNET 0x40000000
extern int pipe2(int fds[2], int flags);
#include <fcntl.h>
#include <fts.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <spawn.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* Process and namespace calls the runtime makes that Swift cannot import directly
   (variadic `syscall`, `_GNU_SOURCE`-only declarations). */

static inline int outpost_pidfd_open(int pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }
static inline int outpost_pipe_cloexec(int *fds) { return pipe2(fds, O_CLOEXEC); }
static inline int outpost_setns_net(int fd) { return setns(fd, OUTPOST_CLONE_NEWNET); }
/* Moves the calling thread (only) into a new network namespace. */
static inline int outpost_unshare_net(void) { return unshare(OUTPOST_CLONE_NEWNET); }
/* Brings the loopback interface of the calling thread's network namespace up; 0 or -1 with errno. */
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
static inline int outpost_spawn_closefrom(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}
static inline int outpost_wifexited(int status) { return WIFEXITED(status); }
static inline int outpost_wexitstatus(int status) { return WEXITSTATUS(status); }
static inline int outpost_wifsignaled(int status) { return WIFSIGNALED(status); }
static inline int outpost_wtermsig(int status) { return WTERMSIG(status); }

/* Bytes allocated to everything under `path` (st_blocks * 512), without following symlinks or
   crossing filesystems; 0 when it is gone. fts walks any depth with a bounded number of fds. */
static inline long long outpost_disk_usage(const char *path) {
    char *roots[] = { (char *)path, NULL };
    FTS *fts = fts_open(roots, FTS_PHYSICAL | FTS_NOCHDIR | FTS_XDEV, NULL);
    if (fts == NULL) return 0;
    long long total = 0;
    FTSENT *entry;
    while ((entry = fts_read(fts)) != NULL) {
        switch (entry->fts_info) {
        case FTS_F: case FTS_SL: case FTS_SLNONE: case FTS_DEFAULT: case FTS_D:
            if (entry->fts_statp != NULL) total += (long long)entry->fts_statp->st_blocks * 512;
            break;
        default: break;
        }
    }
    fts_close(fts);
    return total;
}

#endif
