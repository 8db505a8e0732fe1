# expect: blocked
# ctypes raw syscalls: keyrings and eBPF, with arguments that work for root unconfined: read the
# session keyring's id; add a new, uniquely named key to this process's own keyring (gone with
# it) and look it up again (no callout: request_key never runs a helper); create a one-entry
# array map (a new descriptor, nothing loaded).
def main():
    posix = _builtin("posix")
    ctypes, libc = _libc()
    kind, desc, data = (ctypes.create_string_buffer(s) for s in (b"user", b"warden-hostile-%d" % posix.getpid(), b"x"))
    attr = ctypes.create_string_buffer(128)   # union bpf_attr, map_create part
    ctypes.memmove(attr, (ctypes.c_uint32 * 4)(2, 4, 4, 1), 16)   # ARRAY, key 4, value 4, 1 entry
    return _raw([("keyctl(GET_KEYRING_ID, SESSION)", 250, [0, -3, 0]),
                 ("add_key(user, process keyring)", 248, [ctypes.addressof(kind), ctypes.addressof(desc),
                                                          ctypes.addressof(data), 1, -2]),
                 ("request_key(that key)", 249, [ctypes.addressof(kind), ctypes.addressof(desc), 0, 0]),
                 ("bpf(MAP_CREATE, array)", 321, [0, ctypes.addressof(attr), 128])])
