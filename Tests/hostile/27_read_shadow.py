# expect: blocked
# Read /etc/shadow and /etc/passwd with the real builtins' open.
def main():
    real_open = _builtin("builtins").open
    out = []
    for path in ("/etc/shadow", "/etc/passwd", "/etc/hosts"):
        try:
            with real_open(path, "rb") as f:
                return {"escaped": True, "detail": "%s: %r" % (path, f.read(40))}
        except OSError as e:
            out.append("%s: %s" % (path, e.strerror))
    return {"escaped": False, "detail": "; ".join(out)}
