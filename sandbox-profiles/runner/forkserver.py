"""`runner.py --fork-server`: a confined interpreter that never runs tool code. It waits on the
control socket (fd 0) for the descriptors of one execution, forks, and the child becomes an
ordinary worker: its descriptors at 0-3 and 5, the strict filter stacked over the server's
wider one (which alone allows fork), then the runner's main. The server reaps the child, has
its janitor empty /tmp, and reports the child's status as one JSON line. One child at a time,
each used once."""
import os
import sys

from codec import dumps
from guards import filter_loader
from imports import real_import, unguarded
from protocol import diag

_read, _close, _exit = os.read, os.close, os._exit

CONTROL_FD = 0
CHILD_FILTER_FD = 6
JANITOR_FILTER_FD = 7
_CATCHABLE = (1, 2, 3, 10, 12, 13, 14, 15)   # HUP INT QUIT USR1 USR2 PIPE ALRM TERM


def _read_fd(fd):
    chunks = []
    while True:
        b = _read(fd, 1 << 16)
        if not b:
            return b"".join(chunks)
        chunks.append(b)


def _become_worker(control, fds, janitor, load_strict_filter, _signal, main, exit_=os._exit):
    """In the child: nothing of the server's may stay reachable, and the strict filter must be
    in place, before the request is even read. The child never returns into the server's loop:
    `exit_` is bound when this function is defined, so a tool rebinding `_exit` cannot change it."""
    try:
        control.detach()
        janitor.forget()
        # 0-3 are held by the server, so no received descriptor is one a dup2 below overwrites
        # first; 5 may be received, and is written last, after it has been copied to its target.
        if min(fds) < 4:
            raise ValueError("received descriptor %d" % min(fds))
        for target, fd in zip((0, 1, 2, 3, 5), fds):
            os.dup2(fd, target)
        for fd in fds:
            if fd not in (0, 1, 2, 3, 5):
                _close(fd)
        for sig in _CATCHABLE:
            _signal.signal(sig, _signal.SIG_DFL)
        _signal.signal(2, _signal.default_int_handler)
        _signal.signal(13, _signal.SIG_IGN)   # as at interpreter start: broken pipes raise
        load_strict_filter(os.getpid())   # its own pid for SELF_PID: it may signal itself only
    except BaseException as e:
        diag("fork server child setup failed: %r" % (e,))
        exit_(70)
    try:
        main()
    finally:
        exit_(70)


class Janitor:
    """Empties /tmp between children from a process of its own, forked before any child exists
    and never forking itself: the names a child left are read into the janitor's memory only,
    never the server's, so no later child (forked from the server) inherits them. Tools cannot
    make directories, links or special files: /tmp holds only their regular files (at most the
    mount's nr_inodes). One byte asks, one byte answers: emptied, emptied but retire (the
    janitor has used half its own CPU limit, which children filling /tmp can drive up), or not.
    A janitor that is gone answers nothing, and the server then retires rather than hand a dirty
    /tmp to the next child."""

    CLEAN, CLEAN_RETIRE, DIRTY = b"1", b"2", b"0"

    def __init__(self, _socket, cpu_budget, process_time, load_filter, exit_=os._exit):
        # A socket pair, not a pipe: the server's filter allows socketpair (asyncio needs it), not pipe2.
        self.channel, theirs = (end.detach() for end in _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_STREAM))
        pid = os.fork()
        if pid == 0:
            try:
                for fd in (CONTROL_FD, 1, 2, 3, self.channel):   # the supervisor's channel and pipes are the server's
                    try:
                        _close(fd)
                    except OSError:
                        pass
                load_filter()   # its own filter on top of the server's: no fork, wait, signal or exec
                while _read(theirs, 1):
                    try:
                        for name in os.listdir("/tmp"):
                            os.unlink("/tmp/" + name)
                        answer = self.DIRTY if os.listdir("/tmp") else self.CLEAN
                    except OSError:
                        answer = self.DIRTY
                    if answer == self.CLEAN and cpu_budget > 0 and process_time() >= cpu_budget:
                        answer = self.CLEAN_RETIRE
                    os.write(theirs, answer)
            except BaseException:
                exit_(1)
            exit_(0)   # the server has gone: its end of the channel closed
        _close(theirs)

    def empty_tmp(self):
        """The janitor's answer: CLEAN, CLEAN_RETIRE or DIRTY (also when it is gone)."""
        try:
            os.write(self.channel, b"x")
            answer = _read(self.channel, 1)
        except OSError:
            return self.DIRTY
        return answer if answer in (self.CLEAN, self.CLEAN_RETIRE) else self.DIRTY

    def forget(self):
        """In a child: the janitor's channel must not be reachable from tool code, which could
        otherwise ask for cleanups ahead and leave stale answers for the server to read."""
        _close(self.channel)


