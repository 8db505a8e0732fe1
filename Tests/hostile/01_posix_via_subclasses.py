# expect: blocked
# Reach posix through object.__subclasses__() -> BuiltinImporter, then look around.
def main():
    posix = _builtin("posix")
    root = sorted(posix.listdir("/"))
    host_like = [d for d in ("etc", "home", "root", "var", "proc", "sys", "work") if d in root]
    ids = (posix.getuid(), posix.getgid(), posix.getpid())
    return {"escaped": bool(host_like) or ids[0] == 0,
            "detail": "posix reached; / = %s; uid,gid,pid = %s" % (root, ids)}
