# expect: blocked
# posix.fork() and posix.posix_spawn() after reaching posix.
def main():
    posix = _builtin("posix")
    out = []
    try:
        pid = posix.fork()
        if pid == 0:
            posix._exit(0)
        return {"escaped": True, "detail": "forked %d" % pid}
    except OSError as e:
        out.append("fork: %s" % e)
    try:
        pid = posix.posix_spawn("/usr/bin/true", ["true"], {})
        return {"escaped": True, "detail": "spawned %d" % pid}
    except OSError as e:
        out.append("posix_spawn: %s" % e)
    return {"escaped": False, "detail": "; ".join(out)}
