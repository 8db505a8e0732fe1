# expect: blocked
# ctypes raw syscalls with arguments that work for root unconfined: perf_event_open of a software
# counter on ourselves (disabled, user space only), userfaultfd(0), personality(READ_IMPLIES_EXEC)
# (reset right after should it ever succeed), seccomp(GET_ACTION_AVAIL) (a query; a new filter or
# strict mode would end the probe itself), memfd_create.
def main():
    ctypes, libc = _libc()
    attr = ctypes.create_string_buffer(128)                     # struct perf_event_attr
    ctypes.memmove(attr, (ctypes.c_uint32 * 4)(1, 128, 1, 0), 16)   # SOFTWARE, size, TASK_CLOCK
    ctypes.memmove(ctypes.addressof(attr) + 40, (ctypes.c_uint64 * 1)(1 | 1 << 5 | 1 << 6), 8)   # disabled, exclude_kernel/hv
    action = ctypes.c_uint32(0x7FFF0000)                        # SECCOMP_RET_ALLOW
    name = ctypes.create_string_buffer(b"warden-hostile")
    result = _raw([("perf_event_open(sw, self)", 298, [ctypes.addressof(attr), 0, -1, -1, 8]), ("userfaultfd(0)", 323, [0]),
                   ("personality(READ_IMPLIES_EXEC)", 135, [0x0400000]),
                   ("seccomp(GET_ACTION_AVAIL)", 317, [2, 0, ctypes.addressof(action)]),
                   ("memfd_create", 319, [ctypes.addressof(name), 1])])
    if result["escaped"]:
        libc.syscall(ctypes.c_long(135), ctypes.c_long(0))   # PER_LINUX again
    return result
