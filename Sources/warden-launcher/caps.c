/* caps.c — capabilities: drop every set (bounding, ambient, inheritable, permitted,
 * effective), check the result, then no_new_privs. Raw capget/capset: no libcap needed. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wl_caps.h"

static int cap_get(struct __user_cap_data_struct d[2])
{
    struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    return (int)syscall(SYS_capget, &h, d);
}

static int cap_set(struct __user_cap_data_struct d[2])
{
    struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    return (int)syscall(SYS_capset, &h, d);
}

int wl_caps_raise_effective(struct wl_error *e)
{
    struct __user_cap_data_struct d[2];
    if (cap_get(d) < 0)
        return wl_fail(e, "caps", errno, "capget");
    d[0].effective = d[0].permitted;
    d[1].effective = d[1].permitted;
    if (cap_set(d) < 0)
        return wl_fail(e, "caps", errno, "capset (raise effective)");
    return 0;
}

int wl_caps_drop(struct wl_error *e)
{
    /* Bounding set: drop until the kernel says the capability does not exist. */
    for (int cap = 0; cap < 64; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
            if (errno == EINVAL)
                break;
            return wl_fail(e, "caps", errno, "PR_CAPBSET_DROP %d", cap);
        }
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
        return wl_fail(e, "caps", errno, "PR_CAP_AMBIENT_CLEAR_ALL");
    if (prctl(PR_SET_KEEPCAPS, 0) < 0)
        return wl_fail(e, "caps", errno, "PR_SET_KEEPCAPS 0");

    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    if (cap_set(d) < 0)
        return wl_fail(e, "caps", errno, "capset (all empty)");

    /* Verify: trust nothing we did not read back. */
    if (cap_get(d) < 0)
        return wl_fail(e, "caps", errno, "capget (verify)");
    for (int i = 0; i < 2; i++)
        if (d[i].effective || d[i].permitted || d[i].inheritable)
            return wl_fail(e, "caps", EPERM, "capabilities remain after capset");
    /* every capability the kernel knows (EINVAL past the last), not just the first */
    for (int cap = 0; cap < 64; cap++) {
        int b = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
        if (b < 0 && errno == EINVAL)
            break;
        if (b != 0)
            return wl_fail(e, "caps", EPERM, "bounding set not empty (cap %d)", cap);
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) != 0)
            return wl_fail(e, "caps", EPERM, "ambient set not empty (cap %d)", cap);
    }

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return wl_fail(e, "caps", errno, "PR_SET_NO_NEW_PRIVS");
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
        return wl_fail(e, "caps", EPERM, "no_new_privs not set");
    return 0;
}
