/* warden-launcher — starts one confined Python worker.
 *
 *   warden-launcher compile-seccomp --policy FILE --output FILE.bpf [--zygote]
 *   warden-launcher run [options] -- PYTHON_ARGS...
 *   warden-launcher selftest [options] [-- PYTHON_ARGS...]
 *
 * `run`: descriptors on entry: 0 request (child's stdin), 1 child's stdout, 2 diagnostics,
 * 3 result pipe (child writes), 4 status pipe (only this parent writes: one JSON line).
 * The chain, each step failing loudly with its stage name and stopping everything after it:
 *   [parent] cgroup -> clone(new namespaces) -> uid/gid maps -> release child
 *   [child]  userns (uid 1000) -> mounts (pivot_root, read-only) -> fds -> exec fd 1000
 *            -> limits -> environment -> caps + no_new_privs -> seccomp -> execveat(1000)
 *   [parent] wait4 -> status JSON on fd 4 -> remove cgroup. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wl_caps.h"
#include "wl_common.h"
#include "wl_fds.h"
#include "wl_limits.h"
#include "wl_mounts.h"
#include "wl_seccomp.h"
#include "wl_userns.h"

int wl_fail(struct wl_error *e, const char *stage, int err, const char *fmt, ...)
{
    va_list ap;
    memset(e, 0, sizeof *e);
    snprintf(e->stage, sizeof e->stage, "%s", stage);
    e->err = err;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    fprintf(stderr, "warden-launcher: %s: %s: %s\n", stage, e->message, err ? strerror(err) : "failed");
    return -1;
}

static int usage(const char *msg)
{
    fprintf(stderr, "warden-launcher: %s\n"
            "usage: warden-launcher compile-seccomp --policy FILE --output FILE.bpf [--zygote]\n"
            "       warden-launcher run|selftest --uid N --gid N --seccomp FILE.bpf --python PATH\n"
            "           [--bind-ro PATH]... [--runner-dir DIR] [--profile-dir DIR] [--tmp-bytes N]\n"
            "           [--cpu-ms N] [--memory-bytes N] [--nofile N] [--fsize-bytes N]\n"
            "           [--stack-bytes N] [--pids N] [--cgroup-name NAME [--cgroup-policy required|optional] [--cgroup-parent DIR]] [--pass-fd N]...\n"
            "           [--child-seccomp FILE.bpf] -- PYTHON_ARGS...\n"
            "       warden-launcher cgroup-probe --cgroup-name NAME [--supervisor PID]\n",
            msg);
    return 2;
}

static int num(const char *s, unsigned long long *out)
{
    char *end;
    errno = 0;
    if (!s || !isdigit((unsigned char)*s))   /* strtoull takes " -1" and "+1": digits only */
        return -1;
    *out = strtoull(s, &end, 10);
    return (errno || *end) ? -1 : 0;
}

