"""Guards the runner puts up before any tool code exists: the exec ban, the non-dumpable flag,
closing its own script's descriptor; and the seccomp filter loader the fork server uses."""
import builtins
import os
import sys

from protocol import diag

_exit, _fstat, _stat, _close = os._exit, os.fstat, os.stat, os.close
_real_import = builtins.__import__   # taken before the import guard replaces it

_SELF_PID = 0x5EC0FFEE   # `SELF_PID` in seccomp.policy: the loader puts its own pid there


def filter_loader(program):
    """A function that stacks this seccomp filter (raw BPF, 8 bytes an instruction) over the
    calling process's own. Built ahead, so a fork server's child only makes the one call. A
    stacked filter can only take away: the kernel applies the strictest answer of all.
    A filter with SELF_PID rules must be loaded as load(pid): the caller's pid goes there."""
    ctypes = _real_import("ctypes")   # past the import guard, which may be in place already
    program = bytes(program)
    self_pid = []   # offsets of the `k` fields holding SELF_PID
    for i in range(0, len(program), 8):
        if int.from_bytes(program[i + 4:i + 8], sys.byteorder) == _SELF_PID:
            if int.from_bytes(program[i:i + 2], sys.byteorder) != 0x15:   # BPF_JMP|BPF_JEQ|BPF_K
                raise ValueError("SELF_PID in BPF instruction %d, which is no equality test" % (i // 8))
            self_pid.append(i + 4)

    class Prog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    code = ctypes.create_string_buffer(bytes(program), len(program))
    prog = Prog(len(program) // 8, ctypes.addressof(code))
    prctl = ctypes.CDLL(None, use_errno=True).prctl

    def load(pid=None):
        if (pid is None) != (not self_pid):   # fail closed: never load a placeholder as it is
            raise ValueError("filter has %d SELF_PID fields, pid given: %r" % (len(self_pid), pid))
        for off in self_pid:
            code[off:off + 4] = pid.to_bytes(4, sys.byteorder)
        if prctl(22, 2, ctypes.byref(prog), 0, 0) != 0:   # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP)")
        return code   # naming `code` here keeps the buffer alive: `prog` holds only its address
    return load


def forbid_exec():
    # The launcher's filter has to allow its own execveat(1000, "", ..., AT_EMPTY_PATH), and a
    # filter cannot read the path: with an absolute one the kernel ignores fd 1000, so any file
    # in the sandbox could be executed. Stack a filter refusing execve/execveat for good; fail
    # closed (no tool runs) if that is not possible.
    try:
        arch, nrs = {"x86_64": (0xC000003E, (59, 322)), "aarch64": (0xC00000B7, (221, 281))}[os.uname().machine]

        def insn(code, jt, jf, k):
            return code.to_bytes(2, sys.byteorder) + bytes((jt, jf)) + k.to_bytes(4, sys.byteorder)

        ld, jeq, ret = 0x20, 0x15, 0x06
        filter_loader(b"".join((
            insn(ld, 0, 0, 4),              # arch
            insn(jeq, 0, 3, arch),          # another arch: the launcher's filter kills it
            insn(ld, 0, 0, 0),              # syscall number
            insn(jeq, 2, 0, nrs[0]),
            insn(jeq, 1, 0, nrs[1]),
            insn(ret, 0, 0, 0x7FFF0000),    # SECCOMP_RET_ALLOW
            insn(ret, 0, 0, 0x00050001),    # SECCOMP_RET_ERRNO | EPERM
        )))()
    except Exception as e:
        diag("cannot forbid exec, refusing to run tools: %r" % (e,))
        _exit(70)


def not_dumpable():
    # execve made the interpreter dumpable again; a dumpable process's memory (and, with a
    # /proc, its files) is open to every process of its uid. Children inherit the flag.
    try:
        prctl = _real_import("ctypes").CDLL(None, use_errno=True).prctl
        prctl(4, 0, 0, 0, 0)   # PR_SET_DUMPABLE 0
        if prctl(3, 0, 0, 0, 0) != 0:   # PR_GET_DUMPABLE
            raise OSError("still dumpable")
    except Exception as e:
        diag("cannot make the worker non-dumpable, refusing to run tools: %r" % (e,))
        _exit(70)


def close_script_fd():
    # CPython keeps the script open while it runs; the tool must see no descriptor but 0-3
    # (and the egress socket on 5, which is never the script: the inode check keeps it).
    try:
        me = _stat(sys.argv[0])
    except OSError:
        return
    for fd in range(4, 64):
        try:
            st = _fstat(fd)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) == (me.st_dev, me.st_ino):
            _close(fd)
