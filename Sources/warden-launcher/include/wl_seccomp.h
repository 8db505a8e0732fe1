#ifndef WL_SECCOMP_H
#define WL_SECCOMP_H
#include "wl_common.h"
/* compile-seccomp: text policy -> raw BPF file. Returns 0, or 1 with a message on stderr. */
/* zygote: also compile the rules marked `zygote` (the fork server's wider filter) */
/* which filter of the policy to compile */
enum wl_filter_kind { WL_FILTER_STRICT, WL_FILTER_ZYGOTE, WL_FILTER_JANITOR };
int wl_seccomp_compile(const char *policy_path, const char *out_path, enum wl_filter_kind kind);
/* Parent: read a BPF file into memory (so the child needs no host path after pivot_root). */
int wl_seccomp_read(const char *path, void **buf, size_t *len, struct wl_error *e);
/* `SELF_PID` in the policy compiles to this; loaders replace it with their own pid. */
#define WL_SELF_PID 0x5EC0FFEEu
/* Replaces every SELF_PID of the filter with `pid`; fails if one is outside an equality test,
 * or if there is none and `required` (a fork server's filter has none: it allows every kill). */
int wl_seccomp_set_self_pid(void *buf, size_t len, pid_t pid, int required, struct wl_error *e);
/* Child: install the filter (no_new_privs must already be set). */
int wl_seccomp_load(const void *buf, size_t len, struct wl_error *e);
/* Puts the filter at `path` on a pipe whose read end becomes `target_fd`, for the interpreter. */
int wl_seccomp_hand_over(const char *path, int target_fd, int needs_self_pid, struct wl_error *e);

#endif
