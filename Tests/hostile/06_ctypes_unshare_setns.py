# expect: blocked
# ctypes raw syscalls: new namespaces must be refused by seccomp (EPERM). unshare and pidfd_open
# would succeed unconfined (and affect only this process). setns needs a namespace descriptor and
# none can be had here (no /proc; pidfd_open and the SIOCGSKNS ioctl are refused), so it gets the
# request pipe: unconfined that is EINVAL, so only the filter answers EPERM.
def main():
    posix = _builtin("posix")
    return _raw([("unshare(NEWUSER)", 272, [0x10000000]), ("unshare(NEWNS)", 272, [0x20000]),
                 ("pidfd_open(self)", 434, [posix.getpid(), 0]), ("setns(0,0)", 308, [0, 0])])
