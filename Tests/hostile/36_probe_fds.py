# expect: blocked
# Inherited descriptors: only 0-3 and the egress socket 5 may be open (4 = the launcher's status
# pipe must be closed), and 5 must be a socket, not a file of the host.
def main():
    posix = _builtin("posix")
    open_fds = []
    for fd in range(0, 1025):
        try:
            posix.fstat(fd)
            open_fds.append(fd)
        except OSError:
            pass
    unexpected = [fd for fd in open_fds if fd > 3 and fd != 5]
    egress_is_socket = 5 not in open_fds or (posix.fstat(5).st_mode & 0o170000) == 0o140000
    return {"escaped": bool(unexpected) or not egress_is_socket, "detail": "open fds: %s" % open_fds}
