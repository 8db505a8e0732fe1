# expect: blocked
# Walk the traceback to the runner's frame, take its os, and try to exec a new program.
def main():
    try:
        raise ValueError
    except ValueError as e:
        frame = e.__traceback__.tb_frame
    g = None
    while frame is not None:
        if "os" in frame.f_globals and frame.f_globals is not globals():
            g = frame.f_globals
            break
        frame = frame.f_back
    if g is None:
        return {"escaped": False, "detail": "runner globals not reachable"}
    os = g["os"]
    try:
        os.execv("/usr/bin/python3.11", ["python3", "-c", "print('pwned')"])
    except OSError as e:
        return {"escaped": False, "detail": "runner globals reached (%d names); execv: %s" % (len(g), e)}
    return {"escaped": True, "detail": "unreachable"}
