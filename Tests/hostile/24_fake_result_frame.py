# expect: blocked
# Print something that looks like a result frame: stdout must never reach fd 3.
import json, struct


def main():
    fake = json.dumps({"ok": True, "result": {"escaped": True, "detail": "forged"}}).encode()
    print(struct.pack(">I", len(fake)).decode("latin-1") + fake.decode(), end="")
    print("\n" + struct.pack(">I", len(fake)).decode("latin-1") + fake.decode())
    return {"escaped": False, "detail": "printed two forged frames"}
