/* seccomp.c — the syscall filter: compile a small text policy to raw BPF with libseccomp
 * (once, ahead of time), and load that BPF with the seccomp syscall (per execution).
 *
 * Policy lines ('#' starts a comment):
 *   default allow | kill | errno ENAME        (must come first)
 *   allow SYSCALL [COND...]
 *   kill  SYSCALL [COND...]
 *   errno SYSCALL ENAME [COND...]
 * COND is  argN OP VALUE  (OP: == != < <= > >=)  or  argN & MASK == VALUE.
 * VALUE may be SELF_PID: a placeholder the loader replaces with its own pid (see
 * wl_seccomp_set_self_pid), for signals aimed at the caller only.
 * Conditions of one line are ANDed; several lines for one syscall are ORed.
 * A rule prefixed with `zygote` is compiled only into the fork server's filter (--zygote):
 * each child stacks the filter without those rules before any tool code runs. Rules prefixed
 * with `janitor` alone make the janitor's filter (--janitor), which allows everything else: it
 * is stacked over the fork server's, so it can only take away. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wl_seccomp.h"

static const struct { const char *name; int v; } errnos[] = {
    { "EPERM", EPERM }, { "EACCES", EACCES }, { "ENOSYS", ENOSYS }, { "EINVAL", EINVAL },
    { "ENOENT", ENOENT }, { "EOPNOTSUPP", EOPNOTSUPP }, { "EAFNOSUPPORT", EAFNOSUPPORT },
};

static int parse_errno(const char *s)
{
    for (size_t i = 0; s && i < sizeof errnos / sizeof *errnos; i++)
        if (strcmp(s, errnos[i].name) == 0)
            return errnos[i].v;
    return -1;
}

static int parse_action(char **tok, int *i, int ntok, int is_default, uint32_t *act)
{
    const char *a = tok[(*i)++];
    if (strcmp(a, "allow") == 0) { *act = SCMP_ACT_ALLOW; return 0; }
    if (strcmp(a, "kill") == 0) { *act = SCMP_ACT_KILL_PROCESS; return 0; }
    if (strcmp(a, "errno") == 0) {
        /* default errno ENAME   |   errno SYSCALL ENAME */
        int at = is_default ? *i : *i + 1;
        int v = at < ntok ? parse_errno(tok[at]) : -1;
        if (v < 0)
            return -1;
        if (is_default)
            (*i)++;
        *act = SCMP_ACT_ERRNO(v);
        return 0;
    }
    return -1;
}

static int parse_value(const char *s, scmp_datum_t *v)
{
    char *end;
    if (strcmp(s, "SELF_PID") == 0) {
        *v = WL_SELF_PID;
        return 0;
    }
    *v = strtoull(s, &end, 0);
    return *end ? -1 : 0;
}

static int parse_cond(char **tok, int *i, int ntok, struct scmp_arg_cmp *c)
{
    unsigned arg;
    char *end;
    if (sscanf(tok[*i], "arg%u", &arg) != 1 || arg > 5)
        return -1;
    (*i)++;
    memset(c, 0, sizeof *c);
    c->arg = arg;
    if (*i < ntok && strcmp(tok[*i], "&") == 0) {           /* argN & MASK == V */
        if (*i + 3 >= ntok || strcmp(tok[*i + 2], "==") != 0)
            return -1;
        c->op = SCMP_CMP_MASKED_EQ;
        c->datum_a = strtoull(tok[*i + 1], &end, 0);
        if (*end) return -1;
        if (parse_value(tok[*i + 3], &c->datum_b) < 0) return -1;
        *i += 4;
        return 0;
    }
    if (*i + 1 >= ntok)
        return -1;
    static const struct { const char *s; enum scmp_compare op; } ops[] = {
        { "==", SCMP_CMP_EQ }, { "!=", SCMP_CMP_NE }, { "<", SCMP_CMP_LT },
        { "<=", SCMP_CMP_LE }, { ">", SCMP_CMP_GT }, { ">=", SCMP_CMP_GE },
    };
    c->op = 0;
    for (size_t k = 0; k < sizeof ops / sizeof *ops; k++)
        if (strcmp(tok[*i], ops[k].s) == 0)
            c->op = ops[k].op;
    if (!c->op)
        return -1;
    if (parse_value(tok[*i + 1], &c->datum_a) < 0)
        return -1;
    *i += 2;
    return 0;
}

