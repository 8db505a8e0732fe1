# expect: blocked
# Signals reach only the sender itself. Signal 0 only (it checks, delivers nothing): kill and
# tgkill aimed at another pid, at our process group (0) and at everyone (-1) must fail with EPERM.
# The other pid is 1 (the fork server) when we are not 1 ourselves, else 2, which does not exist:
# unconfined that is ESRCH, so only the filter answers EPERM. A pid with garbage in the upper 32
# bits (which the kernel ignores) must not get past either. tkill is refused altogether.
# Signalling ourselves must still work: kill/tgkill with signal 0, and a real SIGUSR1 raised
# through CPython (raise() is tgkill(pid, tid)) reaching our own handler.
def main():
    posix, _signal = _builtin("posix"), _builtin("_signal")
    ctypes, libc = _libc()
    me = posix.getpid()
    other = 1 if me != 1 else 2
    result = _raw([("kill(%d,0)" % other, 62, [other, 0]), ("kill(0,0)", 62, [0, 0]), ("kill(-1,0)", 62, [-1, 0]),
                   ("kill(2**32+%d,0)" % other, 62, [(1 << 32) + other, 0]),
                   ("tgkill(%d,%d,0)" % (other, other), 234, [other, other, 0]),
                   ("tgkill(me,%d,0)" % other, 234, [me, other, 0]), ("tkill(me,0)", 200, [me, 0])])
    own = []
    for name, nr, args in (("kill(me,0)", 62, [me, 0]), ("tgkill(me,me,0)", 234, [me, me, 0])):
        ctypes.set_errno(0)
        rc = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
        own.append((name, rc, ctypes.get_errno()))
    got = []
    old = _signal.signal(10, lambda signum, frame: got.append(signum))
    try:
        _signal.raise_signal(10)
        posix.kill(me, 10)
    finally:
        _signal.signal(10, old)
    if any(rc != 0 for _, rc, _ in own) or got != [10, 10]:
        raise Unexpected("signalling ourselves failed: %s; handler saw %s" % (own, got))
    result["detail"] += "; own pid %d: %s, SIGUSR1 handled %d times" % (me, own, len(got))
    return result
