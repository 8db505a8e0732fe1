#ifndef WL_MOUNTS_H
#define WL_MOUNTS_H
#include "wl_common.h"
/* Child: build the new root on a tmpfs, pivot into it, detach the old root,
 * make everything read-only (recursively) except /tmp, set the hostname. */
int wl_mounts_build(const struct wl_opts *o, struct wl_error *e);
#endif
