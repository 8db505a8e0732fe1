# expect: blocked
# ctypes raw syscalls: ptrace and cross-process memory access, aimed at ourselves so they would
# succeed unconfined without touching anything else (PTRACE_ATTACH would stop its target: not
# probed). process_vm_readv/writev copy 8 bytes of our own memory within ourselves.
def main():
    posix = _builtin("posix")
    ctypes, libc = _libc()

    class Iovec(ctypes.Structure):
        _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]

    a, b = ctypes.create_string_buffer(b"warden!!", 8), ctypes.create_string_buffer(8)
    local, remote = Iovec(ctypes.addressof(b), 8), Iovec(ctypes.addressof(a), 8)
    me = posix.getpid()
    return _raw([("ptrace(TRACEME)", 101, [0, 0, 0, 0]),
                 ("process_vm_readv(self)", 310, [me, ctypes.addressof(local), 1, ctypes.addressof(remote), 1, 0]),
                 ("process_vm_writev(self)", 311, [me, ctypes.addressof(local), 1, ctypes.addressof(remote), 1, 0])])
