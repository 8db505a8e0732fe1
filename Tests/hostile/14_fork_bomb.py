# expect: blocked
# A (bounded) fork bomb: 200 attempts; every one must fail.
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
