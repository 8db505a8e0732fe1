#!/usr/bin/env python3
"""Checks docker/Dockerfile, docker/compose.yaml and docker/compose.multinode.yaml against what Warden needs.

    /usr/bin/python3 scripts/check-docker.py [--dockerfile F] [--compose F] [--package F]
                                             [--checkouts DIR] [--no-yaml-module]
                                             [--multinode F] [--nginx F]

Prints one line per check (PASS, FAIL, NOTE) and exits 1 if any check failed, 2 on bad usage.

- Dockerfile: the Swift build image (the FROM whose image is `swift`, ARG defaults substituted)
  must be at least the swift-tools-version on Package.swift's first line and, when the resolved
  dependencies are checked out (.build/checkouts), at least the lowest tools version each of them
  can be built with. Base images pinned by digest are reported (a NOTE when not).
- compose.yaml, for every service: cap_drop holds ALL, security_opt holds no-new-privileges,
  read_only is true, mem_limit and pids_limit are set, privileged is not true; cap_add is
  reported.
- compose.multinode.yaml (several nodes on one PostgreSQL database, behind nginx): every Warden
  service (built from docker/Dockerfile) passes the checks above, and its privileges (cap_drop,
  cap_add, security_opt, read_only, tmpfs, cgroup, mem_limit, pids_limit, privileged, ...) equal
  those of compose.yaml's Warden service; there are at least two; they share one
  WARDEN_DATABASE_URL host, port and database, a PostgreSQL service of the file, whose password
  is not written in the file and which has a pg_isready healthcheck the nodes wait for
  (service_healthy); their WARDEN_NODE_IDs differ; the keys (WARDEN_AUDIT_KEY,
  WARDEN_ENCRYPTION_KEY, WARDEN_JWT_SECRET) come from the same required env files on every node,
  never inline, and the env file's `.example` names all three; no node publishes a port, and
  only the proxy does, on 127.0.0.1. The nginx config the proxy mounts must list every node in
  every upstream it proxies to, and for /mcp turn buffering off, speak HTTP/1.1, allow a read
  timeout of at least 60 s and leave Authorization and Mcp-Session-Id as the client sent them;
  every location that proxies passes Host as the client sent it, port included ($http_host: the
  console's sign-in compares the browser's Origin with it).
- yamllint (PyPI and Debian's `yamllint`), when installed: `yamllint -d relaxed` (lines up to
  120 columns) on both compose files; skipped with a note otherwise. hadolint has no Debian 12
  package, so it is not run.

Standard library only, plus PyYAML when it can be imported (Debian's /usr/bin/python3 has it);
without it a small parser reads the few compose.yaml fields checked here. The multinode file
uses a YAML anchor and merge keys, which only PyYAML reads: without it those checks are skipped
with a note.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
failures = 0


def report(ok, what, detail=""):
    global failures
    if ok is None:
        tag = "NOTE"
    elif ok:
        tag = "PASS"
    else:
        tag = "FAIL"
        failures += 1
    print("%s  %s%s" % (tag, what, (": " + detail) if detail else ""))


# ---- versions ----

def parse_version(text):
    """'6.2' or '6.3.2' -> (6, 2, 0) / (6, 3, 2); None if it is not a version."""
    m = re.match(r"^(\d+)(?:\.(\d+))?(?:\.(\d+))?$", text)
    if not m:
        return None
    return tuple(int(g or 0) for g in m.groups())


def show(v):
    v = list(v)
    while len(v) > 2 and v[-1] == 0:
        v.pop()
    return ".".join(str(x) for x in v)


TOOLS_RE = re.compile(r"^//\s*swift-tools-version\s*:\s*(\d+(?:\.\d+){0,2})")


def tools_version(path):
    """The swift-tools-version declared on a manifest's first line, or None."""
    try:
        with open(path, encoding="utf-8") as f:
            first = f.readline()
    except OSError:
        return None
    m = TOOLS_RE.match(first.strip())
    return parse_version(m.group(1)) if m else None


