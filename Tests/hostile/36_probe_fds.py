# expect: blocked
# Inherited descriptors: only 0-3 may be open (4 = the launcher's status pipe must be closed).
def _builtin(name):
    # object.__subclasses__() reaches BuiltinImporter even under -I -S (DESIGN §9)
    for c in object.__subclasses__():
        if c.__name__ == "BuiltinImporter":
            return c.load_module(name)


def main():
    posix = _builtin("posix")
    open_fds = []
    for fd in range(0, 1025):
        try:
            posix.fstat(fd)
            open_fds.append(fd)
        except OSError:
            pass
    return {"escaped": any(fd > 3 for fd in open_fds), "detail": "open fds: %s" % open_fds}
