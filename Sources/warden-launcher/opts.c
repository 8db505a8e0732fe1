/* opts.c — the command line of `run` and `selftest`: every option, checked before anything
 * is confined. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wl_opts.h"

int wl_usage(const char *msg)
{
    fprintf(stderr, "warden-launcher: %s\n"
            "usage: warden-launcher compile-seccomp --policy FILE --output FILE.bpf [--zygote | --janitor]\n"
            "       warden-launcher run|selftest --uid N --gid N --seccomp FILE.bpf --python PATH\n"
            "           [--bind-ro PATH]... [--runner-dir DIR] [--profile-dir DIR] [--tmp-bytes N]\n"
            "           [--cpu-ms N] [--memory-bytes N] [--nofile N] [--fsize-bytes N]\n"
            "           [--stack-bytes N] [--pids N] [--cgroup-name NAME [--cgroup-policy required|optional] [--cgroup-parent DIR]] [--pass-fd N]...\n"
            "           [--child-seccomp FILE.bpf] [--janitor-seccomp FILE.bpf] -- PYTHON_ARGS...\n"
            "       warden-launcher cgroup-probe --cgroup-name NAME [--supervisor PID]\n",
            msg);
    return 2;
}

int wl_number(const char *s, unsigned long long *out)
{
    char *end;
    errno = 0;
    if (!s || !isdigit((unsigned char)*s))   /* strtoull takes " -1" and "+1": digits only */
        return -1;
    *out = strtoull(s, &end, 10);
    return (errno || *end) ? -1 : 0;
}

