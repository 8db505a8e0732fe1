# expect: blocked
# Signal 0 only: kill(-1, 0) and probing pids 2..2000 must find nobody outside us, and the filter
# must be what says so (EPERM for every pid but our own; 45 probes pid 1, the fork server).
def main():
    posix = _builtin("posix")
    try:
        posix.kill(-1, 0)
        return {"escaped": True, "detail": "kill(-1, 0) found other processes"}
    except OSError as e:
        first = "kill(-1,0): %s" % e.strerror
    found, errnos = [], set()
    for pid in range(2, 2001):
        if pid == posix.getpid():
            continue
        try:
            posix.kill(pid, 0)
            found.append(pid)
        except OSError as e:
            errnos.add(e.errno)
    if not found and errnos != {EPERM}:   # the filter refuses every pid but our own
        raise Unexpected("kill(pid, 0) failed with errnos %s, not only EPERM" % sorted(errnos))
    return {"escaped": bool(found), "detail": "%s; my pid %d; other pids found: %s" % (first, posix.getpid(), found[:10])}
