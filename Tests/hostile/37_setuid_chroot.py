# expect: blocked
# Credentials: setuid(0)/setgid(0)/chroot/mknod through posix.
def main():
    posix = _builtin("posix")
    out = []
    for name, f in (("setuid(0)", lambda: posix.setuid(0)), ("setgid(0)", lambda: posix.setgid(0)),
                    ("chroot(/tmp)", lambda: posix.chroot("/tmp")),
                    ("mknod(/tmp/mem)", lambda: posix.mknod("/tmp/warden-mem", 0o20600, posix.makedev(1, 1))),
                    ("sethostname", lambda: _builtin("sys").modules["socket"].sethostname("pwned"))):
        try:
            f()
            return {"escaped": True, "detail": name + " succeeded"}
        except (OSError, KeyError) as e:
            out.append("%s: %s" % (name, e))
    return {"escaped": False, "detail": "uid %d; " % posix.getuid() + "; ".join(out)}
