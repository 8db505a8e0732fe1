# expect: blocked
# socket via asyncio's re-export: TCP/UDP/IPv6/raw to 127.0.0.1 on a closed port.
import asyncio


def main():
    socket = asyncio.base_events.socket
    out = []
    for fam, typ, addr in ((socket.AF_INET, socket.SOCK_STREAM, ("127.0.0.1", 9)),
                           (socket.AF_INET, socket.SOCK_DGRAM, ("127.0.0.1", 9)),
                           (socket.AF_INET6, socket.SOCK_STREAM, ("::1", 9)),
                           (socket.AF_INET, socket.SOCK_RAW, ("127.0.0.1", 0)),
                           (socket.AF_NETLINK, socket.SOCK_RAW, None)):
        try:
            s = socket.socket(fam, typ)
        except OSError as e:
            out.append("socket(%d,%d): %s" % (fam, typ, e.strerror))
            continue
        return {"escaped": True, "detail": "socket(%d,%d) created" % (fam, typ)}
    return {"escaped": False, "detail": "; ".join(out)}
