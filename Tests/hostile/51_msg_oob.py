# expect: blocked
# Out-of-band data on AF_UNIX stream sockets (MSG_OOB) is the CVE-2025-38236 class: refused on
# send and receive, on our own socketpair, while the same calls without the flag still work.
def main():
    posix = _builtin("posix")
    ctypes, libc = _libc()
    sv = _socketpair(ctypes, libc)
    data = ctypes.create_string_buffer(b"x", 1)
    iov = (ctypes.c_uint64 * 2)(ctypes.addressof(data), 1)
    msg = (ctypes.c_uint64 * 7)(0, 0, ctypes.addressof(iov), 1, 0, 0, 0)   # struct msghdr
    try:
        ctypes.set_errno(0)
        if libc.syscall(ctypes.c_long(44), *[ctypes.c_long(a) for a in (sv[0], ctypes.addressof(data), 1, 0, 0, 0)]) != 1:
            raise Unexpected("a plain send failed: errno %d" % ctypes.get_errno())
        return _raw([
            ("sendto(MSG_OOB)", 44, [sv[0], ctypes.addressof(data), 1, 1, 0, 0]),
            ("recvfrom(MSG_OOB)", 45, [sv[1], ctypes.addressof(data), 1, 1, 0, 0]),
            ("sendmsg(MSG_OOB)", 46, [sv[0], ctypes.addressof(msg), 1]),
            ("recvmsg(MSG_OOB)", 47, [sv[1], ctypes.addressof(msg), 1]),
        ])
    finally:
        posix.close(sv[0])
        posix.close(sv[1])
