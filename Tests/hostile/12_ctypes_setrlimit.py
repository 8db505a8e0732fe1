# expect: blocked
# ctypes raw syscalls: raise RLIMIT_NOFILE / RLIMIT_CPU (prlimit64 and setrlimit), setuid(0).
def main():
    ctypes = _ctypes()
    lim = (ctypes.c_uint64 * 2)(4096, 4096)
    return _raw([("prlimit64(NOFILE=4096)", 302, [0, 7, ctypes.addressof(lim), 0]),
                 ("setrlimit(CPU)", 160, [0, ctypes.addressof(lim)]), ("setuid(0)", 105, [0]),
                 ("clone(SIGCHLD)", 56, [17, 0, 0, 0, 0]), ("vfork", 58, [])])
