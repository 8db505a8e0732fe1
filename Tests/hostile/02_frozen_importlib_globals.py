# expect: blocked
# Walk from a _frozen_importlib class to its module globals, get sys and os, then os.system.
def main():
    spec = [c for c in object.__subclasses__() if c.__name__ == "ModuleSpec"][0]
    g = spec.__init__.__globals__           # _frozen_importlib._bootstrap's globals
    os = g["sys"].modules["os"]
    rc = os.system("echo pwned > /tmp/warden-hostile-02")
    return {"escaped": rc == 0, "detail": "os reached via _frozen_importlib globals; os.system -> %r" % rc}
