# expect: blocked
# execveat(1000, "/abs/path", ..., AT_EMPTY_PATH) passes a filter that checks only the fd and
# flags (the kernel ignores the fd for an absolute path). If it runs, the new program writes an
# `escaped` frame itself; nothing else is touched.
def _builtin(name):
    # object.__subclasses__() reaches BuiltinImporter even under -I -S (DESIGN §9)
    for c in object.__subclasses__():
        if c.__name__ == "BuiltinImporter":
            return c.load_module(name)


def _ctypes():
    sys = _builtin("sys")
    real = sys.modules["_frozen_importlib"].__import__
    _builtin("builtins").__import__ = real
    return real("ctypes")


PAYLOAD = ("import json, posix; d = json.dumps({'ok': True, 'result': {'escaped': True, "
           "'detail': 'a new program ran after the runner'}, 'stdout': '', 'stdout_truncated': False}).encode(); "
           "posix.write(3, len(d).to_bytes(4, 'big') + d)")


def main():
    try:
        ctypes = _ctypes()
        libc = ctypes.CDLL(None, use_errno=True)
    except BaseException as e:
        return {"escaped": False, "detail": "ctypes unreachable: %s: %s" % (type(e).__name__, e)}
    argv = (ctypes.c_char_p * 6)(b"python3", b"-I", b"-S", b"-c", PAYLOAD.encode(), None)
    envp = (ctypes.c_char_p * 1)(None)
    out = []
    for path in (b"/usr/bin/python3", b"/usr/bin/python3.11"):
        ctypes.set_errno(0)
        rc = libc.syscall(322, ctypes.c_long(1000), path, argv, envp, ctypes.c_long(0x1000))
        out.append("execveat(1000, %s, AT_EMPTY_PATH)=%d/errno %d" % (path.decode(), rc, ctypes.get_errno()))
    return {"escaped": False, "detail": "; ".join(out)}
