// Spawns one sandboxed run for the code-executor: vfork, then in the child (before it can fork)
// join the run's cgroups, set the rlimits, and execve the sandbox (bubblewrap). One C function,
// because between fork and exec only async-signal-safe system calls may run.
#ifndef CRUNSPAWN_SHIM_H
#define CRUNSPAWN_SHIM_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/// Starts `path` with `argv`/`envp` in a new process group. In the child, `fds[i]` becomes
/// descriptor i (i < nfds); "0" (itself) is written to each of `cgroup_fds` (opened cgroup.procs
/// files: the run's process is in its groups before it runs anything of its own); rlimit
/// `resources[i]` is set to `values[i]` (soft = hard); every signal gets its default action and
/// none is blocked. Every other descriptor must be close-on-exec. Returns 0 with `*pid` set, or the
/// errno of the step that failed (the child is reaped then); `*stage` says which step (1 fds,
/// 2 cgroup, 3 rlimit, 4 exec).
static inline int run_spawn(pid_t *pid, int *stage, const char *path, char *const argv[], char *const envp[],
                            const int *fds, int nfds, const int *cgroup_fds, int ncgroups,
                            const int *resources, const unsigned long long *values, int nlimits) {
    volatile int failure = 0;
    volatile int failed_stage = 0;
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    pid_t child = vfork();
    if (child == 0) {
        // Shares the parent's memory until execve: only system calls on values prepared before.
        for (int s = 1; s < 65; s++) {
            struct sigaction dfl;
            memset(&dfl, 0, sizeof dfl);
            dfl.sa_handler = SIG_DFL;
            sigaction(s, &dfl, 0);
        }
        setpgid(0, 0);
        int moved[64];
        if (nfds > 64) { failure = EINVAL; failed_stage = 1; _exit(127); }
        // Out of the way first, so a source that is also a target number is not overwritten early.
        for (int i = 0; i < nfds; i++) {
            moved[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 64);
            if (moved[i] < 0) { failure = errno; failed_stage = 1; _exit(127); }
        }
        for (int i = 0; i < nfds; i++) {
            if (dup2(moved[i], i) < 0) { failure = errno; failed_stage = 1; _exit(127); }
        }
        for (int i = 0; i < ncgroups; i++) {
            if (write(cgroup_fds[i], "0", 1) != 1) { failure = errno; failed_stage = 2; _exit(127); }
        }
        for (int i = 0; i < nlimits; i++) {
            struct rlimit limit = { (rlim_t)values[i], (rlim_t)values[i] };
            if (setrlimit(resources[i], &limit) != 0) { failure = errno; failed_stage = 3; _exit(127); }
        }
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, 0);
        execve(path, argv, envp);
        failure = errno;
        failed_stage = 4;
        _exit(127);
    }
    int err = child < 0 ? errno : 0;
    pthread_sigmask(SIG_SETMASK, &saved, 0);
    if (child < 0) { *stage = 0; return err; }
    if (failure != 0) {
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
        *stage = failed_stage;
        return failure;
    }
    *pid = child;
    *stage = 0;
    return 0;
}

/// A pidfd for `pid` (close-on-exec): readable once the process has exited, so a poll wakes at its end.
static inline int run_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

#endif