int wl_seccomp_compile(const char *policy_path, const char *out_path, enum wl_filter_kind kind)
{
    FILE *f = fopen(policy_path, "re");
    if (!f) {
        fprintf(stderr, "warden-launcher: seccomp: open policy %s: %s\n", policy_path, strerror(errno));
        return 1;
    }
    scmp_filter_ctx ctx = NULL;
    char line[1024];
    int lineno = 0, rc = 1;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        /* a cut line would be read as two rules, the second without the first's conditions */
        if (!strchr(line, '\n') && !feof(f)) {
            fprintf(stderr, "warden-launcher: seccomp: %s:%d: line too long\n", policy_path, lineno);
            goto out;
        }
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *tok[32], *save = NULL;
        int ntok = 0;
        for (char *t = strtok_r(line, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
            if (ntok == 32)
                goto bad;   /* never drop a condition silently: that would widen the rule */
            tok[ntok++] = t;
        }
        if (ntok == 0)
            continue;
        int i = 0, skip = kind == WL_FILTER_JANITOR;
        if (strcmp(tok[0], "zygote") == 0 || strcmp(tok[0], "janitor") == 0) {
            /* parsed all the same, so a typo shows in every filter */
            skip = strcmp(tok[0], "zygote") == 0 ? kind != WL_FILTER_ZYGOTE : kind != WL_FILTER_JANITOR;
            i = 1;
            if (ntok < 3 || strcmp(tok[1], "default") == 0)
                goto bad;
        }
        uint32_t act;
        if (strcmp(tok[0], "default") == 0) {
            i = 1;
            if (ctx || ntok < 2 || parse_action(tok, &i, ntok, 1, &act) < 0 || i != ntok)
                goto bad;
            if (!(ctx = seccomp_init(kind == WL_FILTER_JANITOR ? SCMP_ACT_ALLOW : act)))
                goto bad;
            /* another architecture's syscall numbers (e.g. int 0x80) end the process */
            if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) < 0)
                goto bad;
            seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);   /* binary tree; optional */
            continue;
        }
        if (!ctx || ntok < i + 2 || parse_action(tok, &i, ntok, 0, &act) < 0)
            goto bad;
        int nr = seccomp_syscall_resolve_name(tok[i]);
        if (nr == __NR_SCMP_ERROR) {
            fprintf(stderr, "warden-launcher: seccomp: %s:%d: unknown syscall '%s'\n", policy_path, lineno, tok[i]);
            goto out;
        }
        i++;
        if (act != SCMP_ACT_ALLOW && act != SCMP_ACT_KILL_PROCESS)
            i++;   /* skip ENAME */
        struct scmp_arg_cmp conds[6];
        unsigned nc = 0;
        while (i < ntok) {
            if (nc >= 6 || parse_cond(tok, &i, ntok, &conds[nc++]) < 0)
                goto bad;
        }
        if (skip)
            continue;
        int r = seccomp_rule_add_exact_array(ctx, act, nr, nc, conds);
        if (r < 0) {
            fprintf(stderr, "warden-launcher: seccomp: %s:%d: rule rejected by libseccomp: %s%s\n",
                    policy_path, lineno, strerror(-r),
                    r == -EACCES ? " (same action as the default?)" : "");
            goto out;
        }
    }
    if (!ctx) {
        fprintf(stderr, "warden-launcher: seccomp: %s: no 'default' line\n", policy_path);
        goto out;
    }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", out_path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "warden-launcher: seccomp: create %s: %s\n", tmp, strerror(errno));
        goto out;
    }
    int r = seccomp_export_bpf(ctx, fd);
    if (r < 0 || fsync(fd) < 0 || close(fd) < 0 || rename(tmp, out_path) < 0) {
        fprintf(stderr, "warden-launcher: seccomp: writing %s: %s\n", out_path, strerror(r < 0 ? -r : errno));
        unlink(tmp);
        goto out;
    }
    rc = 0;
    goto out;
bad:
    fprintf(stderr, "warden-launcher: seccomp: %s:%d: cannot parse this line\n", policy_path, lineno);
out:
    if (ctx)
        seccomp_release(ctx);
    fclose(f);
    return rc;
}

