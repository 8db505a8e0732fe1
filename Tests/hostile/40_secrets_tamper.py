# expect: blocked
# The secrets mapping is read-only, and holds only this server's secrets.
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
    except RuntimeError as e:
        out.append("http: %s" % e)
    return {"escaped": False, "detail": "; ".join(out)}
