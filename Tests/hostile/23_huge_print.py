# expect: truncated
# Print 8 MiB: only output_bytes are kept and the reply says truncated.
def main():
    line = "x" * 1023
    for _ in range(8192):
        print(line)
    return {"printed": 8 << 20}