def dependency_floor(checkouts):
    """The oldest Swift that can build every checked-out dependency: for each package, the lowest
    tools version among its manifests (SwiftPM picks a Package@swift-X.swift a compiler supports),
    then the highest of those. (None, None) when there are no checkouts."""
    if not os.path.isdir(checkouts):
        return None, None
    floor, which = None, None
    for name in sorted(os.listdir(checkouts)):
        folder = os.path.join(checkouts, name)
        versions = [tools_version(os.path.join(folder, f)) for f in os.listdir(folder) if os.path.isfile(os.path.join(folder, f))
                    and (f == "Package.swift" or re.match(r"^Package@swift-[\d.]+\.swift$", f))] if os.path.isdir(folder) else []
        versions = [v for v in versions if v]
        if not versions:
            continue
        lowest = min(versions)
        if floor is None or lowest > floor:
            floor, which = lowest, name
    return floor, which


# ---- Dockerfile ----

def dockerfile_lines(path):
    """Logical instructions: comments dropped, backslash continuations joined."""
    out, pending = [], ""
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not pending and line.lstrip().startswith("#"):
                continue
            if line.rstrip().endswith("\\"):
                pending += line.rstrip()[:-1] + " "
                continue
            line = pending + line
            pending = ""
            if line.strip():
                out.append(line.strip())
    if pending.strip():
        out.append(pending.strip())
    return out


def substitute(text, args):
    def repl(m):
        name = m.group(1) or m.group(2)
        return args.get(name, "")
    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", repl, text)


def from_images(path):
    """[(image as written, image with ARG defaults substituted, stage name)] for every FROM."""
    args, images, stages = {}, [], set()
    for line in dockerfile_lines(path):
        word, _, rest = line.partition(" ")
        word = word.upper()
        if word == "ARG":
            for item in rest.split():
                name, eq, value = item.partition("=")
                if eq:
                    args.setdefault(name, value.strip("\"'"))   # a later ARG without a value keeps it
        elif word == "FROM":
            parts = [p for p in rest.split() if not p.startswith("--")]
            if not parts:
                continue
            written = parts[0]
            stage = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
            images.append((written, substitute(written, args), stage))
            if stage:
                stages.add(stage)
    return [(w, r, s) for (w, r, s) in images], stages


def split_image(ref):
    """'swift:6.3.2-bookworm@sha256:ab..' -> ('swift', '6.3.2-bookworm', 'sha256:ab..')."""
    digest = None
    if "@" in ref:
        ref, digest = ref.split("@", 1)
    name, tag = ref, None
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = ref.rsplit(":", 1)
    return name, tag, digest


def check_dockerfile(path, package, checkouts):
    if not os.path.isfile(path):
        report(False, "Dockerfile exists", path)
        return
    images, stages = from_images(path)
    floor = tools_version(package)
    if floor is None:
        report(False, "Package.swift declares a swift-tools-version on its first line", package)
        return
    why = "Package.swift's swift-tools-version %s" % show(floor)
    dep, dep_name = dependency_floor(checkouts)
    if dep and dep > floor:
        floor, why = dep, "%s (the dependency %s needs swift-tools-version %s)" % (show(dep), dep_name, show(dep))
    elif dep is None:
        report(None, "dependency manifests not checked", "%s does not exist (run `swift package resolve` to check them too)" % checkouts)

    swift = [(w, r, s) for (w, r, s) in images if split_image(r)[0].rsplit("/", 1)[-1] == "swift"]
    if not swift:
        report(False, "Dockerfile has a Swift build stage", "no FROM names a `swift` image")
    for written, resolved, stage in swift:
        name, tag, digest = split_image(resolved)
        m = re.match(r"^(\d+(?:\.\d+){0,2})(?:-|$)", tag or "")
        version = parse_version(m.group(1)) if m else None
        label = "Swift build image %s%s" % (resolved, " (FROM %s)" % written if written != resolved else "")
        if version is None:
            report(False, label, "cannot tell its Swift version from the tag %r; use a versioned tag such as 6.3.2-bookworm" % tag)
        elif version < floor:
            report(False, label, "Swift %s is older than %s" % (show(version), why))
        else:
            report(True, label, "Swift %s >= %s" % (show(version), why))
    for written, resolved, stage in images:
        name, tag, digest = split_image(resolved)
        if name in stages:   # FROM an earlier stage
            continue
        if digest:
            report(True, "base image %s pinned by digest" % name, digest[:19] + "...")
        else:
            report(None, "base image %s is not pinned by digest" % resolved,
                   "add @sha256:<digest> (docker buildx imagetools inspect %s)" % resolved)


