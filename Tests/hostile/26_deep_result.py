# expect: failed
# A result nested 100000 deep: encoding must fail cleanly (ResultTooDeep).
def main():
    x = []
    for _ in range(100000):
        x = [x]
    return x
