# expect: failed
# A 4 MiB result: larger than result_bytes.
def main():
    return "x" * (4 << 20)
