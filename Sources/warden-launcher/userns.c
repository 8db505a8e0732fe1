/* userns.c — the namespaces: clone the child into new user/pid/mount/net/ipc/uts/cgroup
 * namespaces, map its uid/gid 1000 to one unprivileged host id, and switch to it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wl_caps.h"
#include "wl_userns.h"

pid_t wl_userns_clone(struct wl_error *e)
{
    /* Raw clone without a new stack behaves like fork(): the child continues here.
     * The launcher is single-threaded (freshly exec'd), so this is safe. */
    long pid = syscall(SYS_clone, (unsigned long)(WL_CLONE_FLAGS | SIGCHLD), NULL, NULL, NULL, 0UL);
    if (pid < 0)
        return wl_fail(e, "userns", errno, "clone with new namespaces failed "
                       "(user namespaces blocked? see kernel.unprivileged_userns_clone, "
                       "user.max_user_namespaces, AppArmor, container seccomp)");
    return (pid_t)pid;
}

static int write_file(pid_t pid, const char *name, const char *text, struct wl_error *e)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return wl_fail(e, "userns", errno, "open %s", path);
    ssize_t n = write(fd, text, strlen(text));
    int saved = errno;
    close(fd);
    if (n != (ssize_t)strlen(text))
        return wl_fail(e, "userns", n < 0 ? saved : EIO, "write '%s' to %s", text, path);
    return 0;
}

int wl_userns_write_maps(pid_t child, unsigned long uid, unsigned long gid, struct wl_error *e)
{
    char line[64];
    /* deny setgroups inside: the child's (empty) supplementary groups stay empty */
    if (write_file(child, "setgroups", "deny", e) < 0)
        return -1;
    snprintf(line, sizeof line, "%d %lu 1\n", WL_SANDBOX_ID, gid);
    if (write_file(child, "gid_map", line, e) < 0)
        return -1;
    snprintf(line, sizeof line, "%d %lu 1\n", WL_SANDBOX_ID, uid);
    return write_file(child, "uid_map", line, e);
}

/* The parent keeps the write end of sync pipe open while it lives: POLLHUP means it is gone. */
static int parent_alive(int sync_rd)
{
    struct pollfd p = { .fd = sync_rd, .events = POLLIN };
    if (poll(&p, 1, 0) < 0)
        return 0;
    return !(p.revents & (POLLHUP | POLLERR));
}

int wl_userns_enter(int sync_rd, struct wl_error *e)
{
    char c;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
        return wl_fail(e, "userns", errno, "PR_SET_PDEATHSIG");
    /* A session and process group of our own: kill(0, sig) acts on the caller's process
     * group even across pid namespaces, and SIGCONT needs no permission within a session,
     * so sharing the supervisor's would let the sandbox signal host processes. */
    if (setsid() < 0)
        return wl_fail(e, "userns", errno, "setsid");
    /* Block until the parent has written our maps. EOF: the parent died first. */
    ssize_t n;
    do n = read(sync_rd, &c, 1); while (n < 0 && errno == EINTR);
    if (n != 1)
        return wl_fail(e, "userns", n < 0 ? errno : EPIPE, "parent gone before releasing the child");

    if (prctl(PR_SET_KEEPCAPS, 1) < 0)
        return wl_fail(e, "userns", errno, "PR_SET_KEEPCAPS");
    if (setresgid(WL_SANDBOX_ID, WL_SANDBOX_ID, WL_SANDBOX_ID) < 0)
        return wl_fail(e, "userns", errno, "setresgid(%d)", WL_SANDBOX_ID);
    if (setresuid(WL_SANDBOX_ID, WL_SANDBOX_ID, WL_SANDBOX_ID) < 0)
        return wl_fail(e, "userns", errno, "setresuid(%d)", WL_SANDBOX_ID);
    /* the namespace capabilities are still needed for the mounts */
    if (wl_caps_raise_effective(e) < 0)
        return -1;
    /* A credential change clears the parent-death signal: arm it again, then make sure
     * the parent did not die in between (it would never deliver the signal). */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
        return wl_fail(e, "userns", errno, "PR_SET_PDEATHSIG after setresuid");
    if (!parent_alive(sync_rd))
        return wl_fail(e, "userns", ESRCH, "parent died during setup");
    close(sync_rd);

    if (sethostname("warden", 6) < 0)
        return wl_fail(e, "userns", errno, "sethostname");
    return 0;
}