int wl_parse_run_opts(int argc, char **argv, struct wl_opts *o)
{
    static char *default_args[] = { "-I", "-S", "-c", "pass", NULL };
    unsigned long long v, have_uid = 0, have_gid = 0;
    memset(o, 0, sizeof *o);
    o->tmp_bytes = 16 << 20; o->cpu_ms = 5000; o->memory_bytes = 256 << 20; o->nofile = 64;
    o->fsize_bytes = 16 << 20; o->stack_bytes = 8 << 20; o->pids = 8;
    int i = 2;
    for (; i < argc && strcmp(argv[i], "--") != 0; i += 2) {   /* every option takes a value */
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long long *nump = NULL;
        if (!val)
            return wl_usage("option needs a value");
        if (!strcmp(a, "--uid")) { if (wl_number(val, &v) < 0) return wl_usage("bad --uid"); o->uid = v; have_uid = 1; }
        else if (!strcmp(a, "--gid")) { if (wl_number(val, &v) < 0) return wl_usage("bad --gid"); o->gid = v; have_gid = 1; }
        else if (!strcmp(a, "--seccomp")) o->seccomp_path = val;
        else if (!strcmp(a, "--child-seccomp")) {
            if (o->child_seccomp_path) return wl_usage("--child-seccomp given twice");
            if (o->n_pass >= WL_MAX_PASS_FDS) return wl_usage("too many --pass-fd and --child-seccomp");
            o->child_seccomp_path = val;
            o->pass_fd[o->n_pass++] = WL_CHILD_FILTER_FD;
        }
        else if (!strcmp(a, "--janitor-seccomp")) {
            if (o->janitor_seccomp_path) return wl_usage("--janitor-seccomp given twice");
            if (o->n_pass >= WL_MAX_PASS_FDS) return wl_usage("too many --pass-fd and --janitor-seccomp");
            o->janitor_seccomp_path = val;
            o->pass_fd[o->n_pass++] = WL_JANITOR_FILTER_FD;
        }
        else if (!strcmp(a, "--python")) o->python = val;
        else if (!strcmp(a, "--bind-ro")) {
            if (o->n_bind >= WL_MAX_BINDS) return wl_usage("too many --bind-ro");
            o->bind_ro[o->n_bind++] = val;
        }
        else if (!strcmp(a, "--runner-dir")) o->runner_dir = val;
        else if (!strcmp(a, "--profile-dir")) o->profile_dir = val;
        else if (!strcmp(a, "--cgroup-name")) o->cgroup_name = val;
        else if (!strcmp(a, "--cgroup-parent")) o->cgroup_parent = val;
        else if (!strcmp(a, "--cgroup-policy")) {
            if (strcmp(val, "required") && strcmp(val, "optional")) return wl_usage("--cgroup-policy must be required or optional");
            o->cgroup_optional = !strcmp(val, "optional");
        }
        else if (!strcmp(a, "--tmp-bytes")) nump = &o->tmp_bytes;
        else if (!strcmp(a, "--cpu-ms")) nump = &o->cpu_ms;
        else if (!strcmp(a, "--memory-bytes")) nump = &o->memory_bytes;
        else if (!strcmp(a, "--nofile")) nump = &o->nofile;
        else if (!strcmp(a, "--fsize-bytes")) nump = &o->fsize_bytes;
        else if (!strcmp(a, "--stack-bytes")) nump = &o->stack_bytes;
        else if (!strcmp(a, "--pids")) nump = &o->pids;
        else if (!strcmp(a, "--pass-fd")) {
            if (wl_number(val, &v) < 0 || v < 5 || v >= WL_EXEC_FD) return wl_usage("--pass-fd must be 5..999 (0-3 are always kept, 4 is the status pipe)");
            if (o->n_pass >= WL_MAX_PASS_FDS) return wl_usage("too many --pass-fd");
            o->pass_fd[o->n_pass++] = (int)v;
        }
        else {
            fprintf(stderr, "warden-launcher: unknown option %s\n", a);
            return wl_usage("bad arguments");
        }
        if (nump && wl_number(val, nump) < 0) {
            fprintf(stderr, "warden-launcher: %s needs a non-negative integer\n", a);
            return wl_usage("bad arguments");
        }
    }
    if (!have_uid || !have_gid || !o->seccomp_path || !o->python)
        return wl_usage("--uid, --gid, --seccomp and --python are required");
    /* The sandbox must map to an unprivileged host id that is not ours (docs/design.md §9). */
    if (o->uid == 0 || o->gid == 0 || o->uid == getuid() || o->gid == getgid() ||
        o->uid > 0xfffffffeUL || o->gid > 0xfffffffeUL)
        return wl_usage("--uid/--gid must be non-zero and differ from the launcher's own ids");
    if (o->nofile < 8 || o->nofile > WL_EXEC_FD)
        return wl_usage("--nofile must be 8..1000 (the exec fd 1000 must stay out of reach)");
    if (o->cpu_ms == 0 || o->memory_bytes == 0 || o->pids == 0 || o->tmp_bytes == 0)
        return wl_usage("limits must be non-zero");
    if (!realpath(o->python, o->python_real)) {
        fprintf(stderr, "warden-launcher: cannot resolve --python %s: %s\n", o->python, strerror(errno));
        return wl_usage("bad --python");
    }
    /* /runner and /profile sources may be given relative or through symlinks */
    static char runner_real[4096], profile_real[4096];
    if (o->runner_dir && !(o->runner_dir = realpath(o->runner_dir, runner_real)))
        return wl_usage("cannot resolve --runner-dir");
    if (o->profile_dir && !(o->profile_dir = realpath(o->profile_dir, profile_real)))
        return wl_usage("cannot resolve --profile-dir");
    /* argv for the interpreter: its real path first (Python derives its prefix from it) */
    char **rest = (i < argc) ? &argv[i + 1] : default_args;
    if (i < argc && !*rest)
        rest = default_args;
    int n = 0;
    while (rest[n])
        n++;
    o->py_argv = calloc(n + 2, sizeof(char *));
    if (!o->py_argv)
        return wl_usage("out of memory");
    o->py_argv[0] = o->python_real;
    memcpy(o->py_argv + 1, rest, n * sizeof(char *));
    return 0;
}

/* ---- the child: every stage in order; the first failure is reported and ends it ---- */
