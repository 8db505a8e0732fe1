# expect: blocked
# Priority-inheritance, requeue and wake-op futex commands are kernel code CPython never needs (a
# long line of privilege-escalation bugs): refused on words of our own, while plain wake works.
def main():
    ctypes, libc = _libc()
    words = (ctypes.c_int * 2)(0, 0)
    a, b = ctypes.addressof(words), ctypes.addressof(words) + 4
    ctypes.set_errno(0)
    if libc.syscall(ctypes.c_long(202), ctypes.c_long(a), ctypes.c_long(1 | 128), ctypes.c_long(1)) != 0:
        raise Unexpected("FUTEX_WAKE_PRIVATE failed: errno %d" % ctypes.get_errno())
    return _raw([
        ("futex(LOCK_PI)", 202, [a, 6, 0, 0, 0, 0]),           # unconfined: takes the free lock
        ("futex(LOCK_PI|PRIVATE)", 202, [b, 6 | 128, 0, 0, 0, 0]),
        ("futex(TRYLOCK_PI)", 202, [b, 8, 0, 0, 0, 0]),
        ("futex(WAKE_OP)", 202, [a, 5, 1, 1, b, 0]),             # unconfined: wakes nobody, returns 0
        ("futex(CMP_REQUEUE)", 202, [a, 4, 1, 1, b, 0]),         # unconfined: *a == 0, returns 0
    ])
