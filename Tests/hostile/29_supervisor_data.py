# expect: blocked
# Look for the supervisor's data folder and any host path outside the new root.
def main():
    posix = _builtin("posix")
    out = []
    for path in ("/var/lib/warden", "/work", "/root", "/home", "/etc", "/srv", "/opt", "/run", "/tmp/.."):
        try:
            names = posix.listdir(path)
            if path == "/tmp/.." and sorted(names) == sorted(posix.listdir("/")):
                out.append("/tmp/.. is the sandbox root")
                continue
            return {"escaped": True, "detail": "%s: %s" % (path, names[:10])}
        except OSError as e:
            out.append("%s: %s" % (path, e.strerror))
    return {"escaped": False, "detail": "; ".join(out)}
