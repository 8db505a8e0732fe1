# expect: blocked
# Name resolution (glibc resolver needs a UDP socket and /etc/resolv.conf).
import asyncio


def main():
    socket = asyncio.base_events.socket
    out = []
    for host in (b"example.com", b"localhost"):  # bytes: the idna codec is not importable
        try:
            r = socket.getaddrinfo(host, 80)
            if host != b"localhost" or any(not a[4][0].startswith(("127.", "::1")) for a in r):
                return {"escaped": True, "detail": "%s -> %s" % (host, r[:2])}
            out.append("localhost -> loopback only")
        except (OSError, LookupError) as e:
            out.append("%s: %s" % (host, e))
    return {"escaped": False, "detail": "; ".join(out)}
