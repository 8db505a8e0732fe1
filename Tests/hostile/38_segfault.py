# expect: killed:signal
# Crash the interpreter: lift the recursion limit and recurse in C (repr of a deep list).
def main():
    _builtin("sys").setrecursionlimit(10 ** 8)
    x = []
    for _ in range(2000000):
        x = [x]
    repr(x)
    return {"escaped": True, "detail": "survived"}
