/* fail.c — the one way a confinement stage reports failure: a record for the status line
 * and a line on stderr. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wl_common.h"

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
