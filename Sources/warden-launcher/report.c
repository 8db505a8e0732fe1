/* report.c — the status line the launcher's parent writes on its status descriptor when the
 * worker has ended: exit code or signal, CPU and memory, cgroup kind, and the failed stage. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wl_report.h"

void wl_json_str(FILE *f, const char *s)
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

void wl_write_status(int fd, int have_status, int status, const struct rusage *ru,
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
        wl_json_str(f, err->stage);
        fprintf(f, ", \"errno\": %d, \"message\": ", err->err);
        wl_json_str(f, err->message);
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
