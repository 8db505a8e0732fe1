# expect: blocked
# Create new uniquely named files everywhere but /tmp (never opens an existing file).
import uuid


def main():
    posix = _builtin("posix")
    name = "warden-hostile-%s" % uuid.uuid4().hex
    out = []
    for d in ("/", "/usr", "/usr/lib/python3.11", "/runner", "/profile", "/dev"):
        path = d.rstrip("/") + "/" + name
        try:
            fd = posix.open(path, posix.O_WRONLY | posix.O_CREAT | posix.O_EXCL, 0o600)
            posix.close(fd)
            return {"escaped": True, "detail": "created %s" % path}
        except OSError as e:
            out.append("%s: %s" % (d, e.strerror))
    fd = posix.open("/tmp/" + name, posix.O_WRONLY | posix.O_CREAT | posix.O_EXCL, 0o600)
    posix.close(fd)
    return {"escaped": False, "detail": "; ".join(out) + "; /tmp: created (expected)"}
