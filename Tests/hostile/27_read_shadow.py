# expect: blocked
# Read /etc/shadow and /etc/passwd with the real builtins' open.
def _builtin(name):
    # object.__subclasses__() reaches BuiltinImporter even under -I -S (DESIGN §9)
    for c in object.__subclasses__():
        if c.__name__ == "BuiltinImporter":
            return c.load_module(name)


def main():
    real_open = _builtin("builtins").open
    out = []
    for path in ("/etc/shadow", "/etc/passwd", "/etc/hosts"):
        try:
            with real_open(path, "rb") as f:
                return {"escaped": True, "detail": "%s: %r" % (path, f.read(40))}
        except OSError as e:
            out.append("%s: %s" % (path, e.strerror))
    return {"escaped": False, "detail": "; ".join(out)}