static int parse_run_opts(int argc, char **argv, struct wl_opts *o)
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
            return usage("option needs a value");
        if (!strcmp(a, "--uid")) { if (num(val, &v) < 0) return usage("bad --uid"); o->uid = v; have_uid = 1; }
        else if (!strcmp(a, "--gid")) { if (num(val, &v) < 0) return usage("bad --gid"); o->gid = v; have_gid = 1; }
        else if (!strcmp(a, "--seccomp")) o->seccomp_path = val;
        else if (!strcmp(a, "--child-seccomp")) {
            if (o->child_seccomp_path) return usage("--child-seccomp given twice");
            if (o->n_pass >= WL_MAX_PASS_FDS) return usage("too many --pass-fd and --child-seccomp");
            o->child_seccomp_path = val;
            o->pass_fd[o->n_pass++] = WL_CHILD_FILTER_FD;
        }
        else if (!strcmp(a, "--python")) o->python = val;
        else if (!strcmp(a, "--bind-ro")) {
            if (o->n_bind >= WL_MAX_BINDS) return usage("too many --bind-ro");
            o->bind_ro[o->n_bind++] = val;
        }
        else if (!strcmp(a, "--runner-dir")) o->runner_dir = val;
        else if (!strcmp(a, "--profile-dir")) o->profile_dir = val;
        else if (!strcmp(a, "--cgroup-name")) o->cgroup_name = val;
        else if (!strcmp(a, "--cgroup-parent")) o->cgroup_parent = val;
        else if (!strcmp(a, "--cgroup-policy")) {
            if (strcmp(val, "required") && strcmp(val, "optional")) return usage("--cgroup-policy must be required or optional");
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
            if (num(val, &v) < 0 || v < 5 || v >= WL_EXEC_FD) return usage("--pass-fd must be 5..999 (0-3 are always kept, 4 is the status pipe)");
            if (o->n_pass >= WL_MAX_PASS_FDS) return usage("too many --pass-fd");
            o->pass_fd[o->n_pass++] = (int)v;
        }
        else {
            fprintf(stderr, "warden-launcher: unknown option %s\n", a);
            return usage("bad arguments");
        }
        if (nump && num(val, nump) < 0) {
            fprintf(stderr, "warden-launcher: %s needs a non-negative integer\n", a);
            return usage("bad arguments");
        }
    }
    if (!have_uid || !have_gid || !o->seccomp_path || !o->python)
        return usage("--uid, --gid, --seccomp and --python are required");
    /* The sandbox must map to an unprivileged host id that is not ours (DESIGN §9). */
    if (o->uid == 0 || o->gid == 0 || o->uid == getuid() || o->gid == getgid() ||
        o->uid > 0xfffffffeUL || o->gid > 0xfffffffeUL)
        return usage("--uid/--gid must be non-zero and differ from the launcher's own ids");
    if (o->nofile < 8 || o->nofile > WL_EXEC_FD)
        return usage("--nofile must be 8..1000 (the exec fd 1000 must stay out of reach)");
    if (o->cpu_ms == 0 || o->memory_bytes == 0 || o->pids == 0 || o->tmp_bytes == 0)
        return usage("limits must be non-zero");
    if (!realpath(o->python, o->python_real)) {
        fprintf(stderr, "warden-launcher: cannot resolve --python %s: %s\n", o->python, strerror(errno));
        return usage("bad --python");
    }
    /* /runner and /profile sources may be given relative or through symlinks */
    static char runner_real[4096], profile_real[4096];
    if (o->runner_dir && !(o->runner_dir = realpath(o->runner_dir, runner_real)))
        return usage("cannot resolve --runner-dir");
    if (o->profile_dir && !(o->profile_dir = realpath(o->profile_dir, profile_real)))
        return usage("cannot resolve --profile-dir");
    /* argv for the interpreter: its real path first (Python derives its prefix from it) */
    char **rest = (i < argc) ? &argv[i + 1] : default_args;
    if (i < argc && !*rest)
        rest = default_args;
    int n = 0;
    while (rest[n])
        n++;
    o->py_argv = calloc(n + 2, sizeof(char *));
    if (!o->py_argv)
        return usage("out of memory");
    o->py_argv[0] = o->python_real;
    memcpy(o->py_argv + 1, rest, n * sizeof(char *));
    return 0;
}

/* ---- the child: every stage in order; the first failure is reported and ends it ---- */

