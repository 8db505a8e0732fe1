/* cgroup.c — a per-worker cgroup: v2, else v1, else none. Without a usable cgroup a run fails
 * at stage "cgroup", unless the supervisor passed `--cgroup-policy optional` (the operator
 * accepted rlimits only). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wl_cgroup.h"

static const char *v1_ctrl[3] = { "memory", "pids", "cpu" };

static int write_str(const char *dir, const char *file, const char *val)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, val, strlen(val));
    int saved = errno;
    close(fd);
    errno = saved;
    return n == (ssize_t)strlen(val) ? 0 : -1;
}

static int read_str(const char *dir, const char *file, char *buf, size_t len)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return 0;
}

static int has_word(const char *list, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = list; (p = strstr(p, w)); p += n)
        if ((p == list || p[-1] == ' ' || p[-1] == ',' || p[-1] == ':') &&
            (p[n] == ' ' || p[n] == ',' || p[n] == ':' || p[n] == '\n' || p[n] == '\0'))
            return 1;
    return 0;
}

/* The launcher's own cgroup for a v1 controller ("" for v2), from /proc/self/cgroup. */
static int own_cgroup(const char *ctrl, char *out, size_t len)
{
    FILE *f = fopen("/proc/self/cgroup", "re");
    char line[4200];
    int found = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c2 = '\0';
        int match = ctrl[0] ? has_word(c1 + 1, ctrl) : (c1[1] == '\0' && strncmp(line, "0", 1) == 0);
        if (match) {
            c2[1 + strcspn(c2 + 1, "\n")] = '\0';
            snprintf(out, len, "%s", strcmp(c2 + 1, "/") == 0 ? "" : c2 + 1);
            found = 0;
            break;
        }
    }
    fclose(f);
    return found;
}

static int make_dir(const char *path)
{
    if (mkdir(path, 0755) == 0)
        return 0;
    if (errno != EEXIST)
        return -1;
    /* left over by a launcher that was SIGKILLed: reuse it if it cannot be removed */
    if (rmdir(path) == 0 && mkdir(path, 0755) == 0)
        return 0;
    return 0;
}

static const char *v2_base(void)
{
    if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0)
        return "/sys/fs/cgroup";
    if (access("/sys/fs/cgroup/unified/cgroup.controllers", F_OK) == 0)
        return "/sys/fs/cgroup/unified";
    return NULL;
}

static int v2_delegates(const char *dir)
{
    char buf[512];
    return read_str(dir, "cgroup.subtree_control", buf, sizeof buf) == 0 && has_word(buf, "memory") && has_word(buf, "pids");
}

static int try_v2(const struct wl_opts *o, struct wl_cgroup *cg)
{
    const char *base = v2_base();
    char buf[512], own[4096], parent[4200];
    if (!base || own_cgroup("", own, sizeof own) < 0)
        return -1;
    snprintf(cg->home[0], sizeof cg->home[0], "%s%s", base, own);
    if (o->cgroup_parent) {
        /* Prepared by `cgroup-probe --supervisor`: a subtree whose processes live in a leaf. */
        snprintf(parent, sizeof parent, "%s", o->cgroup_parent);
        if (strncmp(parent, base, strlen(base)) != 0 || strstr(parent, "/..") || !v2_delegates(parent)) {
            fprintf(stderr, "warden-launcher: cgroup: %s is not a v2 cgroup delegating memory and pids\n", parent);
            return -1;
        }
    } else {
        snprintf(parent, sizeof parent, "%s", cg->home[0]);
        if (read_str(parent, "cgroup.controllers", buf, sizeof buf) < 0 ||
            !has_word(buf, "memory") || !has_word(buf, "pids")) {
            fprintf(stderr, "warden-launcher: cgroup: v2 at %s lacks memory/pids controllers (has: %.*s)\n",
                    parent, (int)strcspn(buf, "\n"), buf);
            return -1;
        }
        /* Delegate the controllers to our child cgroups. EBUSY means our cgroup has processes
         * and is not the root ("no internal processes"): `cgroup-probe --supervisor` fixes that. */
        if (!v2_delegates(parent)) {
            if (write_str(parent, "cgroup.subtree_control", "+memory +pids") < 0) {
                fprintf(stderr, "warden-launcher: cgroup: cannot enable memory/pids in %s: %s\n",
                        parent, strerror(errno));
                return -1;
            }
            write_str(parent, "cgroup.subtree_control", "+cpu");  /* optional */
        }
    }
    snprintf(cg->path[0], sizeof cg->path[0], "%s/%s", parent, o->cgroup_name);
    if (make_dir(cg->path[0]) < 0) {
        fprintf(stderr, "warden-launcher: cgroup: mkdir %s: %s\n", cg->path[0], strerror(errno));
        return -1;
    }
    snprintf(buf, sizeof buf, "%llu", o->memory_bytes);
    int bad = write_str(cg->path[0], "memory.max", buf);
    write_str(cg->path[0], "memory.swap.max", "0");          /* absent without swap accounting */
    snprintf(buf, sizeof buf, "%llu", o->pids);
    bad |= write_str(cg->path[0], "pids.max", buf);
    write_str(cg->path[0], "cpu.max", "100000 100000");       /* one core at most; optional */
    if (bad || write_str(cg->path[0], "cgroup.procs", "0") < 0) {
        fprintf(stderr, "warden-launcher: cgroup: configuring %s: %s\n", cg->path[0], strerror(errno));
        rmdir(cg->path[0]);
        return -1;
    }
    cg->version = 2;
    return 0;
}

