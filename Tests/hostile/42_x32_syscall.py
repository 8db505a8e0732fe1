# expect: killed:signal
# An x32 syscall number (0x40000000 | getpid) must end the process (SIGSYS), not reach the
# kernel's x32 table past a filter written for x86_64 numbers. getpid is harmless either way.
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


def main():
    try:
        ctypes = _ctypes()
        libc = ctypes.CDLL(None, use_errno=True)
    except BaseException as e:
        return {"escaped": False, "detail": "ctypes unreachable: %s: %s" % (type(e).__name__, e)}
    ctypes.set_errno(0)
    rc = libc.syscall(ctypes.c_long(0x40000000 | 39))
    return {"escaped": rc >= 0, "detail": "x32 getpid returned %d/errno %d" % (rc, ctypes.get_errno())}
