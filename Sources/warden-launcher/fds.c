/* fds.c — descriptors and environment: close everything the child was not explicitly
 * given, park the interpreter at fd 1000 (close-on-exec), and empty the environment. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wl_fds.h"

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

int wl_fds_close_others(const struct wl_opts *o, int extra, struct wl_error *e)
{
    int keep[WL_MAX_PASS_FDS + 5], n = 0;
    for (int fd = 0; fd <= 3; fd++)
        keep[n++] = fd;
    for (int i = 0; i < o->n_pass; i++)
        keep[n++] = o->pass_fd[i];
    if (extra >= 0)
        keep[n++] = extra;
    qsort(keep, n, sizeof *keep, cmp_int);
    /* close the gaps between kept descriptors, then everything above the last one */
    unsigned lo = 0;
    for (int i = 0; i < n; i++) {
        if ((unsigned)keep[i] > lo && syscall(SYS_close_range, lo, (unsigned)keep[i] - 1, 0) < 0)
            return wl_fail(e, "exec", errno, "close_range %u-%d", lo, keep[i] - 1);
        lo = (unsigned)keep[i] + 1;
    }
    if (syscall(SYS_close_range, lo, ~0U, 0) < 0)
        return wl_fail(e, "exec", errno, "close_range %u-max", lo);
    return 0;
}

int wl_fds_open_exec(const char *path, struct wl_error *e)
{
    /* O_PATH is enough for execveat(AT_EMPTY_PATH); the path is resolved in the new root,
     * so what runs is what the sandbox sees (on a read-only, nosuid mount). */
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0)
        return wl_fail(e, "exec", errno, "open interpreter %s inside the sandbox", path);
    if (dup3(fd, WL_EXEC_FD, O_CLOEXEC) < 0)
        return wl_fail(e, "exec", errno, "dup3 interpreter to fd %d", WL_EXEC_FD);
    close(fd);
    return 0;
}

char **wl_fds_clean_env(void)
{
    static char *env[] = { "PATH=/usr/bin", "LANG=C.UTF-8", "PYTHONDONTWRITEBYTECODE=1", NULL };
    clearenv();
    return env;
}
