# expect: blocked
# Abstract unix sockets: socket(AF_UNIX) is denied; a socketpair may not sendto an address.
import asyncio


def main():
    socket = asyncio.base_events.socket
    out = []
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect("\0/org/freedesktop/systemd1/notify")
        return {"escaped": True, "detail": "connected to an abstract socket"}
    except OSError as e:
        out.append("socket/connect: %s" % e.strerror)
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        a.sendto(b"x", "\0warden-hostile-nobody")
        return {"escaped": True, "detail": "sendto an abstract address"}
    except OSError as e:
        out.append("sendto(abstract): %s" % e.strerror)
    a.send(b"ping")
    out.append("socketpair itself works: %r" % b.recv(4))
    return {"escaped": False, "detail": "; ".join(out)}