static void child_main(const struct wl_opts *o, int sync_rd, int err_wr)
{
    struct wl_error e;
    char **envp;
    /* the parent's SIGPIPE ignore and clone-time block must not reach the interpreter */
    sigset_t none;
    sigemptyset(&none);
    signal(SIGPIPE, SIG_DFL);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (wl_userns_enter(sync_rd, &e) < 0) goto fail;
    if (wl_mounts_build(o, &e) < 0) goto fail;
    if (wl_fds_close_others(o, err_wr, &e) < 0) goto fail;        /* also closes fd 4 */
    if (wl_fds_open_exec(o->python_real, &e) < 0) goto fail;      /* before RLIMIT_NOFILE */
    if (wl_limits_apply(o, &e) < 0) goto fail;
    envp = wl_fds_clean_env();
    if (wl_caps_drop(&e) < 0) goto fail;                           /* + no_new_privs */
    /* signals to ourselves only: our pid is the interpreter's after exec (1, the namespace's
     * init). A fork server's own filter may lack SELF_PID: its children's filter has it. */
    if (wl_seccomp_set_self_pid(o->bpf, o->bpf_len, getpid(), !o->child_seccomp_path, &e) < 0) goto fail;
    if (wl_seccomp_load(o->bpf, o->bpf_len, &e) < 0) goto fail;
    syscall(SYS_execveat, WL_EXEC_FD, "", o->py_argv, envp, AT_EMPTY_PATH);
    wl_fail(&e, "exec", errno, "execveat %s", o->python_real);
fail:
    /* The parent learns the stage from this record; a successful exec closes the pipe. */
    if (write(err_wr, &e, sizeof e) < 0) { /* nothing more we can do */ }
    _exit(127);
}

/* ---- the parent ---- */

static volatile pid_t g_child = -1;

/* The supervisor's signal state is not ours: posix_spawn from a Dispatch thread hands down a
 * mask that blocks SIGTERM (the graceful stop would never arrive), and an inherited SIG_IGN
 * for SIGCHLD would make wait4 lose the status. Start from defaults, then ignore SIGPIPE:
 * a dead child or a gone supervisor must give EPIPE, not kill us before we clean up. */
