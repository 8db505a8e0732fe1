# expect: blocked
# Fill /tmp with up to 64 MiB: the tmpfs size (16 MiB) and RLIMIT_FSIZE must stop it.
import uuid


def main():
    posix = _builtin("posix")
    fd = posix.open("/tmp/fill-%s" % uuid.uuid4().hex, posix.O_WRONLY | posix.O_CREAT | posix.O_EXCL, 0o600)
    chunk, written, err = b"\0" * (1 << 20), 0, ""
    for _ in range(64):
        try:
            written += posix.write(fd, chunk)
        except OSError as e:
            err = e.strerror
            break
    return {"escaped": written > (16 << 20), "detail": "wrote %d MiB, then: %s" % (written >> 20, err)}
