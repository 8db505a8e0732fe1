# Helpers shared by the hostile tools in this folder. A tool is submitted as one piece of code and
# cannot import a local module, so the harnesses (scripts/run-hostile.py, HostileTests.swift) run
# `prelude + "\n" + case` as the tool code. This file only defines helpers: nothing in it runs
# until a case's main() calls it, and it is not a case itself (no `# expect:` line, no main).


def _builtin(name):
    # object.__subclasses__() reaches BuiltinImporter even under -I -S (docs/design.md §9)
    for c in object.__subclasses__():
        if c.__name__ == "BuiltinImporter":
            return c.load_module(name)


def _ctypes():
    # restore the real __import__ (ctypes/__init__ imports os, sys) and load ctypes
    sys = _builtin("sys")
    real = sys.modules["_frozen_importlib"].__import__
    _builtin("builtins").__import__ = real
    return real("ctypes")


EPERM = 1   # what the seccomp filter answers for every refused call


class Unexpected(Exception):
    """A probe failed, but not the way it should have: it proved nothing, so the case fails
    (both harnesses want `blocked`, i.e. a successful run with escaped False)."""


def _libc():
    """(ctypes, libc). Raises when ctypes cannot be loaded: the case then fails instead of
    passing as `blocked`, since a probe that never ran proves nothing."""
    try:
        ctypes = _ctypes()
        return ctypes, ctypes.CDLL(None, use_errno=True)
    except BaseException as e:
        raise Unexpected("ctypes unreachable: %s: %s" % (type(e).__name__, e)) from None


def _check(results):
    """results: [(name, rc, errno, expected errno)]. Escaped if any call succeeded; Unexpected
    if one failed with another errno than the one it states (a wrong argument, not the filter)."""
    detail = ", ".join("%s=%d/errno %d" % (n, rc, err) for n, rc, err, _ in results)
    if any(rc >= 0 for _, rc, _, _ in results):
        return {"escaped": True, "detail": detail}
    wrong = ["%s: errno %d, expected %d" % (n, err, want) for n, rc, err, want in results if err != want]
    if wrong:
        raise Unexpected("; ".join(wrong) + " (" + detail + ")")
    return {"escaped": False, "detail": detail}


def _raw(calls, expect=EPERM):
    """Make each raw syscall (name, number, [long args]); escaped if any succeeds, Unexpected if
    any fails with another errno than `expect`. Each probe uses arguments that would succeed
    unconfined, so only the filter (EPERM) can stop it."""
    ctypes, libc = _libc()
    out = []
    for name, nr, args in calls:
        ctypes.set_errno(0)
        rc = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
        out.append((name, rc, ctypes.get_errno(), expect))
    return _check(out)


def _socketpair(ctypes, libc):
    """An AF_UNIX stream socketpair of our own (SOCK_CLOEXEC), to probe socket calls on."""
    sv = (ctypes.c_int * 2)()
    if libc.socketpair(1, 1 | 0x80000, 0, sv) != 0:   # AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC
        raise Unexpected("socketpair failed: errno %d" % ctypes.get_errno())
    return sv