# A server retires (the pool starts a fresh one) after this many children, or once it has used
# half its CPU limit: the kernel's CPU limit must never fall on a child's request, and no server
# lives long enough for its children to learn much from what they share (hash seed, layout).
_SERVER_MAX_CHILDREN = 500


def _serve_one(control, fds, janitor, load_strict_filter, _signal, main):
    """One child, start to end, in its own frame: once it returns nothing of this execution stays
    reachable from the server's loop, so the next child cannot find it through frames."""
    pid = os.fork()
    if pid == 0:
        _become_worker(control, fds, janitor, load_strict_filter, _signal, main)
    for fd in fds:
        _close(fd)
    _, status, usage = unguarded(os.wait4, pid, 0)   # it imports `resource`, through the guard
    signal = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    report = {
        "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": signal,
        "cpu_ms": int((usage.ru_utime + usage.ru_stime) * 1000),
        "max_rss_kb": usage.ru_maxrss,
        # Only the kernel's memory limit kills with SIGKILL here: the supervisor's own kills
        # (timeout, output) end this whole server instead, and the CPU limit is told apart
        # by the time spent. (A tool that SIGKILLs itself is reported as out of memory.)
        "oom_killed": signal == 9,
        "error": None,
    }
    answer = janitor.empty_tmp()
    if answer == Janitor.DIRTY:
        diag("fork server: cannot empty /tmp; stopping")
        report["dirty"] = True
    if answer != Janitor.CLEAN:
        report["retire"] = True
    return report


def _handed_filter(fd, whose):
    """The loader of a filter the launcher handed over on `fd` (closed once read). Without one
    the server stops: it never runs a child or a janitor less confined than the policy says."""
    program = _read_fd(fd)
    _close(fd)
    if not program or len(program) % 8:
        diag("fork server: no %s filter on fd %d" % (whose, fd))
        _exit(70)
    return filter_loader(program)


def serve(main):
    _signal, _socket, _resource = real_import("_signal"), real_import("_socket"), real_import("resource")
    for sig in _CATCHABLE:   # a child may signal us (same uid, same namespace): ignore it
        _signal.signal(sig, _signal.SIG_IGN)
    load_strict_filter = _handed_filter(CHILD_FILTER_FD, "child")
    load_janitor_filter = _handed_filter(JANITOR_FILTER_FD, "janitor")
    cpu_budget = _resource.getrlimit(_resource.RLIMIT_CPU)[0] / 2
    process_time = real_import("time").process_time
    # Everything alive now is the server's: keep the collector off it, so children do not copy
    # pages just to scan them.
    real_import("gc").freeze()
    janitor = Janitor(_socket, cpu_budget, process_time, load_janitor_filter)
    control = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM, 0, CONTROL_FD)
    control.sendall(b"ready\n")
    room = _socket.CMSG_LEN(5 * 4)
    for served in range(1, _SERVER_MAX_CHILDREN + 1):
        msg, ancdata, flags, _ = control.recvmsg(1, room)
        if not msg:
            _exit(0)   # the supervisor closed the channel: stop
        fds = []
        for level, kind, data in ancdata:
            if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
                fds += [int.from_bytes(data[i:i + 4], sys.byteorder) for i in range(0, len(data) - len(data) % 4, 4)]
        if msg != b"R" or len(fds) != 5 or flags & _socket.MSG_CTRUNC:
            diag("fork server: malformed request from the supervisor")
            _exit(70)
        report = _serve_one(control, fds, janitor, load_strict_filter, _signal, main)
        dirty = report.pop("dirty", False)
        if served == _SERVER_MAX_CHILDREN or (cpu_budget > 0 and process_time() >= cpu_budget):
            report["retire"] = True
        control.sendall(dumps(report).encode("ascii") + b"\n")
        if report.get("retire"):
            _exit(70 if dirty else 0)   # planned, or never hand a dirty /tmp to the next child
        # The next child is forked from below this frame: leave nothing of this execution in it.
        del msg, ancdata, fds, report, dirty
