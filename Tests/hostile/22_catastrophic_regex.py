# expect: killed:cpu
# Exponential backtracking in re: the CPU limit must end it.
import re


def main():
    m = re.match(r"(a+)+$", "a" * 64 + "b")
    return {"escaped": True, "detail": repr(m)}
