# expect: blocked
# execveat(1000, "/abs/path", ..., AT_EMPTY_PATH) passes a filter that checks only the fd and
# flags (the kernel ignores the fd for an absolute path). If it runs, the new program writes an
# `escaped` frame itself; nothing else is touched.
PAYLOAD = ("import json, posix; d = json.dumps({'ok': True, 'result': {'escaped': True, "
           "'detail': 'a new program ran after the runner'}, 'stdout': '', 'stdout_truncated': False}).encode(); "
           "posix.write(3, len(d).to_bytes(4, 'big') + d)")


def main():
    ctypes, libc = _libc()
    argv = (ctypes.c_char_p * 6)(b"python3", b"-I", b"-S", b"-c", PAYLOAD.encode(), None)
    envp = (ctypes.c_char_p * 1)(None)
    out = []
    for path in (b"/usr/bin/python3", b"/usr/bin/python3.11"):
        ctypes.set_errno(0)
        rc = libc.syscall(322, ctypes.c_long(1000), path, argv, envp, ctypes.c_long(0x1000))
        out.append(("execveat(1000, %s, AT_EMPTY_PATH)" % path.decode(), rc, ctypes.get_errno(), EPERM))
    return _check(out)
