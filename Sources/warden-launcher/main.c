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
#include "wl_cgroup.h"
#include "wl_limits.h"
#include "wl_opts.h"
#include "wl_report.h"
#include "wl_mounts.h"
#include "wl_seccomp.h"
#include "wl_userns.h"

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
    if (o->child_seccomp_path && wl_seccomp_hand_over(o->child_seccomp_path, WL_CHILD_FILTER_FD, 1, &e) < 0) goto report;
    /* ...and its janitor stacks one that takes away forking, waiting and signalling. */
    if (o->janitor_seccomp_path && wl_seccomp_hand_over(o->janitor_seccomp_path, WL_JANITOR_FILTER_FD, 0, &e) < 0)
        goto report;
    for (int i = 0; i < o->n_pass; i++)
        if (fcntl(o->pass_fd[i], F_GETFD) < 0)
            return wl_usage("a --pass-fd descriptor is not open");

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
    wl_write_status(status_fd, w == pid, status, &ru, have_err ? &child_err : NULL, &cg, oom);
    return 0;

report:
    wl_write_status(status_fd, 0, 0, NULL, &e, &cg, 0);
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
    wl_json_str(stdout, hint);
    printf("}\n");
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return wl_usage("missing command");
    if (strcmp(argv[1], "compile-seccomp") == 0) {
        const char *policy = NULL, *out = NULL;
        enum wl_filter_kind kind = WL_FILTER_STRICT;
        for (int i = 2; i < argc; i++) {
            if (!strcmp(argv[i], "--zygote")) kind = WL_FILTER_ZYGOTE;
            else if (!strcmp(argv[i], "--janitor")) kind = WL_FILTER_JANITOR;
            else if (i + 1 < argc && !strcmp(argv[i], "--policy")) policy = argv[++i];
            else if (i + 1 < argc && !strcmp(argv[i], "--output")) out = argv[++i];
            else return wl_usage("unknown option for compile-seccomp");
        }
        if (!policy || !out)
            return wl_usage("compile-seccomp needs --policy and --output");
        return wl_seccomp_compile(policy, out, kind);
    }
    if (strcmp(argv[1], "cgroup-probe") == 0) {
        struct wl_opts o;
        unsigned long long supervisor = 0;
        memset(&o, 0, sizeof o);
        if ((argc != 4 && argc != 6) || strcmp(argv[2], "--cgroup-name") ||
            (argc == 6 && (strcmp(argv[4], "--supervisor") || wl_number(argv[5], &supervisor) < 0)))
            return wl_usage("cgroup-probe needs --cgroup-name NAME [--supervisor PID]");
        o.cgroup_name = argv[3];
        o.memory_bytes = 64 << 20;   /* limits the probe itself is under while it is inside */
        o.pids = 16;
        o.cpu_ms = 1000;
        return wl_cgroup_probe(&o, (pid_t)supervisor);
    }
    if (strcmp(argv[1], "run") == 0 || strcmp(argv[1], "selftest") == 0) {
        struct wl_opts o;
        int rc = wl_parse_run_opts(argc, argv, &o);
        if (rc)
            return rc;
        return argv[1][0] == 'r' ? do_run(&o, 4) : do_selftest(&o);
    }
    return wl_usage("unknown command");
}
