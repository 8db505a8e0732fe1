#ifndef WL_REPORT_H
#define WL_REPORT_H
#include <stdio.h>
#include <sys/resource.h>
#include "wl_common.h"
#include "wl_cgroup.h"

/* One JSON line on `fd`: exit_code, signal, cpu_ms, max_rss_kb, cgroup, oom_killed, error. */
void wl_write_status(int fd, int have_status, int status, const struct rusage *ru,
                     const struct wl_error *err, const struct wl_cgroup *cg, int oom);
/* A JSON string literal of `s` (quotes, backslashes and control bytes escaped). */
void wl_json_str(FILE *f, const char *s);
#endif
