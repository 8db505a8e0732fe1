# expect: blocked
# ctypes raw syscalls: perf_event_open, userfaultfd, personality, seccomp, memfd_create.
def main():
    ctypes = _ctypes()
    attr = ctypes.create_string_buffer(128)
    name = ctypes.create_string_buffer(b"x")
    return _raw([("perf_event_open", 298, [ctypes.addressof(attr), 0, -1, -1, 0]), ("userfaultfd", 323, [0]),
                 ("personality(READ_IMPLIES_EXEC)", 135, [0x0400000]), ("seccomp(SET_MODE_STRICT)", 317, [0, 0, 0]),
                 ("memfd_create", 319, [ctypes.addressof(name), 0])])
