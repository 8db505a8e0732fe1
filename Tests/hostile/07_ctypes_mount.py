# expect: blocked
# ctypes raw syscalls: mount a proc or tmpfs, umount2, pivot_root, chroot.
def main():
    ctypes = _ctypes()
    proc, tmp = ctypes.c_char_p(b"proc"), ctypes.c_char_p(b"/tmp")
    return _raw([("mount(proc,/tmp)", 165, [ctypes.cast(proc, ctypes.c_void_p).value or 0,
                  ctypes.cast(tmp, ctypes.c_void_p).value or 0, ctypes.cast(proc, ctypes.c_void_p).value or 0, 0, 0]),
                 ("umount2(/tmp)", 166, [ctypes.cast(tmp, ctypes.c_void_p).value or 0, 2]),
                 ("chroot(/tmp)", 161, [ctypes.cast(tmp, ctypes.c_void_p).value or 0])])