# ---- compose ----

def tiny_yaml_services(text):
    """A minimal reader for `services: NAME: key: value | [a, b] | - item` blocks: enough for the
    fields checked here when PyYAML is missing. Not a YAML parser."""
    def scalar(v):
        v = v.strip()
        if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
            return v[1:-1]
        low = v.lower()
        if low in ("true", "yes", "on"):
            return True
        if low in ("false", "no", "off"):
            return False
        if re.match(r"^-?\d+$", v):
            return int(v)
        return v

    def strip_comment(line):
        out, quote = [], None
        for i, ch in enumerate(line):
            if quote:
                if ch == quote:
                    quote = None
            elif ch in "'\"":
                quote = ch
            elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
                break
            out.append(ch)
        return "".join(out).rstrip()

    services, in_services, service, key, service_indent, key_indent = {}, False, None, None, None, None
    for raw in text.splitlines():
        line = strip_comment(raw)
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        body = line.strip()
        if indent == 0:
            in_services = body == "services:"
            service = key = None
            continue
        if not in_services:
            continue
        if service_indent is None or indent <= service_indent:
            if body.endswith(":"):
                service_indent, service = indent, body[:-1].strip().strip("'\"")
                services[service], key, key_indent = {}, None, None
            continue
        if key_indent is None:
            key_indent = indent
        if indent == key_indent and not body.startswith("- "):
            name, _, value = body.partition(":")
            key = name.strip()
            value = value.strip()
            if value.startswith("[") and value.endswith("]"):
                services[service][key] = [scalar(x) for x in value[1:-1].split(",") if x.strip()]
            elif value:
                services[service][key] = scalar(value)
            else:
                services[service][key] = None
        elif body.startswith("- ") and key is not None and indent >= key_indent:
            current = services[service].get(key)
            if not isinstance(current, list):
                current = []
                services[service][key] = current
            current.append(scalar(body[2:]))
    return {"services": services}


def load_compose(path, use_yaml):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if use_yaml:
        try:
            import yaml
        except ImportError:
            report(None, "PyYAML not importable", "reading compose.yaml with the built-in minimal reader")
        else:
            return yaml.safe_load(text), "PyYAML"
    return tiny_yaml_services(text), "the built-in minimal reader"


def as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def check_service(p, svc):
    """The hardening every Warden service needs; `p` prefixes each line."""
    drops = [str(c).upper() for c in as_list(svc.get("cap_drop"))]
    report("ALL" in drops, p + "cap_drop contains ALL", "cap_drop: %s" % (drops or "not set"))
    adds = [str(c).upper() for c in as_list(svc.get("cap_add"))]
    if "ALL" in adds:
        report(False, p + "cap_add does not add ALL back")
    else:
        report(None, p + "cap_add", ", ".join(adds) or "none")
    opts = [str(o) for o in as_list(svc.get("security_opt"))]
    nnp = any(o.replace("=", ":").lower() in ("no-new-privileges", "no-new-privileges:true") for o in opts)
    report(nnp, p + "security_opt has no-new-privileges", "security_opt: %s" % (opts or "not set"))
    report(svc.get("read_only") is True, p + "read_only is true", "read_only: %r" % svc.get("read_only"))
    for field in ("mem_limit", "pids_limit"):
        value = svc.get(field)
        ok = value not in (None, "", 0, -1, "-1")
        report(ok, p + field + " is set", "%s: %r" % (field, value))
    report(svc.get("privileged") is not True, p + "privileged is not true")


def check_compose(path, use_yaml):
    """Checks every service of the single-node file; returns the parsed file (or None)."""
    if not os.path.isfile(path):
        report(False, "compose file exists", path)
        return None
    doc, reader = load_compose(path, use_yaml)
    services = (doc or {}).get("services") or {}
    if not services:
        report(False, "compose file defines services", "none found (read with %s)" % reader)
        return None
    for name, svc in services.items():
        check_service("service %s: " % name, svc or {})
    return doc


# ---- compose.multinode.yaml ----

# The fields that make up a Warden container's privileges and confinement: a node of the
# multinode file must have exactly the values compose.yaml's Warden service has.
PRIVILEGE_FIELDS = ("cap_drop", "cap_add", "security_opt", "read_only", "tmpfs", "cgroup", "mem_limit",
                    "pids_limit", "privileged", "user", "userns_mode", "pid", "ipc", "network_mode",
                    "devices", "sysctls", "ulimits", "shm_size")
