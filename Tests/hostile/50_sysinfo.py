# expect: blocked
# sysinfo hands out host-wide figures (process count, free memory, load): one tenant could read
# another's activity from them. Refused (EPERM) on a buffer of our own, which unconfined would
# be filled.
def main():
    ctypes, libc = _libc()
    info = ctypes.create_string_buffer(128)
    return _raw([("sysinfo", 99, [ctypes.addressof(info)])])
