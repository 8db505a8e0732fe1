# expect: blocked
# collections._sys -> sys.modules['posix'] -> fork().
import collections


def main():
    posix = collections._sys.modules["posix"]
    try:
        pid = posix.fork()
    except OSError as e:
        return {"escaped": False, "detail": "posix via collections._sys; fork: %s" % e}
    if pid == 0:
        posix._exit(0)
    return {"escaped": True, "detail": "forked pid %d" % pid}
