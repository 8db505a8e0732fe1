/* mounts.c — the filesystem: a fresh tmpfs root holding only read-only binds of the
 * given host paths, /runner, /profile, four device nodes and a private /tmp; then
 * pivot_root, detach the old root, and make the whole tree read-only recursively. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wl_mounts.h"

#define NEWROOT "/tmp"   /* any existing directory; the mount namespace is private */
#define MAX_ITEMS (WL_MAX_BINDS + 16)

struct item {
    char target[PATH_MAX];   /* path inside the sandbox */
    int fd;                  /* O_PATH to the host source, -1 for a symlink */
    int is_dir;
    char link[PATH_MAX];     /* symlink text when fd == -1 */
    int dev;                 /* a device node: keep it usable (no nodev) */
};

static int mkdir_p(const char *path, struct wl_error *e)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                return wl_fail(e, "mounts", errno, "mkdir %s", buf);
            *p = saved;
            if (saved == '\0')
                break;
        }
    }
    return 0;
}

static int parent_dir(const char *path, struct wl_error *e)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    char *slash = strrchr(buf, '/');
    if (slash && slash != buf) {
        *slash = '\0';
        return mkdir_p(buf, e);
    }
    return 0;
}

/* Open the host source now, before the new root hides anything (e.g. sources under /tmp). */
static int add_item(struct item *it, int *n, const char *host, const char *target, int dev,
                    struct wl_error *e)
{
    if (*n >= MAX_ITEMS)
        return wl_fail(e, "mounts", E2BIG, "too many binds");
    if (strlen(host) > 1024 || strlen(target) > 1024)
        return wl_fail(e, "mounts", ENAMETOOLONG, "bind path too long");
    if (host[0] != '/' || target[0] != '/' || strstr(host, "/..") || strstr(target, "/..") ||
        strcmp(target, "/") == 0)
        return wl_fail(e, "mounts", EINVAL, "bind paths must be absolute, not '/', without '..': %s", host);
    struct item *x = &it[*n];
    memset(x, 0, sizeof *x);
    snprintf(x->target, sizeof x->target, "%s", target);
    x->dev = dev;
    /* Open first, then ask the descriptor: what we bind is what we looked at (no lstat/open
     * race). O_PATH|O_NOFOLLOW on a symlink gives the link itself. */
    struct stat st;
    int fd = open(host, O_PATH | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return wl_fail(e, "mounts", errno, "open bind source %s", host);
    if (fstat(fd, &st) < 0) {
        close(fd);
        return wl_fail(e, "mounts", errno, "stat bind source %s", host);
    }
    if (S_ISLNK(st.st_mode)) {   /* e.g. /lib -> usr/lib on merged-/usr hosts: recreate it */
        ssize_t l = readlinkat(fd, "", x->link, sizeof x->link - 1);
        close(fd);
        if (l < 0)
            return wl_fail(e, "mounts", errno, "readlink %s", host);
        x->link[l] = '\0';
        x->fd = -1;
    } else {
        x->fd = fd;
        x->is_dir = S_ISDIR(st.st_mode);
    }
    (*n)++;
    return 0;
}

static int place_item(const struct item *x, struct wl_error *e)
{
    char dst[PATH_MAX], src[64];
    snprintf(dst, sizeof dst, NEWROOT "%s", x->target);
    if (parent_dir(dst, e) < 0)
        return -1;
    if (x->fd < 0) {
        if (symlink(x->link, dst) < 0 && errno != EEXIST)
            return wl_fail(e, "mounts", errno, "symlink %s -> %s", x->target, x->link);
        return 0;
    }
    if (x->is_dir) {
        if (mkdir_p(dst, e) < 0)
            return -1;
    } else {
        int fd = open(dst, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        if (fd < 0)
            return wl_fail(e, "mounts", errno, "create mount point %s", x->target);
        close(fd);
    }
    snprintf(src, sizeof src, "/proc/self/fd/%d", x->fd);
    if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
        return wl_fail(e, "mounts", errno, "bind %s", x->target);
    close(x->fd);
    return 0;
}

static int setattr(const char *path, unsigned flags, unsigned long long set,
                   unsigned long long clr, struct wl_error *e)
{
    struct mount_attr a = { .attr_set = set, .attr_clr = clr };
    if (syscall(SYS_mount_setattr, AT_FDCWD, path, flags, &a, sizeof a) < 0)
        return wl_fail(e, "mounts", errno, "mount_setattr %s", path);
    return 0;
}

int wl_mounts_build(const struct wl_opts *o, struct wl_error *e)
{
    static struct item items[MAX_ITEMS];
    int n = 0;
    static const char *devs[] = { "/dev/null", "/dev/zero", "/dev/urandom", "/dev/random" };
    static const char *tops[] = { "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32" };

    /* Nothing we mount may propagate back to the host. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return wl_fail(e, "mounts", errno, "make / rprivate");

    for (int i = 0; i < o->n_bind; i++)
        if (add_item(items, &n, o->bind_ro[i], o->bind_ro[i], 0, e) < 0)
            return -1;
    for (size_t i = 0; i < sizeof tops / sizeof *tops; i++) {
        struct stat st;
        int listed = 0;
        for (int j = 0; j < o->n_bind; j++)
            listed |= strcmp(o->bind_ro[j], tops[i]) == 0;
        if (!listed && lstat(tops[i], &st) == 0 && S_ISLNK(st.st_mode))
            if (add_item(items, &n, tops[i], tops[i], 0, e) < 0)
                return -1;
    }
    if (o->runner_dir && add_item(items, &n, o->runner_dir, "/runner", 0, e) < 0)
        return -1;
    if (o->profile_dir && add_item(items, &n, o->profile_dir, "/profile", 0, e) < 0)
        return -1;
    for (size_t i = 0; i < sizeof devs / sizeof *devs; i++)
        if (add_item(items, &n, devs[i], devs[i], 1, e) < 0)
            return -1;

    /* The new root: a tiny tmpfs that only ever holds mount points. */
    if (mount("tmpfs", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=512,mode=0755") < 0)
        return wl_fail(e, "mounts", errno, "mount tmpfs for the new root on " NEWROOT);
    for (int i = 0; i < n; i++)
        if (place_item(&items[i], e) < 0)
            return -1;

    /* The only writable place: a size-limited /tmp. */
    char opts[128];
    snprintf(opts, sizeof opts, "size=%llu,nr_inodes=4096,mode=1777", o->tmp_bytes);
    if (mkdir_p(NEWROOT "/tmp", e) < 0)
        return -1;
    if (mount("tmpfs", NEWROOT "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0)
        return wl_fail(e, "mounts", errno, "mount /tmp tmpfs (%s)", opts);

    /* pivot_root(".", "."): the old root is stacked on top and detached at once. */
    if (chdir(NEWROOT) < 0)
        return wl_fail(e, "mounts", errno, "chdir new root");
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return wl_fail(e, "mounts", errno, "pivot_root");
    if (umount2(".", MNT_DETACH) < 0)
        return wl_fail(e, "mounts", errno, "detach old root");
    if (chdir("/") < 0)
        return wl_fail(e, "mounts", errno, "chdir /");

    /* Read-only everywhere, recursively (a plain remount is not recursive)... */
    if (setattr("/", AT_RECURSIVE, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0, e) < 0)
        return -1;
    /* ...except /tmp (still nosuid, nodev, noexec)... */
    if (setattr("/tmp", 0, MOUNT_ATTR_NOEXEC, MOUNT_ATTR_RDONLY, e) < 0)
        return -1;
    /* ...and the four device nodes must stay openable (still read-only mounts: writing
     * /dev/null does not need a writable mount). */
    for (size_t i = 0; i < sizeof devs / sizeof *devs; i++)
        if (setattr(devs[i], 0, MOUNT_ATTR_NOEXEC, MOUNT_ATTR_NODEV, e) < 0)
            return -1;
    if (chdir("/tmp") < 0)
        return wl_fail(e, "mounts", errno, "chdir /tmp");
    return 0;
}
