# expect: killed:signal
# Crash the interpreter: lift the recursion limit and recurse in C (repr of a deep list).
def _builtin(name):
    # object.__subclasses__() reaches BuiltinImporter even under -I -S (DESIGN §9)
    for c in object.__subclasses__():
        if c.__name__ == "BuiltinImporter":
            return c.load_module(name)


def main():
    _builtin("sys").setrecursionlimit(10 ** 8)
    x = []
    for _ in range(2000000):
        x = [x]
    repr(x)
    return {"escaped": True, "detail": "survived"}
