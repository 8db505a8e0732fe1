# expect: blocked
# ctypes raw syscalls: mount, umount2, chroot, each with arguments that work for root unconfined.
# Only our own new files are touched: a bind mount of one new file in /tmp onto another (mkdir is
# refused, so no directory can be made for a tmpfs), then umount2 of that same target, which also
# undoes the mount should it ever succeed. chroot("/tmp") would change only our own root.
def main():
    posix = _builtin("posix")
    ctypes, libc = _libc()
    base = "/tmp/warden-hostile-mount-%d-" % posix.getpid()
    for suffix in ("src", "dst"):
        posix.close(posix.open(base + suffix, posix.O_WRONLY | posix.O_CREAT | posix.O_EXCL, 0o600))
    src, dst, tmp = (ctypes.create_string_buffer(p.encode()) for p in (base + "src", base + "dst", "/tmp"))
    return _raw([("mount(bind new file)", 165, [ctypes.addressof(src), ctypes.addressof(dst), 0, 0x1000, 0]),
                 ("umount2(that file)", 166, [ctypes.addressof(dst), 0]),
                 ("chroot(/tmp)", 161, [ctypes.addressof(tmp)])])
