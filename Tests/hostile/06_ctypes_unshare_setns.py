# expect: blocked
# ctypes raw syscalls: new namespaces (unshare, setns) must be refused by seccomp.
def main():
    return _raw([("unshare(NEWUSER)", 272, [0x10000000]), ("unshare(NEWNS)", 272, [0x20000]),
                 ("setns(0,0)", 308, [0, 0])])
