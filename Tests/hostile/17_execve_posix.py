# expect: blocked
# posix.execv of the interpreter: plain execve is not in the filter.
def main():
    posix = _builtin("posix")
    try:
        posix.execv("/usr/bin/python3.11", ["python3", "-c", "pass"])
    except OSError as e:
        return {"escaped": False, "detail": "execv: %s" % e}
    return {"escaped": True, "detail": "unreachable"}
