# expect: blocked
# fcntl beyond descriptor flags and duplicates must be refused (EPERM), each with arguments that
# work unconfined on our own new file or on /tmp: F_NOTIFY (directory change signals), F_SETOWN
# and F_SETSIG (where SIGIO goes), F_SETLEASE, F_SETLK. The commands CPython needs still work.
def main():
    posix = _builtin("posix")
    ctypes, libc = _libc()
    name = "/tmp/warden-hostile-fcntl-%d" % posix.getpid()
    f = posix.open(name, posix.O_RDONLY | posix.O_CREAT | posix.O_EXCL, 0o600)
    d = posix.open("/tmp", posix.O_RDONLY | posix.O_DIRECTORY)
    lock = ctypes.create_string_buffer(32)   # struct flock: F_RDLCK (0), SEEK_SET, whole file
    try:
        result = _raw([("F_NOTIFY(/tmp, DN_CREATE)", 72, [d, 1026, 4]), ("F_SETOWN(me)", 72, [f, 8, posix.getpid()]),
                       ("F_SETSIG(SIGUSR1)", 72, [f, 10, 10]), ("F_SETLEASE(RDLCK)", 72, [f, 1024, 0]),
                       ("F_SETLK(RDLCK)", 72, [f, 6, ctypes.addressof(lock)])])
        flags = posix.get_blocking(f), posix.get_inheritable(f)   # F_GETFL, F_GETFD
        posix.set_blocking(f, False)                                # F_SETFL
        g = posix.dup(f)                                            # F_DUPFD_CLOEXEC
        posix.close(g)
    finally:
        posix.close(f)
        posix.close(d)
    result["detail"] += "; blocking/inheritable %s, set_blocking and dup work" % (flags,)
    return result
