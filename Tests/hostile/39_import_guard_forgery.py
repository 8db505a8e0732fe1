# expect: blocked
# Trick the import guard: forged globals, relative imports, fromlist submodules.
def main():
    attempts = [
        ("os with forged globals", lambda: __import__("os", {"__name__": "json"}, None, [], 0)),
        ("relative from package os", lambda: __import__("path", {"__package__": "os"}, None, ["sep"], 1)),
        ("relative into asyncio, unloaded", lambda: __import__("__main__", {"__package__": "asyncio"}, None, ["x"], 1)),
        ("json.tool via fromlist", lambda: __import__("json", None, None, ["tool"], 0)),
        ("importlib", lambda: __import__("importlib")),
        ("collections.abc parent trick", lambda: __import__("collections.abc.os")),
    ]
    out = []
    for name, f in attempts:
        try:
            m = f()
            if name == "json.tool via fromlist" and not hasattr(m, "tool"):
                out.append(name + ": not loaded")
                continue
            return {"escaped": True, "detail": name + " -> %r" % (m,)}
        except ImportError as e:
            out.append("%s: refused" % name)
    return {"escaped": False, "detail": "; ".join(out)}
