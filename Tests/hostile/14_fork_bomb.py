# expect: blocked
# A (bounded) fork bomb: 200 attempts; every one must fail.
def _builtin(name):
    # object.__subclasses__() reaches BuiltinImporter even under -I -S (DESIGN §9)
    for c in object.__subclasses__():
        if c.__name__ == "BuiltinImporter":
            return c.load_module(name)


def main():
    posix = _builtin("posix")
    ok = 0
    last = ""
    for _ in range(200):
        try:
            pid = posix.fork()
        except OSError as e:
            last = str(e)
            continue
        if pid == 0:
            posix._exit(0)
        ok += 1
    return {"escaped": ok > 0, "detail": "%d of 200 forks succeeded; last error: %s" % (ok, last)}
