#ifndef WL_CAPS_H
#define WL_CAPS_H
#include "wl_common.h"
/* Child: empty the bounding, ambient, inheritable, permitted and effective sets,
 * verify they are empty, then set no_new_privs. */
int wl_caps_drop(struct wl_error *e);
/* Child: make effective = permitted (used after the uid switch). */
int wl_caps_raise_effective(struct wl_error *e);
#endif
