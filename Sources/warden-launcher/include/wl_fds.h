#ifndef WL_FDS_H
#define WL_FDS_H
#include "wl_common.h"
/* Child: close every descriptor except 0-3, the --pass-fd ones and `extra` (-1: none). */
int wl_fds_close_others(const struct wl_opts *o, int extra, struct wl_error *e);
/* Child: open the interpreter inside the new root and park it at WL_EXEC_FD, close-on-exec. */
int wl_fds_open_exec(const char *path, struct wl_error *e);
/* Child: empty the environment; returns the fixed envp for the interpreter. */
char **wl_fds_clean_env(void);
#endif
