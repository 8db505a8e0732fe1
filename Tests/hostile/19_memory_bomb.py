# expect: killed:memory
# Allocate 1 MiB blocks until something stops us (at most 16 GiB).
def main():
    blocks = []
    for _ in range(16384):
        blocks.append(bytearray(1 << 20))
    return {"escaped": True, "detail": "allocated 16 GiB"}
