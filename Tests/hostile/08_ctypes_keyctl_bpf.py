# expect: blocked
# ctypes raw syscalls: keyrings and eBPF.
def main():
    return _raw([("keyctl(GET_KEYRING_ID)", 250, [0, -3, 0]), ("add_key", 248, [0, 0, 0, 0, -3]),
                 ("request_key", 249, [0, 0, 0, 0]), ("bpf(PROG_LOAD)", 321, [5, 0, 0])])
