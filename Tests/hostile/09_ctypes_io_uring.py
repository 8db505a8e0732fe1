# expect: blocked
# ctypes raw syscalls: io_uring (a syscall-filter bypass when allowed). io_uring_setup(1, zeroed
# params) makes a ring for root unconfined. enter/register then have no ring to act on: on fd 0
# (a pipe) unconfined they fail with EOPNOTSUPP, so EPERM can only be the filter's answer.
def main():
    ctypes, libc = _libc()
    params = ctypes.create_string_buffer(120)   # struct io_uring_params, all zero
    return _raw([("io_uring_setup(1)", 425, [1, ctypes.addressof(params)]), ("io_uring_enter(0)", 426, [0, 0, 0, 0, 0, 0]),
                 ("io_uring_register(0)", 427, [0, 0, 0, 0])])
