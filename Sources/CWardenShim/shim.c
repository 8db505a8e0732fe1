#define _GNU_SOURCE
#include "CWardenShim.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int warden_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

int warden_socketpair_cloexec(int fds[2]) {
    return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds);
}

int warden_spawn(const char *path, char *const argv[], char *const envp[], const int *child_fds, int count,
                 pid_t *pid) {
    posix_spawn_file_actions_t actions;
    int rc = posix_spawn_file_actions_init(&actions);
    if (rc != 0) return rc;
    /* Copy every source above all of them first, so no dup2 clobbers a source not yet moved. */
    int base = count;
    for (int i = 0; i < count; i++)
        if (child_fds[i] >= base) base = child_fds[i] + 1;
    for (int i = 0; i < count && rc == 0; i++)
        rc = posix_spawn_file_actions_adddup2(&actions, child_fds[i], base + i);
    for (int i = 0; i < count && rc == 0; i++)
        rc = posix_spawn_file_actions_adddup2(&actions, base + i, i);
    if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&actions, count);
    /* The calling thread's signal mask and handlers are the supervisor's business, not the
       launcher's: start it with nothing blocked, default handlers, and its own process group. */
    posix_spawnattr_t attributes;
    if (rc == 0) rc = posix_spawnattr_init(&attributes);
    if (rc != 0) {
        posix_spawn_file_actions_destroy(&actions);
        return rc;
    }
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    rc = posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
    if (rc == 0) rc = posix_spawnattr_setsigmask(&attributes, &none);
    if (rc == 0) rc = posix_spawnattr_setsigdefault(&attributes, &all);
    if (rc == 0) rc = posix_spawnattr_setpgroup(&attributes, 0);
    char *const empty_env[] = { NULL };
    if (rc == 0) rc = posix_spawn(pid, path, &actions, &attributes, argv, envp ? envp : empty_env);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    return rc;
}

int warden_send_fds(int sock, const int *fds, int count)
{
    char tag = 'R';
    struct iovec iov = { .iov_base = &tag, .iov_len = 1 };
    union {
        char buf[CMSG_SPACE(sizeof(int) * 8)];
        struct cmsghdr align;
    } control;
    if (count < 1 || count > 8)
        return EINVAL;
    memset(&control, 0, sizeof control);
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                          .msg_controllen = CMSG_SPACE(sizeof(int) * count) };
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * count);
    memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * count);
    ssize_t n;
    do n = sendmsg(sock, &msg, MSG_NOSIGNAL); while (n < 0 && errno == EINTR);
    return n == 1 ? 0 : (n < 0 ? errno : EIO);
}

int warden_has_exited(pid_t pid) {
    siginfo_t info = { 0 };
    if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT | WNOHANG) != 0) return errno == ECHILD;
    return info.si_pid == pid;
}
