# expect: blocked
# A fork server's own extra syscalls (fork, wait4, dup2, unlink) are in its filter only: the
# child stacks the strict filter before tool code exists, so each must fail with EPERM here
# (fork has its own case). Harmless if not: wait4 on no children, dup2 onto a free number,
# unlink of our own new file.
def main():
    posix = _builtin("posix")
    outcomes = {}
    try:
        posix.waitpid(-1, 1)   # WNOHANG
        outcomes["wait4"] = "allowed"
    except OSError as e:
        outcomes["wait4"] = e.errno
    try:
        posix.dup2(1, 9)
        outcomes["dup2"] = "allowed"
    except OSError as e:
        outcomes["dup2"] = e.errno
    name = "/tmp/warden-hostile-%d" % posix.getpid()
    fd = posix.open(name, posix.O_WRONLY | posix.O_CREAT | posix.O_EXCL, 0o600)
    posix.close(fd)
    try:
        posix.unlink(name)
        outcomes["unlink"] = "allowed"
    except OSError as e:
        outcomes["unlink"] = e.errno
    escaped = any(v != 1 for v in outcomes.values())   # 1 = EPERM: refused by the filter
    return {"escaped": escaped, "detail": "errno per call (1 = EPERM): %s" % outcomes}