KEY_VARIABLES = ("WARDEN_AUDIT_KEY", "WARDEN_ENCRYPTION_KEY", "WARDEN_JWT_SECRET")


def normalized(field, value):
    """A privilege field in a form that compares equal however it is spelled."""
    if value is None:
        return None
    if field in ("cap_drop", "cap_add"):
        return sorted(set(str(c).upper().removeprefix("CAP_") for c in as_list(value)))
    if field == "security_opt":
        return sorted(set(str(o).replace("=", ":").lower() for o in as_list(value)))
    if isinstance(value, list):
        return sorted(str(v) for v in value)
    if isinstance(value, dict):
        return sorted((str(k), str(v)) for k, v in value.items())
    return str(value).lower() if isinstance(value, (bool, str)) else value


def is_warden_service(svc):
    """Built from docker/Dockerfile (or its image warden:local)."""
    build = svc.get("build")
    dockerfile = str(build.get("dockerfile", "")) if isinstance(build, dict) else ""
    if dockerfile.replace("\\", "/").endswith("docker/Dockerfile"):
        return True
    return str(svc.get("image", "")).split("@")[0] == "warden:local"


def environment_of(svc):
    """A service's `environment:` as a dict, from either the mapping or the list form."""
    env = svc.get("environment") or {}
    if isinstance(env, dict):
        return {str(k): ("" if v is None else str(v)) for k, v in env.items()}
    out = {}
    for item in as_list(env):
        name, _, value = str(item).partition("=")
        out[name] = value
    return out


def env_files_of(svc):
    """[(path, required)] of a service's env_file, in order (short and long forms)."""
    out = []
    for item in as_list(svc.get("env_file")):
        if isinstance(item, dict):
            out.append((str(item.get("path")), item.get("required", True) is not False))
        else:
            out.append((str(item), True))
    return out


INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def interpolated(text):
    """Compose's ${VAR...} and $VAR replaced by <VAR>, so the rest can be parsed ($$ is a dollar)."""
    text = str(text).replace("$$", "\0")
    return INTERPOLATION.sub(lambda m: "<%s>" % (m.group(1) or m.group(2)), text).replace("\0", "$")


def published_ports(svc):
    """[(host address or None for every address, published port, as written)]."""
    out = []
    for item in as_list(svc.get("ports")):
        if isinstance(item, dict):
            out.append((item.get("host_ip"), item.get("published"), item))
            continue
        text = str(item).split("/")[0]
        if text.startswith("["):                         # [::1]:8080:8080
            host, _, rest = text[1:].partition("]:")
            out.append((host, rest.split(":")[0], item))
            continue
        parts = text.split(":")
        if len(parts) >= 3:
            out.append((":".join(parts[:-2]), parts[-2], item))
        elif len(parts) == 2:
            out.append((None, parts[0], item))
        else:
            out.append((None, None, item))   # a container port only: published on a random port, every address
    return out


def volume_sources(svc):
    """[(source, target)] of a service's volumes (short and long forms)."""
    out = []
    for item in as_list(svc.get("volumes")):
        if isinstance(item, dict):
            out.append((str(item.get("source", "")), str(item.get("target", ""))))
        else:
            parts = str(item).split(":")
            out.append((parts[0], parts[1] if len(parts) > 1 else ""))
    return out


def image_name(svc):
    name, tag, digest = split_image(str(svc.get("image", "")))
    return name.rsplit("/", 1)[-1], tag, digest


# ---- nginx ----

def nginx_tree(text):
    """nginx configuration as a list of (name, [args], children or None). Comments dropped,
    quotes honoured; enough to find upstreams, servers, locations and their directives."""
    tokens, i, n = [], 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif ch in "{};":
            tokens.append(ch)
            i += 1
        elif ch in "'\"":
            j = i + 1
            while j < n and text[j] != ch:
                j += 2 if text[j] == "\\" else 1
            tokens.append(text[i + 1:j])
            i = j + 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in "{};":
                j += 1
            tokens.append(text[i:j])
            i = j

    def block(pos):
        out, words = [], []
        while pos < len(tokens):
            t = tokens[pos]
            if t == ";":
                if words:
                    out.append((words[0], words[1:], None))
                words = []
            elif t == "{":
                children, pos = block(pos + 1)
                out.append((words[0] if words else "", words[1:], children))
                words = []
            elif t == "}":
                return out, pos
            else:
                words.append(t)
            pos += 1
        return out, pos

    return block(0)[0]


