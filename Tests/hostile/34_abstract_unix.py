# expect: blocked
# Abstract unix sockets: socket(AF_UNIX) is denied; a socketpair may not send to an address.
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
    # A datagram socketpair would take a destination in sendto/sendmsg: it must be refused,
    # and if it is not, neither call may reach an address.
    try:
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        out.append("dgram socketpair: allowed")
        for how, send in (("sendto", lambda: a.sendto(b"x", "\0warden-hostile-nobody")),
                          ("sendmsg", lambda: a.sendmsg([b"x"], [], 0, "\0warden-hostile-nobody"))):
            try:
                send()
                return {"escaped": True, "detail": "%s to an abstract address" % how}
            except OSError as e:
                out.append("%s(abstract): %s" % (how, e.strerror))
    except OSError as e:
        out.append("dgram socketpair: %s" % e.strerror)
    a, b = socket.socketpair()
    a.send(b"ping")
    out.append("socketpair itself works: %r" % b.recv(4))
    return {"escaped": False, "detail": "; ".join(out)}
