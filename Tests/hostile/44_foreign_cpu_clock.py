# expect: blocked
# Another process's CPU clock (a negative clock id: pid 1's is -14) would tell how busy the fork
# server is and when its CPU limit falls; only the system clocks (ids 0-15) may be read. Reading
# is harmless either way.
def main():
    ctypes, libc = _libc()

    class Timespec(ctypes.Structure):
        _fields_ = [("sec", ctypes.c_long), ("nsec", ctypes.c_long)]

    ts = Timespec()
    results = {}
    for clock in (-14, -6):   # pid 1's process CPU clock; pid 0's (the caller's own, named by id)
        rc = libc.clock_gettime(ctypes.c_int(clock), ctypes.byref(ts))   # not in the vDSO: a real syscall
        results[clock] = ctypes.get_errno() if rc != 0 else "read %d.%09d" % (ts.sec, ts.nsec)
    own = libc.clock_gettime(ctypes.c_int(1), ctypes.byref(ts))   # CLOCK_MONOTONIC still works
    escaped = any(v != 1 for v in results.values()) or own != 0
    return {"escaped": escaped, "detail": "errno per clock (1 = EPERM): %s; monotonic rc %d" % (results, own)}
