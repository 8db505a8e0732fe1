# expect: blocked
# The filter allows execveat(1000, "", ..., AT_EMPTY_PATH): try to make and use an fd 1000.
def main():
    posix = _builtin("posix")
    out = []
    try:
        posix.execve(1000, ["python3", "-c", "pass"], {})      # fexecve -> execveat(1000, "")
    except OSError as e:
        out.append("execve(fd 1000): %s" % e)
    fd = posix.open("/usr/bin/python3.11", posix.O_RDONLY)
    for how, f in (("dup2(fd, 1000)", lambda: posix.dup2(fd, 1000)), ("dup3(fd, 1000)", lambda: posix.dup2(fd, 1000, False)),
                   ("dup3(fd, 999)", lambda: posix.dup2(fd, 999, False))):
        try:
            f()
            out.append("%s: succeeded" % how)
            return {"escaped": True, "detail": "; ".join(out)}
        except OSError as e:
            out.append("%s: %s" % (how, e))
    try:
        posix.execve(fd, ["python3", "-c", "pass"], {})          # execveat(fd != 1000)
    except OSError as e:
        out.append("execve(fd %d): %s" % (fd, e))
    return {"escaped": False, "detail": "; ".join(out)}
