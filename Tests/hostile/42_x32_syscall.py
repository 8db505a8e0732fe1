# expect: killed:signal
# An x32 syscall number (0x40000000 | getpid) must end the process (SIGSYS), not reach the
# kernel's x32 table past a filter written for x86_64 numbers. getpid is harmless either way.
def main():
    ctypes, libc = _libc()
    ctypes.set_errno(0)
    rc = libc.syscall(ctypes.c_long(0x40000000 | 39))
    return {"escaped": rc >= 0, "detail": "x32 getpid returned %d/errno %d" % (rc, ctypes.get_errno())}
