# expect: timeout
# Sleep far beyond the wall limit: only the supervisor's timeout can end this.
import time


def main():
    time.sleep(3600)
    return {"escaped": True, "detail": "woke up"}
