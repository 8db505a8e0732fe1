#!/usr/bin/env python3
"""Checks docker/Dockerfile and docker/compose.yaml against what Warden needs.

    /usr/bin/python3 scripts/check-docker.py [--dockerfile F] [--compose F] [--package F]
                                             [--checkouts DIR] [--no-yaml-module]

Prints one line per check (PASS, FAIL, NOTE) and exits 1 if any check failed, 2 on bad usage.

- Dockerfile: the Swift build image (the FROM whose image is `swift`, ARG defaults substituted)
  must be at least the swift-tools-version on Package.swift's first line and, when the resolved
  dependencies are checked out (.build/checkouts), at least the lowest tools version each of them
  can be built with. Base images pinned by digest are reported (a NOTE when not).
- compose.yaml, for every service: cap_drop holds ALL, security_opt holds no-new-privileges,
  read_only is true, mem_limit and pids_limit are set, privileged is not true; cap_add is
  reported.
- yamllint (PyPI and Debian's `yamllint`), when installed: `yamllint -d relaxed` (lines up to
  120 columns) on the compose file; skipped with a note otherwise. hadolint has no Debian 12 package, so it is not run.

Standard library only, plus PyYAML when it can be imported (Debian's /usr/bin/python3 has it);
without it a small parser reads the few compose fields checked here.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

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


def check_compose(path, use_yaml):
    if not os.path.isfile(path):
        report(False, "compose file exists", path)
        return
    doc, reader = load_compose(path, use_yaml)
    services = (doc or {}).get("services") or {}
    if not services:
        report(False, "compose file defines services", "none found (read with %s)" % reader)
        return
    for name, svc in services.items():
        svc = svc or {}
        p = "service %s: " % name
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
    opts = ap.parse_args()
    check_dockerfile(opts.dockerfile, opts.package, opts.checkouts)
    check_compose(opts.compose, not opts.no_yaml_module)
    run_yamllint(opts.compose)
    report(None, "hadolint not run", "no Debian 12 package (apt-cache has none)")
    print("check-docker: %s" % ("%d check(s) failed" % failures if failures else "all checks passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
