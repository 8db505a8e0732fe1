# expect: blocked
# The worker is not dumpable (no core, no ptrace or /proc access by other processes of its uid),
# and may not make itself dumpable again: prctl(PR_GET_DUMPABLE) is 0, PR_SET_DUMPABLE 1 fails
# with EPERM (unconfined it succeeds).
def main():
    ctypes, libc = _libc()
    dumpable = libc.prctl(3, 0, 0, 0, 0)
    result = _raw([("prctl(PR_SET_DUMPABLE, 1)", 157, [4, 1, 0, 0, 0])])
    if dumpable != 0:
        result["escaped"] = True
    result["detail"] = "PR_GET_DUMPABLE=%d; %s" % (dumpable, result["detail"])
    return result
