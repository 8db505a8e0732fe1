/* limits.c — the rlimits every worker gets, whatever cgroups the host offers (cgroup.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wl_limits.h"

int wl_limits_apply(const struct wl_opts *o, struct wl_error *e)
{
    struct { int res; const char *name; unsigned long long v; } l[] = {
        /* soft == hard: at the hard limit the kernel sends SIGKILL, nothing to catch */
        { RLIMIT_CPU, "RLIMIT_CPU", o->cpu_ms / 1000 + (o->cpu_ms % 1000 != 0) },   /* no overflow */
        { RLIMIT_AS, "RLIMIT_AS", o->memory_bytes },
        { RLIMIT_FSIZE, "RLIMIT_FSIZE", o->fsize_bytes },
        { RLIMIT_NPROC, "RLIMIT_NPROC", o->pids },
        /* 1, not 0: a piped core_pattern (systemd-coredump, apport) ignores 0 and would feed
         * the sandbox's memory to a root helper on the host; the kernel refuses pipe dumps at
         * exactly 1, and file dumps below one page */
        { RLIMIT_CORE, "RLIMIT_CORE", 1 },
        { RLIMIT_STACK, "RLIMIT_STACK", o->stack_bytes },
        { RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK", 0 },
        { RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE", 0 },
        /* last: the exec fd (1000) already exists; no fd >= nofile can ever be made again */
        { RLIMIT_NOFILE, "RLIMIT_NOFILE", o->nofile },
    };
    for (size_t i = 0; i < sizeof l / sizeof *l; i++) {
        struct rlimit r = { .rlim_cur = l[i].v, .rlim_max = l[i].v };
        if (setrlimit(l[i].res, &r) < 0)
            return wl_fail(e, "limits", errno, "setrlimit %s=%llu", l[i].name, l[i].v);
    }
    return 0;
}