static int try_v1(const struct wl_opts *o, struct wl_cgroup *cg)
{
    char own[4096], buf[64];
    int any = 0;
    for (int i = 0; i < 3; i++) {
        char mnt[256];
        snprintf(mnt, sizeof mnt, "/sys/fs/cgroup/%s", v1_ctrl[i]);
        if (access(mnt, W_OK) < 0 || own_cgroup(v1_ctrl[i], own, sizeof own) < 0) {
            fprintf(stderr, "warden-launcher: cgroup: v1 %s controller not available\n", v1_ctrl[i]);
            continue;
        }
        snprintf(cg->home[i], sizeof cg->home[i], "%s%s", mnt, own);
        snprintf(cg->path[i], sizeof cg->path[i], "%s%s/%s", mnt, own, o->cgroup_name);
        if (make_dir(cg->path[i]) < 0) {
            fprintf(stderr, "warden-launcher: cgroup: mkdir %s: %s\n", cg->path[i], strerror(errno));
            cg->path[i][0] = '\0';
            continue;
        }
        int bad = 0;
        if (i == 0) {
            snprintf(buf, sizeof buf, "%llu", o->memory_bytes);
            bad = write_str(cg->path[i], "memory.limit_in_bytes", buf);
            write_str(cg->path[i], "memory.memsw.limit_in_bytes", buf);  /* needs swapaccount */
        } else if (i == 1) {
            snprintf(buf, sizeof buf, "%llu", o->pids);
            bad = write_str(cg->path[i], "pids.max", buf);
        } else {
            bad = write_str(cg->path[i], "cpu.cfs_period_us", "100000") |
                  write_str(cg->path[i], "cpu.cfs_quota_us", "100000");
        }
        if (bad || write_str(cg->path[i], "cgroup.procs", "0") < 0) {
            fprintf(stderr, "warden-launcher: cgroup: configuring %s: %s\n", cg->path[i], strerror(errno));
            rmdir(cg->path[i]);
            cg->path[i][0] = '\0';
            continue;
        }
        any = 1;
    }
    if (!any)
        return -1;
    cg->version = 1;
    return 0;
}

int wl_cgroup_enter(const struct wl_opts *o, struct wl_cgroup *cg, struct wl_error *e)
{
    memset(cg, 0, sizeof *cg);
    if (!o->cgroup_name)
        return 0;
    const char *n = o->cgroup_name;
    size_t len = strlen(n);
    if (len == 0 || len > 64 || strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != len ||
        n[0] == '.')
        return wl_fail(e, "cgroup", EINVAL, "bad cgroup name '%s' (want [A-Za-z0-9_.-]{1,64}, no leading dot)", n);
    if (try_v2(o, cg) == 0 || try_v1(o, cg) == 0)
        return 0;
    if (!o->cgroup_optional)
        return wl_fail(e, "cgroup", ENOENT, "no usable cgroup (a delegated v2 subtree with memory and pids, or "
                       "writable v1 memory and pids controllers); WARDEN_ALLOW_NO_CGROUP=1 accepts rlimits only");
    fprintf(stderr, "warden-launcher: cgroup: none usable; relying on rlimits only\n");
    return 0;
}

