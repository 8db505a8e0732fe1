# expect: blocked
# The secrets mapping is read-only, and holds only this server's secrets; without an egress
# descriptor (this driver passes no fd 5) `http` refuses every request with EgressError.
def main():
    out = []
    try:
        secrets["OTHER"] = "x"
        return {"escaped": True, "detail": "secrets is writable"}
    except TypeError as e:
        out.append("write: %s" % e)
    out.append("names: %s" % sorted(secrets))
    try:
        http.get("http://127.0.0.1:9/")
        return {"escaped": True, "detail": "http worked"}
    except http.EgressError as e:
        out.append("http: %s: %s" % (type(e).__name__, e))
    return {"escaped": False, "detail": "; ".join(out)}
