# expect: blocked
# ctypes raw syscalls: io_uring (a syscall-filter bypass when allowed).
def main():
    ctypes = _ctypes()
    params = ctypes.create_string_buffer(120)
    return _raw([("io_uring_setup", 425, [8, ctypes.addressof(params)]), ("io_uring_enter", 426, [3, 0, 0, 0, 0, 0]),
                 ("io_uring_register", 427, [3, 0, 0, 0])])
