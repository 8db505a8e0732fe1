#ifndef WL_USERNS_H
#define WL_USERNS_H
#include "wl_common.h"

/* clone() flags of the sandbox child: every namespace we can get. */
#define WL_CLONE_FLAGS (CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | \
                        CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP)

/* Parent: clone the child (returns 0 in the child, its pid in the parent, -1 on error). */
pid_t wl_userns_clone(struct wl_error *e);
/* Parent: write setgroups=deny, gid_map and uid_map of the child (1000 -> host ids). */
int wl_userns_write_maps(pid_t child, unsigned long uid, unsigned long gid, struct wl_error *e);
/* Child: wait for the parent's release on sync_rd, become 1000:1000 keeping the
 * namespace capabilities, re-arm PDEATHSIG and check the parent still lives. */
int wl_userns_enter(int sync_rd, struct wl_error *e);
#endif
