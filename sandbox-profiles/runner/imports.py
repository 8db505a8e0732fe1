"""The import guard: a tool may import the names in /profile/modules.allow only, loaded when it
first asks. A second wall only: the launcher's confinement is the boundary."""
import builtins
import sys

real_import = builtins.__import__   # taken before install() replaces it


def _load_allowlist(path="/profile/modules.allow"):
    names = []
    with builtins.open(path, encoding="utf-8") as f:
        for line in f:
            name = line.split("#", 1)[0].strip()
            if name:
                names.append(name)
    return frozenset(names)


ALLOWED = _load_allowlist()
_ALLOWED_TEXT = ", ".join(sorted(ALLOWED))


def _refuse(name):
    return ImportError("module '%s' is not allowed in Warden tools (allowed: %s)" % (name, _ALLOWED_TEXT), name=name)


_importing = 0   # > 0 while an allowed module is being loaded


def guard(name, globals=None, locals=None, fromlist=(), level=0):
    """builtins.__import__ replacement: a tool may import allowlisted names only. While an allowed
    module loads, its own imports (its internals) pass; the tool runs no code meanwhile."""
    global _importing
    if _importing:
        return real_import(name, globals, locals, fromlist, level)
    if not isinstance(name, str):
        raise TypeError("module name must be str")
    if level:
        # Relative imports come from the standard library's own lazy imports (tools have no
        # package). Resolve them; an already-loaded submodule of an allowed package is just an
        # attribute of what the tool has anyway, so it may be returned, but nothing is loaded.
        pkg = globals.get("__package__") if isinstance(globals, dict) else None
        parts = pkg.rsplit(".", level - 1) if isinstance(pkg, str) and pkg else []
        if len(parts) < level:
            raise ImportError("relative imports are not allowed in Warden tools")
        absname = parts[0] + ("." + name if name else "")
        top = absname.split(".")[0]
        if top not in ALLOWED or (absname not in ALLOWED and absname not in sys.modules):
            raise _refuse(absname)
    else:
        absname = name
        if absname not in ALLOWED:
            raise _refuse(absname)
    _importing += 1
    try:
        # Load the allowed module itself first, so `from pkg import sub` can be checked against
        # what the module really has: an unlisted submodule must not be loaded behind our back.
        mod = real_import(absname, {}, {}, ("__name__",), 0)
        for item in fromlist or ():
            if isinstance(item, str) and item != "*" and not hasattr(mod, item):
                if absname + "." + item not in ALLOWED:
                    raise _refuse(absname + "." + item)
        return real_import(name, globals, locals, fromlist, level)
    finally:
        _importing -= 1


def unguarded(fn, *args):
    """Calls fn with the guard open: for the runner's own late imports, internals included."""
    global _importing
    _importing += 1
    try:
        return fn(*args)
    finally:
        _importing -= 1


def load(name):
    return unguarded(real_import, name, {}, {}, ("__name__",), 0)


def install():
    builtins.__import__ = guard
