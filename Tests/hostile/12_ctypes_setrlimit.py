# expect: blocked
# ctypes raw syscalls that work for root unconfined: raise RLIMIT_NOFILE / RLIMIT_CPU (prlimit64
# and setrlimit), setuid to our own uid. fork/clone have their own cases (13, 14), where a child
# that ever appeared is handled.
def main():
    posix = _builtin("posix")
    ctypes, libc = _libc()
    lim = (ctypes.c_uint64 * 2)(4096, 4096)
    return _raw([("prlimit64(NOFILE=4096)", 302, [0, 7, ctypes.addressof(lim), 0]),
                 ("setrlimit(CPU=4096)", 160, [0, ctypes.addressof(lim)]), ("setuid(own uid)", 105, [posix.getuid()])])
