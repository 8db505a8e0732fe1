#ifndef WL_CGROUP_H
#define WL_CGROUP_H
#include <sys/types.h>
#include "wl_common.h"

struct wl_cgroup {
    int version;                 /* 0 none, 1 v1, 2 v2 */
    char path[3][4096];          /* v2: path[0]; v1: memory, pids, cpu ("" = not used) */
    char home[3][4096];          /* the launcher's own cgroup(s), to move back to */
};

/* Parent: create and join the per-worker cgroup. Without a usable one this fails, unless
 * the options make cgroups optional (then it is logged and rlimits alone apply). */
int wl_cgroup_enter(const struct wl_opts *o, struct wl_cgroup *cg, struct wl_error *e);
/* Parent, after clone: move the launcher itself back so the cgroup can be removed. */
void wl_cgroup_leave(struct wl_cgroup *cg);
/* Parent, after reaping: did the kernel OOM-kill inside? Then remove the cgroup. */
int wl_cgroup_oom_killed(const struct wl_cgroup *cg);
void wl_cgroup_remove(struct wl_cgroup *cg);
const char *wl_cgroup_kind(const struct wl_cgroup *cg);
/* `cgroup-probe [--supervisor PID]`: on v2, first make the supervisor's cgroup a parent that
 * delegates memory and pids (moving the supervisor into a leaf); then create, join, leave and
 * remove one cgroup; print `v2 PARENT`, `v2`, `v1` or `none`. */
int wl_cgroup_probe(struct wl_opts *o, pid_t supervisor);
#endif