def nginx_all(tree, name):
    """Every (args, children, ancestors) of directives called `name`, anywhere in the tree."""
    found = []

    def walk(nodes, ancestors):
        for node in nodes:
            if node[0] == name:
                found.append((node[1], node[2], ancestors))
            if node[2] is not None:
                walk(node[2], ancestors + [node])
    walk(tree, [])
    return found


def nginx_effective(name, location, ancestors):
    """The value of directive `name` in a location, with nginx's inheritance from the enclosing
    blocks (the innermost block that sets it wins)."""
    for scope in [location] + list(reversed(ancestors)):
        children = scope[2] if isinstance(scope, tuple) else scope
        values = [node[1] for node in (children or []) if node[0] == name]
        if values:
            return values
    return None


def nginx_seconds(text):
    """'330s', '5m', '1h', '60' -> seconds; None if unreadable."""
    total, matched = 0, False
    for amount, unit in re.findall(r"(\d+)\s*(ms|s|m|h|d|)", str(text)):
        matched = True
        total += int(amount) * {"ms": 0.001, "s": 1, "": 1, "m": 60, "h": 3600, "d": 86400}[unit]
    return total if matched else None


def check_nginx(path, nodes, p):
    """The proxy's config: every upstream it proxies to lists every node, and /mcp gets what it needs."""
    if not os.path.isfile(path):
        report(False, p + "nginx config exists", path)
        return
    with open(path, encoding="utf-8") as f:
        tree = nginx_tree(f.read())
    upstreams = {}
    for args, children, _ in nginx_all(tree, "upstream"):
        if args:
            upstreams[args[0]] = [node[1][0] for node in (children or []) if node[0] == "server" and node[1]]
    addresses = {"%s:%s" % (name, port) for name, port in nodes}
    used = set()
    for args, _, ancestors in nginx_all(tree, "proxy_pass"):
        target = re.sub(r"^https?://", "", args[0] if args else "").split("/")[0]
        used.add(target)
    if not used:
        report(False, p + "proxies to the nodes", "no proxy_pass")
    for target in sorted(used):
        listed = set(upstreams.get(target, []))
        missing = sorted(addresses - listed)
        report(not missing, p + "upstream %s lists every node" % target,
               "missing %s" % ", ".join(missing) if missing else ", ".join(sorted(listed)))

    # Host with its port: $host drops it, and without the line nginx sends the upstream's name.
    for _, _, ancestors in nginx_all(tree, "proxy_pass"):
        if not ancestors:
            continue
        location, outer = ancestors[-1], ancestors[:-1]
        sets = {args[0].lower(): " ".join(args[1:])
                for args in (nginx_effective("proxy_set_header", location, outer) or []) if args}
        where = "%s %s" % (location[0], " ".join(location[1]))
        report(sets.get("host") == "$http_host", p + "%s: Host passed with its port ($http_host)" % where.strip(),
               "proxy_set_header Host %s" % sets["host"] if "host" in sets else "nginx's default ($proxy_host)")

    # The location that serves /mcp: `= /mcp`, else the longest prefix that matches it.
    mcp, best = None, -1
    for args, children, ancestors in nginx_all(tree, "location"):
        if not args:
            continue
        if args[0] == "=" and len(args) > 1 and args[1] == "/mcp":
            mcp, best = (("location", args, children), ancestors), 10 ** 6
        elif args[0] not in ("=", "~", "~*", "^~", "@") and "/mcp".startswith(args[0]) and len(args[0]) > best:
            mcp, best = (("location", args, children), ancestors), len(args[0])
        elif args[0] == "^~" and len(args) > 1 and "/mcp".startswith(args[1]) and len(args[1]) > best:
            mcp, best = (("location", args, children), ancestors), len(args[1])
    if mcp is None:
        report(False, p + "a location serves /mcp")
        return
    location, ancestors = mcp
    where = "location %s" % " ".join(location[1])

    def value(name):
        values = nginx_effective(name, location, ancestors)
        return values[-1] if values else None
    buffering = value("proxy_buffering")
    report(buffering == ["off"], p + "/mcp: proxy_buffering off (event streams)",
           "%s: %s" % (where, buffering or "on (default)"))
    version = value("proxy_http_version")
    report(version == ["1.1"], p + "/mcp: proxy_http_version 1.1", "%s: %s" % (where, version or "1.0 (default)"))
    timeout = value("proxy_read_timeout")
    seconds = nginx_seconds(timeout[0]) if timeout else 60
    report(seconds is not None and seconds >= 60, p + "/mcp: proxy_read_timeout at least 60 s",
           "%s: %s" % (where, timeout[0] if timeout else "60s (default)"))
    # Headers: nginx forwards client headers unless told otherwise. A proxy_set_header for them
    # must pass the client's own value.
    passing = nginx_effective("proxy_pass_request_headers", location, ancestors)
    report(not passing or passing[-1] != ["off"], p + "/mcp: request headers are passed on")
    sets = {args[0].lower(): " ".join(args[1:])
            for args in (nginx_effective("proxy_set_header", location, ancestors) or []) if args}
    hidden = {args[0].lower() for args in (nginx_effective("proxy_hide_header", location, ancestors) or []) if args}
    for header, variable in (("authorization", "$http_authorization"), ("mcp-session-id", "$http_mcp_session_id")):
        ok = header not in sets or sets[header] == variable
        report(ok, p + "/mcp: %s passed as the client sent it" % header.title(),
               "proxy_set_header %s %s" % (header, sets[header]) if header in sets else "nginx's default")
    report("mcp-session-id" not in hidden, p + "/mcp: Mcp-Session-Id answers are not hidden")


