# expect: blocked
# asyncio.base_events re-exports subprocess: run /usr/bin/id.
import asyncio


def main():
    subprocess = asyncio.base_events.subprocess
    try:
        r = subprocess.run(["/usr/bin/id"], capture_output=True, timeout=5)
        return {"escaped": True, "detail": "ran id: %r" % r.stdout}
    except BaseException as e:
        return {"escaped": False, "detail": "subprocess reached; run: %s: %s" % (type(e).__name__, e)}
