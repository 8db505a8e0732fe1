# expect: killed:cpu
# Spin (bounded by a huge count, far beyond the CPU limit).
def main():
    n = 0
    for i in range(10 ** 12):
        n ^= i
    return {"escaped": True, "detail": n}
