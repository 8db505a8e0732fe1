# expect: blocked
# Allowed modules re-export os (random._os): read a host file with it.
import random


def main():
    os = random._os
    tried = []
    for path in ("/etc/passwd", "/etc/hostname", "/root/.bash_history"):
        try:
            fd = os.open(path, os.O_RDONLY)
            return {"escaped": True, "detail": "read %s: %r" % (path, os.read(fd, 64))}
        except OSError as e:
            tried.append("%s: %s" % (path, e.strerror))
    return {"escaped": False, "detail": "random._os reached; " + "; ".join(tried)}