/* On cgroup v2 a cgroup with processes cannot give controllers to its children, and the
 * supervisor lives in the cgroup it was started in (a systemd service's, say). Move it, and
 * this probe, into a leaf `warden-supervisor` beside the workers-to-be, then delegate memory
 * and pids: the supervisor's cgroup becomes the parent of every worker cgroup. */
static int v2_prepare(pid_t supervisor, char *parent, size_t len)
{
    const char *base = v2_base();
    char own[4096], buf[512], leaf[4300], pid[32];
    if (!base || own_cgroup("", own, sizeof own) < 0)
        return -1;
    snprintf(parent, len, "%s%s", base, own);
    if (read_str(parent, "cgroup.controllers", buf, sizeof buf) < 0 || !has_word(buf, "memory") || !has_word(buf, "pids"))
        return -1;
    if (v2_delegates(parent))
        return 0;
    if (write_str(parent, "cgroup.subtree_control", "+memory +pids") < 0) {
        if (errno != EBUSY)
            return -1;
        snprintf(leaf, sizeof leaf, "%s/warden-supervisor", parent);
        snprintf(pid, sizeof pid, "%d", (int)supervisor);
        if ((mkdir(leaf, 0755) < 0 && errno != EEXIST) || write_str(leaf, "cgroup.procs", pid) < 0 ||
            write_str(leaf, "cgroup.procs", "0") < 0 || write_str(parent, "cgroup.subtree_control", "+memory +pids") < 0) {
            fprintf(stderr, "warden-launcher: cgroup: cannot make %s a delegating parent (%s); other processes share it?\n",
                    parent, strerror(errno));
            return -1;
        }
    }
    write_str(parent, "cgroup.subtree_control", "+cpu");  /* optional */
    return 0;
}

int wl_cgroup_probe(struct wl_opts *o, pid_t supervisor)
{
    struct wl_cgroup cg;
    struct wl_error e;
    static char parent[4200];
    int v2 = supervisor > 0 && v2_prepare(supervisor, parent, sizeof parent) == 0;
    if (v2)
        o->cgroup_parent = parent;
    if (wl_cgroup_enter(o, &cg, &e) < 0) {
        printf("none\n");
        return 1;
    }
    wl_cgroup_leave(&cg);
    wl_cgroup_remove(&cg);
    if (cg.version == 2 && o->cgroup_parent)
        printf("v2 %s\n", o->cgroup_parent);
    else
        printf("%s\n", wl_cgroup_kind(&cg));
    return 0;
}
void wl_cgroup_leave(struct wl_cgroup *cg)
{
    for (int i = 0; i < 3; i++)
        if (cg->path[i][0] && write_str(cg->home[i], "cgroup.procs", "0") < 0)
            fprintf(stderr, "warden-launcher: cgroup: leaving %s: %s\n", cg->path[i], strerror(errno));
}

int wl_cgroup_oom_killed(const struct wl_cgroup *cg)
{
    char buf[1024];
    const char *file = cg->version == 2 ? "memory.events" : "memory.oom_control";
    if (!cg->path[0][0] || read_str(cg->path[0], file, buf, sizeof buf) < 0)
        return 0;
    char *p = strstr(buf, "oom_kill ");
    return p && atoll(p + 9) > 0;
}

void wl_cgroup_remove(struct wl_cgroup *cg)
{
    for (int i = 0; i < 3; i++) {
        if (!cg->path[i][0])
            continue;
        /* the reaped child may take a moment to leave the cgroup */
        for (int tries = 0; rmdir(cg->path[i]) < 0; tries++) {
            if (errno != EBUSY || tries >= 200) {
                fprintf(stderr, "warden-launcher: cgroup: rmdir %s: %s\n", cg->path[i], strerror(errno));
                break;
            }
            struct timespec ts = { 0, 1000000 };
            nanosleep(&ts, NULL);
        }
    }
}

const char *wl_cgroup_kind(const struct wl_cgroup *cg)
{
    return cg->version == 2 ? "v2" : cg->version == 1 ? "v1" : "none";
}
