#define _GNU_SOURCE
#include "CWardenShim.h"

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

int warden_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

int warden_spawn(const char *path, char *const argv[], const int *child_fds, int count, pid_t *pid) {
    posix_spawn_file_actions_t actions;
    int rc = posix_spawn_file_actions_init(&actions);
    if (rc != 0) return rc;
    /* Copy every source above all of them first, so no dup2 clobbers a source not yet moved. */
    int base = count;
    for (int i = 0; i < count; i++)
        if (child_fds[i] >= base) base = child_fds[i] + 1;
    for (int i = 0; i < count && rc == 0; i++)
        rc = posix_spawn_file_actions_adddup2(&actions, child_fds[i], base + i);
    for (int i = 0; i < count && rc == 0; i++)
        rc = posix_spawn_file_actions_adddup2(&actions, base + i, i);
    if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&actions, count);
    char *const empty_env[] = { NULL };
    if (rc == 0) rc = posix_spawn(pid, path, &actions, NULL, argv, empty_env);
    posix_spawn_file_actions_destroy(&actions);
    return rc;
}
