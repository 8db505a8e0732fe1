"""`analyze`: a JSON Schema for the arguments of the tool's `main`, from its source alone (the
code is parsed, never executed)."""
from codec import dumps
from imports import ALLOWED, load

ast = None   # loaded by analyze: only analysis workers pay for it

_SIMPLE = {"str": "string", "int": "integer", "float": "number", "bool": "boolean",
           "list": "array", "List": "array", "Sequence": "array", "tuple": "array", "Tuple": "array",
           "set": "array", "Set": "array", "dict": "object", "Dict": "object", "Mapping": "object",
           "None": "null", "NoneType": "null"}


def _or_null(s):
    if "type" in s and isinstance(s["type"], str):
        return dict(s, type=[s["type"], "null"])
    return {} if not s else {"anyOf": [s, {"type": "null"}]}


def _union(schemas):
    if any(not s for s in schemas):
        return {}
    if all(set(s) == {"type"} and isinstance(s["type"], str) for s in schemas):
        types_ = []
        for s in schemas:
            if s["type"] not in types_:
                types_.append(s["type"])
        return {"type": types_[0] if len(types_) == 1 else types_}
    return {"anyOf": schemas}


def _schema(node):
    """JSON Schema for an annotation node; {} when unknown (accepts anything)."""
    if node is None:
        return {}
    if isinstance(node, ast.Constant):
        if node.value is None:
            return {"type": "null"}
        if isinstance(node.value, str):  # "int" written as a string annotation
            try:
                return _schema(ast.parse(node.value, mode="eval").body)
            except SyntaxError:
                return {}
        return {}
    if isinstance(node, (ast.Name, ast.Attribute)):
        name = node.id if isinstance(node, ast.Name) else node.attr
        return {"type": _SIMPLE[name]} if name in _SIMPLE else {}
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union([_schema(node.left), _schema(node.right)])
    if isinstance(node, ast.Subscript):
        base = _schema_name(node.value)
        args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if base == "Optional":
            return _or_null(_schema(args[0]))
        if base == "Union":
            return _union([_schema(a) for a in args])
        if base == "Literal":
            vals = [a.value for a in args if isinstance(a, ast.Constant)]
            return {"enum": vals} if len(vals) == len(args) else {}
        if _SIMPLE.get(base) == "array":
            out = {"type": "array"}
            if base in ("list", "List", "Sequence", "set", "Set") and len(args) == 1:
                item = _schema(args[0])
                if item:
                    out["items"] = item
            return out
        if _SIMPLE.get(base) == "object":
            return {"type": "object"}
        return {}
    return {}


def _schema_name(node):
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None



def analyze(code):
    global ast
    ast = load("ast")
    try:
        tree = ast.parse(code, filename="<tool>")
    except SyntaxError as e:
        return {"ok": False, "error": {"type": "SyntaxError", "message": "line %s: %s" % (e.lineno, e.msg),
                                       "line": e.lineno}}
    imports = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = ["." * node.level + (node.module or "")] if node.level else [node.module]
        else:
            continue
        for n in names:
            if n not in imports:
                imports.append(n)
    disallowed = [n for n in imports if n not in ALLOWED]
    main = None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "main":
            main = node
    if main is None:
        return {"ok": False, "error": {"type": "MissingMain",
                                       "message": "the tool must define a top-level `def main(...)` or `async def main(...)`"},
                "imports": imports, "disallowed_imports": disallowed}
    a = main.args
    params = a.posonlyargs + a.args
    defaults = [None] * (len(params) - len(a.defaults)) + list(a.defaults)
    params += a.kwonlyargs
    defaults += list(a.kw_defaults)
    props, required = {}, []
    for p, d in zip(params, defaults):
        s = _schema(p.annotation)
        if d is None:
            required.append(p.arg)
        else:
            try:
                value = ast.literal_eval(d)
                dumps(value, allow_nan=False)
                s = dict(s, default=value)
            except (ValueError, TypeError, SyntaxError, RecursionError):
                pass  # not a literal: no default in the schema, still optional
        props[p.arg] = s
    schema = {"type": "object", "properties": props, "required": required,
              "additionalProperties": bool(a.vararg or a.kwarg)}
    return {"ok": True, "schema": schema, "imports": imports, "disallowed_imports": disallowed,
            "is_async": isinstance(main, ast.AsyncFunctionDef)}
