#ifndef WL_LIMITS_H
#define WL_LIMITS_H
#include "wl_common.h"

/* Child: set every rlimit (RLIMIT_NOFILE last-but-safe: the exec fd already exists). */
int wl_limits_apply(const struct wl_opts *o, struct wl_error *e);
#endif
