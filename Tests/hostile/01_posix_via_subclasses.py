# expect: blocked
# Reach posix through object.__subclasses__() -> BuiltinImporter, then look around.
def _builtin(name):
    # object.__subclasses__() reaches BuiltinImporter even under -I -S (DESIGN §9)
    for c in object.__subclasses__():
        if c.__name__ == "BuiltinImporter":
            return c.load_module(name)


def main():
    posix = _builtin("posix")
    root = sorted(posix.listdir("/"))
    host_like = [d for d in ("etc", "home", "root", "var", "proc", "sys", "work") if d in root]
    ids = (posix.getuid(), posix.getgid(), posix.getpid())
    return {"escaped": bool(host_like) or ids[0] == 0,
            "detail": "posix reached; / = %s; uid,gid,pid = %s" % (root, ids)}