int wl_seccomp_read(const char *path, void **buf, size_t *len, struct wl_error *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return wl_fail(e, "seccomp", errno, "open filter %s", path);
    if (fstat(fd, &st) < 0) {
        int saved = errno;
        close(fd);
        return wl_fail(e, "seccomp", saved, "stat filter %s", path);
    }
    /* BPF_MAXINSNS is the kernel's limit; sock_fprog.len (unsigned short) must not wrap */
    if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) ||
        st.st_size > BPF_MAXINSNS * (off_t)sizeof(struct sock_filter)) {
        close(fd);
        return wl_fail(e, "seccomp", EINVAL, "%s is not a BPF program (%lld bytes)", path, (long long)st.st_size);
    }
    *buf = malloc(st.st_size);
    errno = 0;
    ssize_t n = *buf ? read(fd, *buf, st.st_size) : -1;
    int saved = errno;
    close(fd);
    if (n != st.st_size)
        return wl_fail(e, "seccomp", saved ? saved : EIO, "read filter %s", path);
    *len = st.st_size;
    return 0;
}

int wl_seccomp_set_self_pid(void *buf, size_t len, pid_t pid, int required, struct wl_error *e)
{
    struct sock_filter *f = buf;
    size_t hits = 0;
    for (size_t i = 0; i < len / sizeof *f; i++) {
        if (f[i].k != WL_SELF_PID)
            continue;
        /* only ever the value of an equality test: anywhere else it is no placeholder of ours */
        if (f[i].code != (BPF_JMP | BPF_JEQ | BPF_K))
            return wl_fail(e, "seccomp", EINVAL, "SELF_PID in BPF instruction %zu, which is no equality test", i);
        f[i].k = (uint32_t)pid;
        hits++;
    }
    /* fail closed: a strict filter without it was not compiled from the current policy */
    if (hits == 0 && required)
        return wl_fail(e, "seccomp", EINVAL, "the filter has no SELF_PID rule: recompile it from the current policy");
    return 0;
}

int wl_seccomp_load(const void *buf, size_t len, struct wl_error *e)
{
    struct sock_fprog prog = { .len = (unsigned short)(len / sizeof(struct sock_filter)),
                               .filter = (struct sock_filter *)buf };
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
        return wl_fail(e, "seccomp", errno, "load filter (%zu instructions)", len / sizeof(struct sock_filter));
    return 0;
}

int wl_seccomp_hand_over(const char *path, int target_fd, int needs_self_pid, struct wl_error *e)
{
    void *buf = NULL;
    size_t len = 0;
    int p[2];
    if (fcntl(target_fd, F_GETFD) >= 0)
        return wl_fail(e, "seccomp", EBUSY, "fd %d is taken; the child filter goes there", target_fd);
    if (wl_seccomp_read(path, &buf, &len, e) < 0)
        return -1;
    /* the interpreter replaces SELF_PID in each child: it must be there, and only in `==` tests */
    if (needs_self_pid && wl_seccomp_set_self_pid(buf, len, WL_SELF_PID, 1, e) < 0) {
        free(buf);
        return -1;
    }
    /* at most BPF_MAXINSNS * 8 = 32 KiB: fits in a pipe's buffer, so writing never blocks */
    if (pipe2(p, O_CLOEXEC) < 0) {
        free(buf);
        return wl_fail(e, "seccomp", errno, "pipe for the child filter");
    }
    ssize_t n = write(p[1], buf, len);
    int saved = errno;
    free(buf);
    close(p[1]);
    if (n != (ssize_t)len) {
        close(p[0]);
        return wl_fail(e, "seccomp", n < 0 ? saved : EIO, "handing over the child filter");
    }
    if (p[0] == target_fd)             /* already in place: only close-on-exec must go */
        return fcntl(p[0], F_SETFD, 0) < 0 ? wl_fail(e, "seccomp", errno, "fd %d for the child filter", target_fd) : 0;
    if (dup2(p[0], target_fd) < 0) {   /* dup2 clears close-on-exec on the new descriptor */
        saved = errno;
        close(p[0]);
        return wl_fail(e, "seccomp", saved, "dup2 child filter to fd %d", target_fd);
    }
    close(p[0]);
    return 0;
}
