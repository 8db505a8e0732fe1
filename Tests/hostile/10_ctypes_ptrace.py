# expect: blocked
# ctypes raw syscalls: ptrace and cross-process memory access (pid 1 is ourselves here).
def main():
    return _raw([("ptrace(TRACEME)", 101, [0, 0, 0, 0]), ("ptrace(ATTACH,1)", 101, [16, 1, 0, 0]),
                 ("process_vm_readv", 310, [1, 0, 0, 0, 0, 0]), ("process_vm_writev", 311, [1, 0, 0, 0, 0, 0])])