static void reset_signals(void)
{
    struct sigaction dfl;
    sigset_t none;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; s++)
        if (s != SIGKILL && s != SIGSTOP)
            sigaction(s, &dfl, NULL);          /* EINVAL for libc-reserved ones: fine */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static void on_term(int sig)
{
    (void)sig;
    if (g_child > 0)
        kill(g_child, SIGKILL);   /* everything in its pid namespace dies with it */
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static void write_status(int fd, int have_status, int status, const struct rusage *ru,
                         const struct wl_error *err, const struct wl_cgroup *cg, int oom)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return;
    long long cpu_ms = ru ? (ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000LL +
                            (ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1000 : 0;
    fprintf(f, "{\"exit_code\": ");
    if (have_status && WIFEXITED(status)) fprintf(f, "%d", WEXITSTATUS(status)); else fprintf(f, "null");
    fprintf(f, ", \"signal\": ");
    if (have_status && WIFSIGNALED(status)) fprintf(f, "%d", WTERMSIG(status)); else fprintf(f, "null");
    fprintf(f, ", \"cpu_ms\": %lld, \"max_rss_kb\": %ld, \"cgroup\": \"%s\", \"oom_killed\": %s, \"error\": ",
            cpu_ms, ru ? ru->ru_maxrss : 0L, wl_cgroup_kind(cg), oom ? "true" : "false");
    if (err) {
        fprintf(f, "{\"stage\": ");
        json_str(f, err->stage);
        fprintf(f, ", \"errno\": %d, \"message\": ", err->err);
        json_str(f, err->message);
        fprintf(f, "}");
    } else {
        fprintf(f, "null");
    }
    fprintf(f, "}\n");
    fclose(f);
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, buf + off, len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        off += n;
    }
    free(buf);
}

static int do_run(struct wl_opts *o, int status_fd)
{
    struct wl_error e;
    struct wl_cgroup cg;
    memset(&cg, 0, sizeof cg);
    int sync_p[2] = { -1, -1 }, err_p[2] = { -1, -1 };
    reset_signals();

    /* The supervisor's descriptors must all be there, or the wrong file could be written. */
    for (int fd = 0; fd <= 4; fd++)
        if (fcntl(fd, F_GETFD) < 0) {
            fprintf(stderr, "warden-launcher: descriptor %d is not open (need 0-4)\n", fd);
            return 2;
        }
    /* A fork server's children stack the strict filter: it reaches the interpreter on a pipe. */
    if (o->child_seccomp_path && wl_seccomp_hand_over(o->child_seccomp_path, WL_CHILD_FILTER_FD, &e) < 0) goto report;
    for (int i = 0; i < o->n_pass; i++)
        if (fcntl(o->pass_fd[i], F_GETFD) < 0)
            return usage("a --pass-fd descriptor is not open");

    if (wl_seccomp_read(o->seccomp_path, &o->bpf, &o->bpf_len, &e) < 0) goto report;
    /* no supplementary groups (root's group 0 would still be the kernel's to check) */
    if (setgroups(0, NULL) < 0) { wl_fail(&e, "userns", errno, "setgroups(0) in the launcher"); goto report; }
    if (wl_cgroup_enter(o, &cg, &e) < 0) goto report;
    if (pipe2(sync_p, O_CLOEXEC) < 0 || pipe2(err_p, O_CLOEXEC) < 0) {
        wl_fail(&e, "userns", errno, "pipe2");
        goto report;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;          /* no SA_RESTART: read/wait4 see EINTR and go on */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    /* held until g_child is set, so a stop request between clone and here is not lost */
    sigset_t term, old;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigaddset(&term, SIGINT);
    sigaddset(&term, SIGHUP);
    sigprocmask(SIG_BLOCK, &term, &old);

    pid_t pid = wl_userns_clone(&e);
    if (pid < 0) { sigprocmask(SIG_SETMASK, &old, NULL); wl_cgroup_leave(&cg); goto report; }
    if (pid == 0) {
        close(sync_p[1]);
        close(err_p[0]);
        child_main(o, sync_p[0], err_p[1]);
    }
    g_child = pid;
    sigprocmask(SIG_SETMASK, &old, NULL);
    close(sync_p[0]);
    close(err_p[1]);
    wl_cgroup_leave(&cg);              /* the child stays in it; we must not, to rmdir it */

    struct wl_error child_err;
    int have_err = 0;
    if (wl_userns_write_maps(pid, o->uid, o->gid, &e) < 0) {
        kill(pid, SIGKILL);
        child_err = e;
        have_err = 1;
    } else if (write(sync_p[1], "x", 1) != 1) {
        kill(pid, SIGKILL);
        wl_fail(&child_err, "userns", errno, "releasing the child");
        have_err = 1;
    }
    /* The child holds the request, stdout, result and passed fds: drop our copies so the
     * supervisor sees EOF exactly when the sandbox is gone. */
    close(0); close(1); close(3);
    for (int i = 0; i < o->n_pass; i++)
        close(o->pass_fd[i]);

    if (!have_err) {
        ssize_t n;
        do n = read(err_p[0], &child_err, sizeof child_err); while (n < 0 && errno == EINTR);
        if (n == (ssize_t)sizeof child_err) {
            child_err.stage[sizeof child_err.stage - 1] = '\0';
            child_err.message[sizeof child_err.message - 1] = '\0';
            have_err = 1;
        }
    }
    close(err_p[0]);

    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    pid_t w;
    /* Wait without reaping first: until it is reaped the pid cannot be reused, so on_term
     * can never SIGKILL a stranger that inherited the number. */
    siginfo_t si;
    while (waitid(P_PID, pid, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR) {}
    g_child = -1;
    do w = wait4(pid, &status, 0, &ru); while (w < 0 && errno == EINTR);
    close(sync_p[1]);
    int oom = wl_cgroup_oom_killed(&cg);
    wl_cgroup_remove(&cg);
    write_status(status_fd, w == pid, status, &ru, have_err ? &child_err : NULL, &cg, oom);
    return 0;

report:
    write_status(status_fd, 0, 0, NULL, &e, &cg, 0);
    wl_cgroup_remove(&cg);
    return 0;
}

/* selftest: run the interpreter confined with no request and report the result. */
static int do_selftest(struct wl_opts *o)
{
    int st[2];
    if (pipe2(st, O_CLOEXEC) < 0)
        return 1;
    pid_t p = fork();
    if (p == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0); dup2(null, 1); dup2(null, 3); dup2(st[1], 4);
        _exit(do_run(o, 4));
    }
    close(st[1]);
    char buf[4096] = { 0 };
    size_t off = 0;
    ssize_t n;
    while (off < sizeof buf - 1 && (n = read(st[0], buf + off, sizeof buf - 1 - off)) > 0)
        off += n;
    int ws;
    waitpid(p, &ws, 0);
    buf[strcspn(buf, "\n")] = '\0';
    const char *hint = "ok";
    int ok = strstr(buf, "\"exit_code\": 0,") && strstr(buf, "\"error\": null");
    if (!ok) {
        if (strstr(buf, "\"stage\": \"userns\""))
            hint = "user namespaces are blocked: check sysctl kernel.unprivileged_userns_clone and "
                   "user.max_user_namespaces, AppArmor (Ubuntu >= 23.10: kernel.apparmor_restrict_unprivileged_userns), "
                   "or the container's seccomp profile (Docker's default blocks clone/unshare with namespaces)";
        else if (strstr(buf, "\"stage\": \"mounts\""))
            hint = "mounting inside the user namespace failed: a container may need --security-opt "
                   "seccomp=unconfined/apparmor=unconfined, and the bind paths must exist";
        else if (strstr(buf, "\"stage\": \"seccomp\""))
            hint = "recompile the filter with `warden-launcher compile-seccomp` on this machine";
        else if (strstr(buf, "\"stage\": \"exec\""))
            hint = "the interpreter is not visible inside the sandbox: bind its prefix (e.g. --bind-ro /usr)";
        else if (strstr(buf, "\"signal\": 31") || strstr(buf, "\"exit_code\": 1"))
            hint = "the interpreter started but a syscall it needs is denied: compare sandbox-profiles/seccomp.policy with strace";
        else
            hint = "see the status and stderr";
    }
    printf("{\"ok\": %s, \"status\": %s, \"hint\": ", ok ? "true" : "false", buf[0] ? buf : "null");
    json_str(stdout, hint);
    printf("}\n");
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage("missing command");
    if (strcmp(argv[1], "compile-seccomp") == 0) {
        const char *policy = NULL, *out = NULL;
        int zygote = 0;
        for (int i = 2; i < argc; i++) {
            if (!strcmp(argv[i], "--zygote")) zygote = 1;
            else if (i + 1 < argc && !strcmp(argv[i], "--policy")) policy = argv[++i];
            else if (i + 1 < argc && !strcmp(argv[i], "--output")) out = argv[++i];
            else return usage("unknown option for compile-seccomp");
        }
        if (!policy || !out)
            return usage("compile-seccomp needs --policy and --output");
        return wl_seccomp_compile(policy, out, zygote);
    }
    if (strcmp(argv[1], "cgroup-probe") == 0) {
        struct wl_opts o;
        unsigned long long supervisor = 0;
        memset(&o, 0, sizeof o);
        if ((argc != 4 && argc != 6) || strcmp(argv[2], "--cgroup-name") ||
            (argc == 6 && (strcmp(argv[4], "--supervisor") || num(argv[5], &supervisor) < 0)))
            return usage("cgroup-probe needs --cgroup-name NAME [--supervisor PID]");
        o.cgroup_name = argv[3];
        o.memory_bytes = 64 << 20;   /* limits the probe itself is under while it is inside */
        o.pids = 16;
        o.cpu_ms = 1000;
        return wl_cgroup_probe(&o, (pid_t)supervisor);
    }
    if (strcmp(argv[1], "run") == 0 || strcmp(argv[1], "selftest") == 0) {
        struct wl_opts o;
        int rc = parse_run_opts(argc, argv, &o);
        if (rc)
            return rc;
        return argv[1][0] == 'r' ? do_run(&o, 4) : do_selftest(&o);
    }
    return usage("unknown command");
}
