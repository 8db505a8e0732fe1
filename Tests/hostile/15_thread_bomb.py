# expect: blocked
# _thread via BuiltinImporter: start (bounded) 100 threads.
def main():
    _thread = _builtin("_thread")
    started, last = 0, ""
    for _ in range(100):
        try:
            _thread.start_new_thread(lambda: None, ())
            started += 1
        except BaseException as e:
            last = "%s: %s" % (type(e).__name__, e)
    return {"escaped": started > 0, "detail": "%d threads started; %s" % (started, last)}
