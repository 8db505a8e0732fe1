# expect: blocked
# setsockopt hands code to the kernel with SO_ATTACH_FILTER (classic BPF) / SO_ATTACH_BPF and is
# needed by nothing in the worker: refused (EPERM) on our own socketpair. The classic filter
# (one `accept everything` instruction) attaches unconfined; SO_ATTACH_BPF with no program
# would be EBADF there, so EPERM is the filter's.
def main():
    posix = _builtin("posix")
    ctypes, libc = _libc()
    sv = _socketpair(ctypes, libc)
    insn = (ctypes.c_uint64 * 1)(0x06 | 0xFFFF << 32)   # BPF_RET|BPF_K 0xffff
    prog = (ctypes.c_uint64 * 2)(1, ctypes.addressof(insn))   # struct sock_fprog {len, filter}
    no_prog = ctypes.c_int(-1)
    try:
        return _raw([("setsockopt(SO_ATTACH_FILTER)", 54, [sv[0], 1, 26, ctypes.addressof(prog), 16]),
                     ("setsockopt(SO_ATTACH_BPF)", 54, [sv[0], 1, 50, ctypes.addressof(no_prog), 4])])
    finally:
        posix.close(sv[0])
        posix.close(sv[1])
