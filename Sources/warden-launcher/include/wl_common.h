/* Shared types of warden-launcher: the options of `run` and the error record
 * that every confinement stage fills when it fails. */
#ifndef WL_COMMON_H
#define WL_COMMON_H

#include <stddef.h>
#include <sys/types.h>

#define WL_MAX_BINDS 32
#define WL_MAX_PASS_FDS 16
#define WL_EXEC_FD 1000          /* the interpreter's fd; the only one execveat accepts */
#define WL_SANDBOX_ID 1000       /* uid and gid inside the user namespace */
#define WL_CHILD_FILTER_FD 6     /* --child-seccomp: the strict filter, for a fork server's children */
#define WL_JANITOR_FILTER_FD 7   /* --janitor-seccomp: what a fork server's janitor stacks */

/* One stage failure. Written whole to a pipe (< PIPE_BUF, so atomic). */
struct wl_error {
    char stage[16];              /* userns|mounts|limits|caps|seccomp|exec|cgroup|fds */
    int err;                     /* errno, 0 if none applies */
    char message[236];
};

struct wl_opts {
    unsigned long uid, gid;                      /* host ids the sandbox maps to */
    const char *seccomp_path;
    const char *child_seccomp_path;              /* handed over on WL_CHILD_FILTER_FD, not loaded */
    const char *janitor_seccomp_path;            /* handed over on WL_JANITOR_FILTER_FD, not loaded */
    const char *python;
    char python_real[4096];                      /* --python with symlinks resolved */
    const char *bind_ro[WL_MAX_BINDS];
    int n_bind;
    const char *runner_dir, *profile_dir;
    unsigned long long tmp_bytes, cpu_ms, memory_bytes, nofile, fsize_bytes, stack_bytes, pids;
    const char *cgroup_name;
    int cgroup_optional;                         /* --cgroup-policy optional: rlimits alone are accepted */
    const char *cgroup_parent;                   /* v2: where worker cgroups go (set up by cgroup-probe) */
    int pass_fd[WL_MAX_PASS_FDS];
    int n_pass;
    char **py_argv;                              /* argv for the interpreter, argv[0] = python_real */
    void *bpf;                                   /* the precompiled filter, read before clone */
    size_t bpf_len;
};

/* Fill *e (stage, errno, printf-style message) and return -1. Also logs to stderr. */
int wl_fail(struct wl_error *e, const char *stage, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
