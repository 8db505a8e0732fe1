#ifndef CWARDENSHIM_H
#define CWARDENSHIM_H

#include <sys/types.h>

/// pipe2(O_CLOEXEC), which Swift's Glibc module does not expose.
int warden_pipe_cloexec(int fds[2]);

/// socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC): the worker's egress channel.
int warden_socketpair_cloexec(int fds[2]);

/// Starts `path` with `argv` and `envp` (NULL: an empty environment). `child_fds[i]` becomes
/// descriptor i in the child (for i < count); every other descriptor is closed in the child.
/// Returns 0 and the pid, or an errno value. posix_spawn, never fork: the supervisor is
/// multithreaded.
int warden_spawn(const char *path, char *const argv[], char *const envp[], const int *child_fds, int count,
                 pid_t *pid);

/// Sends one byte 'R' with `fds` attached (SCM_RIGHTS): a fork server's next execution.
/// Returns 0 or an errno value.
int warden_send_fds(int sock, const int *fds, int count);

/// Whether the child `pid` has ended (or is not ours to wait for), without reaping it: its pid
/// stays reserved until the caller reaps it.
int warden_has_exited(pid_t pid);

#endif
