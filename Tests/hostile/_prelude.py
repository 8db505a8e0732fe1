# Helpers shared by the hostile tools in this folder. A tool is submitted as one piece of code and
# cannot import a local module, so the harnesses (scripts/run-hostile.py, HostileTests.swift) run
# `prelude + "\n" + case` as the tool code. This file only defines helpers: nothing in it runs
# until a case's main() calls it, and it is not a case itself (no `# expect:` line, no main).


def _builtin(name):
    # object.__subclasses__() reaches BuiltinImporter even under -I -S (DESIGN §9)
    for c in object.__subclasses__():
        if c.__name__ == "BuiltinImporter":
            return c.load_module(name)


def _ctypes():
    # restore the real __import__ (ctypes/__init__ imports os, sys) and load ctypes
    sys = _builtin("sys")
    real = sys.modules["_frozen_importlib"].__import__
    _builtin("builtins").__import__ = real
    return real("ctypes")


def _libc():
    """(ctypes, libc, None), or (None, None, a not-escaped result) when ctypes cannot be loaded."""
    try:
        ctypes = _ctypes()
        libc = ctypes.CDLL(None, use_errno=True)
    except BaseException as e:
        return None, None, {"escaped": False, "detail": "ctypes unreachable: %s: %s" % (type(e).__name__, e)}
    return ctypes, libc, None


def _raw(calls):
    """Make each raw syscall (name, number, [long args]); escaped if any of them succeeds."""
    ctypes, libc, unreachable = _libc()
    if unreachable:
        return unreachable
    out, escaped = [], False
    for name, nr, args in calls:
        ctypes.set_errno(0)
        rc = libc.syscall(nr, *[ctypes.c_long(a) for a in args])
        err = ctypes.get_errno()
        out.append("%s=%d/errno %d" % (name, rc, err))
        escaped |= rc >= 0
    return {"escaped": escaped, "detail": "ctypes loaded; " + ", ".join(out)}
