# A broad, honest tool: exercises the allowed modules so the seccomp policy is tested on real work.
import json, re, datetime, hashlib, decimal, asyncio, random, secrets, uuid, statistics, time, base64, zlib, csv, html.parser, urllib.parse, difflib, unicodedata, collections, dataclasses, typing, calendar, textwrap, pprint
async def sub(i):
    await asyncio.sleep(0.001)
    return i
async def main(x: int = 1):
    r = await asyncio.gather(*(sub(i) for i in range(5)))
    d = datetime.datetime.strptime("2024-01-02", "%Y-%m-%d").strftime("%A %c")
    print(d, datetime.datetime.now().isoformat(), time.time(), time.monotonic(), time.localtime())
    print(hashlib.sha256(b"x").hexdigest(), decimal.Decimal("1.1")*3, random.random(), secrets.token_hex(8), uuid.uuid4())
    print(statistics.mean([1,2,3]), base64.b64encode(zlib.compress(b"abc")), list(csv.reader(["a,b"])), urllib.parse.quote("a b"))
    print(re.findall(r"\w+", "a b c"), calendar.monthrange(2024, 2), textwrap.fill("a "*50), unicodedata.name("a"))
    try:
        await asyncio.wait_for(asyncio.sleep(1), 0.01)
    except asyncio.TimeoutError:
        pass
    return {"r": r, "j": json.dumps({"a": [1]})}