def check_multinode(path, single, nginx_default, use_yaml):
    if not os.path.isfile(path):
        report(False, "multinode compose file exists", path)
        return
    name = os.path.basename(path)
    if not use_yaml:
        report(None, "%s not checked" % name, "it uses a YAML anchor and merge keys, which need PyYAML")
        return
    try:
        import yaml
    except ImportError:
        report(None, "%s not checked" % name, "PyYAML not importable; its anchor and merge keys need it")
        return
    with open(path, encoding="utf-8") as f:
        try:
            doc = yaml.safe_load(f) or {}
        except yaml.YAMLError as error:
            report(False, "%s is valid YAML" % name, str(error).replace("\n", " "))
            return
    services = doc.get("services") or {}
    folder = os.path.dirname(os.path.abspath(path))
    nodes = {n: (s or {}) for n, s in services.items() if is_warden_service(s or {})}
    p = "%s: " % name
    report(len(nodes) >= 2, p + "at least two Warden nodes", ", ".join(nodes) or "none")
    if not nodes:
        return

    # The same hardening as a single node, and exactly compose.yaml's privileges.
    reference = None
    if single:
        reference = next((s or {} for s in (single.get("services") or {}).values() if is_warden_service(s or {})), None)
    if reference is None:
        report(False, p + "compose.yaml has a Warden service to compare the nodes' privileges with")
    for node, svc in nodes.items():
        check_service(p + "service %s: " % node, svc)
        if reference is None:
            continue
        differ = [f for f in PRIVILEGE_FIELDS if normalized(f, svc.get(f)) != normalized(f, reference.get(f))]
        report(not differ, p + "service %s: privileges equal compose.yaml's" % node,
               "; ".join("%s: %r here, %r there" % (f, svc.get(f), reference.get(f)) for f in differ)
               or ", ".join(f for f in PRIVILEGE_FIELDS if reference.get(f) is not None))

    # One database for all of them: a PostgreSQL service of this file, healthy before they start.
    urls = {}
    for node, svc in nodes.items():
        raw = environment_of(svc).get("WARDEN_DATABASE_URL")
        if not raw:
            report(False, p + "service %s: WARDEN_DATABASE_URL is set" % node)
            continue
        try:
            parts = urllib.parse.urlsplit(interpolated(raw))
            port = parts.port or 5432
        except ValueError as error:
            report(False, p + "service %s: WARDEN_DATABASE_URL parses" % node, str(error))
            continue
        if parts.scheme not in ("postgres", "postgresql"):
            report(False, p + "service %s: WARDEN_DATABASE_URL is postgres://" % node, parts.scheme)
            continue
        password = parts.password or ""
        report(bool(re.fullmatch(r"<[A-Za-z_][A-Za-z0-9_]*>", password)),
               p + "service %s: the database password is not written in the file" % node,
               "filled in from ${...}" if password.startswith("<") else "a literal password")
        urls[node] = (parts.hostname, port, parts.path.lstrip("/"))
    targets = set(urls.values())
    if urls:
        report(len(targets) == 1 and len(urls) == len(nodes),
               p + "every node has the same database (host, port, database)",
               "; ".join("%s: %s:%s/%s" % ((n,) + t) for n, t in sorted(urls.items())))
    for host in sorted({t[0] for t in targets if t[0]}):
        db = services.get(host)
        report(db is not None and image_name(db or {})[0] == "postgres",
               p + "the database host %s is a postgres service of this file" % host,
               "image %s" % (db or {}).get("image") if db else "no such service")
        if db:
            env = environment_of(db)
            secret = env.get("POSTGRES_PASSWORD", "")
            outside = "POSTGRES_PASSWORD_FILE" in env or "${" in secret or (secret == "" and bool(db.get("env_file")))
            shown = secret if "${" in secret else "a literal" if secret else "env_file or _FILE"
            report(outside, p + "service %s: its password comes from outside the file" % host,
                   "POSTGRES_PASSWORD: %s" % shown)
            test = " ".join(str(t) for t in as_list((db.get("healthcheck") or {}).get("test")))
            report("pg_isready" in test, p + "service %s: healthcheck runs pg_isready" % host, test or "none")
            named = set((doc.get("volumes") or {}).keys())
            data = [src for src, target in volume_sources(db) if target.rstrip("/") == "/var/lib/postgresql/data"]
            report(bool(data) and data[0] in named, p + "service %s: its data is a named volume" % host,
                   ", ".join(data) or "no volume on /var/lib/postgresql/data")
            tag = image_name(db)[1] or ""
            report(None, p + "service %s: image" % host,
                   "%s (PostgreSQL %s)" % (db.get("image"), tag.split("-")[0] or "?"))
            for node, svc in nodes.items():
                if urls.get(node, (None,))[0] != host:
                    continue
                deps = svc.get("depends_on") or {}
                condition = (deps.get(host) or {}).get("condition") if isinstance(deps, dict) else None
                report(condition == "service_healthy", p + "service %s waits for %s to be healthy" % (node, host),
                       "condition: %s" % condition)

    # Distinct node ids.
    ids = {node: environment_of(svc).get("WARDEN_NODE_ID") for node, svc in nodes.items()}
    missing = [n for n, i in ids.items() if not i]
    report(not missing, p + "every node sets WARDEN_NODE_ID", ", ".join("%s=%s" % kv for kv in sorted(ids.items())))
    given = [i for i in ids.values() if i]
    report(len(given) == len(set(given)), p + "node ids differ", ", ".join(sorted(given)))

    # The keys: never inline, and the same required env files on every node.
    for node, svc in nodes.items():
        inline = [k for k in KEY_VARIABLES if k in environment_of(svc)]
        report(not inline, p + "service %s: no key written under environment" % node, ", ".join(inline) or "none")
    sources = {node: env_files_of(svc) for node, svc in nodes.items()}
    first = next(iter(sources.values()))
    same = all(s == first for s in sources.values())
    listed = "; ".join("%s: %s" % (n, ", ".join("%s%s" % (f, "" if r else " (optional)") for f, r in files) or "none")
                       for n, files in sources.items())
    report(bool(first) and same, p + "every node reads the same env files", listed)
    report(bool(first) and all(r for _, r in first), p + "the nodes' env files are required",
           "a node without the shared keys must not start")
    for env_path, _ in first:
        example = os.path.join(folder, env_path) + ".example"
        if not os.path.isfile(example):
            report(False, p + "%s.example exists" % env_path, example)
            continue
        with open(example, encoding="utf-8") as f:
            names = set(re.findall(r"^\s*#?\s*([A-Z_][A-Z0-9_]*)=", f.read(), re.M))
        lacking = [k for k in KEY_VARIABLES if k not in names]
        report(not lacking, p + "%s.example names every shared key" % env_path,
               "missing: %s" % ", ".join(lacking) if lacking else ", ".join(KEY_VARIABLES))

    # Ports: nodes publish none; the proxy alone, on loopback.
    for node, svc in nodes.items():
        report(not svc.get("ports"), p + "service %s publishes no port" % node, str(svc.get("ports") or "none"))
    proxies = {n: (s or {}) for n, s in services.items() if image_name(s or {})[0] == "nginx"}
    report(len(proxies) == 1, p + "one nginx proxy service", ", ".join(proxies) or "none")
    for other, svc in services.items():
        if other in nodes:
            continue
        for host, port, written in published_ports(svc or {}):
            ok = other in proxies and host in ("127.0.0.1", "::1", "localhost")
            report(ok, p + "service %s publishes only on loopback, and only the proxy does" % other, str(written))
    for proxy, svc in proxies.items():
        report(bool(published_ports(svc)), p + "service %s publishes a port" % proxy)
        confs = [src for src, target in volume_sources(svc) if target.startswith("/etc/nginx/")]
        conf = os.path.normpath(os.path.join(folder, confs[0])) if confs else nginx_default
        shown = os.path.relpath(conf, ROOT) if conf.startswith(ROOT + os.sep) else conf
        report(None, p + "service %s: nginx config" % proxy, shown)
        ports = {node: environment_of(s).get("WARDEN_PORT") or "8080" for node, s in nodes.items()}
        check_nginx(conf, sorted(ports.items()), p + "%s: " % os.path.basename(conf))
    for other, svc in services.items():
        name_, tag, digest = image_name(svc or {})
        if other in nodes or not (svc or {}).get("image"):
            continue
        report(None if not digest else True, p + "service %s: image %s %s" % (
            other, (svc or {}).get("image"), "pinned by digest" if digest else "is not pinned by digest"))


