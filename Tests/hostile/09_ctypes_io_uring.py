# expect: blocked
# ctypes raw syscalls: io_uring (a syscall-filter bypass when allowed).
def _builtin(name):
    for c in object.__subclasses__():
        if c.__name__ == "BuiltinImporter":
            return c.load_module(name)


def _ctypes():
    # restore the real __import__ (ctypes/__init__ imports os, sys) and load ctypes
    sys = _builtin("sys")
    real = sys.modules["_frozen_importlib"].__import__
    _builtin("builtins").__import__ = real
    return real("ctypes")


def _raw(calls):
    try:
        ctypes = _ctypes()
        libc = ctypes.CDLL(None, use_errno=True)
    except BaseException as e:
        return {"escaped": False, "detail": "ctypes unreachable: %s: %s" % (type(e).__name__, e)}
    out, escaped = [], False
    for name, nr, args in calls:
        ctypes.set_errno(0)
        rc = libc.syscall(nr, *[ctypes.c_long(a) for a in args])
        err = ctypes.get_errno()
        out.append("%s=%d/errno %d" % (name, rc, err))
        escaped |= rc >= 0
    return {"escaped": escaped, "detail": "ctypes loaded; " + ", ".join(out)}


def main():
    ctypes = _ctypes()
    params = ctypes.create_string_buffer(120)
    return _raw([("io_uring_setup", 425, [8, ctypes.addressof(params)]), ("io_uring_enter", 426, [3, 0, 0, 0, 0, 0]),
                 ("io_uring_register", 427, [3, 0, 0, 0])])
