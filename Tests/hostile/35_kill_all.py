# expect: blocked
# Signal 0 only: kill(-1, 0) and probing pids 2..2000 must find nobody outside us. (Pid 1 is
# our own namespace's init: the worker itself, or the fork server it was forked from.)
def main():
    posix = _builtin("posix")
    try:
        posix.kill(-1, 0)
        return {"escaped": True, "detail": "kill(-1, 0) found other processes"}
    except OSError as e:
        first = "kill(-1,0): %s" % e.strerror
    found = []
    for pid in range(2, 2001):
        if pid == posix.getpid():
            continue
        try:
            posix.kill(pid, 0)
            found.append(pid)
        except OSError:
            pass
    return {"escaped": bool(found), "detail": "%s; my pid %d; other pids found: %s" % (first, posix.getpid(), found[:10])}