# ---- linters ----

def run_yamllint(path):
    cmd = None
    if shutil.which("yamllint"):
        cmd = ["yamllint"]
    else:
        try:
            import yamllint  # noqa: F401
            cmd = [sys.executable, "-m", "yamllint"]
        except ImportError:
            pass
    if cmd is None:
        report(None, "yamllint skipped", "not installed (pip install yamllint, or apt-get install yamllint)")
        return
    # The relaxed preset, with lines up to 120 characters: the compose file's comments run to 100.
    config = "{extends: relaxed, rules: {line-length: {max: 120}}}"
    proc = subprocess.run(cmd + ["-f", "parsable", "-d", config, path], capture_output=True, text=True)
    for line in (proc.stdout + proc.stderr).splitlines():
        print("      " + line)
    report(proc.returncode == 0, "yamllint (relaxed, 120 columns) %s" % os.path.relpath(path), "exit %d" % proc.returncode)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dockerfile", default=os.path.join(ROOT, "docker", "Dockerfile"))
    ap.add_argument("--compose", default=os.path.join(ROOT, "docker", "compose.yaml"))
    ap.add_argument("--package", default=os.path.join(ROOT, "Package.swift"))
    ap.add_argument("--checkouts", default=os.path.join(ROOT, ".build", "checkouts"),
                    help="resolved dependencies to take the Swift floor from too (skipped if missing)")
    ap.add_argument("--no-yaml-module", action="store_true", help="use the built-in minimal reader even if PyYAML is there")
    ap.add_argument("--multinode", default=os.path.join(ROOT, "docker", "compose.multinode.yaml"),
                    help="the compose file with several nodes on PostgreSQL behind a proxy")
    ap.add_argument("--nginx", default=os.path.join(ROOT, "docker", "nginx-multinode.conf"),
                    help="the proxy's config, when the proxy service mounts none under /etc/nginx/")
    opts = ap.parse_args()
    check_dockerfile(opts.dockerfile, opts.package, opts.checkouts)
    single = check_compose(opts.compose, not opts.no_yaml_module)
    check_multinode(opts.multinode, single, opts.nginx, not opts.no_yaml_module)
    run_yamllint(opts.compose)
    if os.path.isfile(opts.multinode):
        run_yamllint(opts.multinode)
    report(None, "hadolint not run", "no Debian 12 package (apt-cache has none)")
    print("check-docker: %s" % ("%d check(s) failed" % failures if failures else "all checks passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
