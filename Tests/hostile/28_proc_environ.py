# expect: blocked
# /proc/1/environ, /proc/self/mountinfo, /sys: none may be visible.
def main():
    posix = _builtin("posix")
    out = []
    for path in ("/proc/1/environ", "/proc/self/mountinfo", "/proc/sys/kernel/core_pattern", "/sys/fs/cgroup"):
        try:
            fd = posix.open(path, posix.O_RDONLY)
            return {"escaped": True, "detail": "%s: %r" % (path, posix.read(fd, 40))}
        except OSError as e:
            out.append("%s: %s" % (path, e.strerror))
    return {"escaped": False, "detail": "; ".join(out)}
