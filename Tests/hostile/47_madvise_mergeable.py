# expect: blocked
# madvise(MADV_MERGEABLE) offers pages to KSM, whose merging of equal pages across processes is a
# timing side channel to other workers: refused (EPERM) on our own new anonymous page, also with
# garbage in the upper 32 bits of the advice (the kernel reads an int). MADV_DONTNEED still works.
def main():
    ctypes, libc = _libc()
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long)
    page = libc.mmap(None, 4096, 3, 0x22, -1, 0)   # PROT_READ|WRITE, MAP_PRIVATE|ANONYMOUS
    if page in (None, ctypes.c_void_p(-1).value):
        raise Unexpected("mmap failed: errno %d" % ctypes.get_errno())
    try:
        result = _raw([("madvise(MERGEABLE)", 28, [page, 4096, 12]), ("madvise(2**32+MERGEABLE)", 28, [page, 4096, (1 << 32) + 12])])
        ctypes.set_errno(0)
        dontneed = libc.syscall(ctypes.c_long(28), ctypes.c_long(page), ctypes.c_long(4096), ctypes.c_long(4))
        if dontneed != 0:
            raise Unexpected("madvise(DONTNEED) failed: errno %d" % ctypes.get_errno())
    finally:
        libc.munmap(ctypes.c_void_p(page), ctypes.c_size_t(4096))
    return result
