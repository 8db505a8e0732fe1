#ifndef WL_OPTS_H
#define WL_OPTS_H
#include "wl_common.h"

/* Prints what went wrong and the usage; returns 2. */
int wl_usage(const char *msg);
/* Digits only, into *out; -1 when it is not a plain non-negative number. */
int wl_number(const char *s, unsigned long long *out);
/* Fills *o from `run`/`selftest` arguments; 0, or wl_usage's 2. */
int wl_parse_run_opts(int argc, char **argv, struct wl_opts *o);
#endif
