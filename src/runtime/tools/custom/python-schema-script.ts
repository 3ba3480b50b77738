// Runs in python3 with no environment. It only parses the source with `ast` (nothing is imported or executed)
// and prints one JSON line: {"ok": true, "value": signature} or {"ok": false, "error": message}.
/** The Python program that derives a tool's JSON schema from its source (signature, Google docstring, type hints). */
export const PYTHON_SCHEMA_SCRIPT = String.raw`
import ast, json, sys

PRIMITIVES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean",
              "list": "array", "List": "array", "tuple": "array", "Tuple": "array", "set": "array", "Set": "array",
              "dict": "object", "Dict": "object"}
SECTIONS = {"args", "arguments", "parameters", "params", "returns", "return", "yields", "raises", "example",
            "examples", "note", "notes", "attributes", "see also", "warning", "warnings", "todo", "references"}
ARG_SECTIONS = {"args", "arguments", "parameters", "params"}


class SchemaError(Exception):
    pass


def parse_docstring(text):
    """Google style: summary, then sections; returns (description, {arg: description})."""
    lines = (text or "").expandtabs().splitlines()
    summary, params, section, current, indent = [], {}, None, None, None
    for line in lines:
        stripped = line.strip()
        header = stripped[:-1].lower() if stripped.endswith(":") else None
        if header in SECTIONS:
            section, current, indent = header, None, None
            continue
        if section is None:
            summary.append(stripped)
            continue
        if section not in ARG_SECTIONS or not stripped:
            continue
        level = len(line) - len(line.lstrip())
        if indent is None or level <= indent:
            head, sep, rest = stripped.partition(":")
            name = head.split("(")[0].strip().lstrip("*")
            if sep and name.isidentifier():
                indent, current = level, name
                params[name] = rest.strip()
                continue
        if current is not None:
            params[current] = (params[current] + " " + stripped).strip()
    description = "\n".join(summary).strip()
    while "\n\n\n" in description:
        description = description.replace("\n\n\n", "\n\n")
    return description, params


def literal_values(node):
    items = node.elts if isinstance(node, ast.Tuple) else [node]
    values = []
    for item in items:
        if not isinstance(item, ast.Constant):
            raise SchemaError("Literal types may only hold constants")
        values.append(item.value)
    return values


def annotation_schema(node, models, where):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            return annotation_schema(ast.parse(node.value, mode="eval").body, models, where)
        except SyntaxError:
            raise SchemaError(f"{where} has an unreadable type annotation {node.value!r}")
    if isinstance(node, ast.Constant) and node.value is None:
        return {"type": "null"}
    if isinstance(node, ast.Attribute):
        node = ast.Name(id=node.attr)
    if isinstance(node, ast.Name):
        if node.id in PRIMITIVES:
            return {"type": PRIMITIVES[node.id]}
        if node.id in ("Any", "object"):
            return {}
        if node.id in models:
            return model_schema(models[node.id], models)
        raise SchemaError(f"{where} has a type annotation Reverie cannot describe: {node.id}")
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return union_schema([node.left, node.right], models, where)
    if isinstance(node, ast.Subscript):
        base = node.value.attr if isinstance(node.value, ast.Attribute) else getattr(node.value, "id", None)
        inner = node.slice
        if base == "Optional":
            return annotation_schema(inner, models, where)
        if base == "Union":
            return union_schema(inner.elts if isinstance(inner, ast.Tuple) else [inner], models, where)
        if base == "Literal":
            values = literal_values(inner)
            kinds = {type(v) for v in values}
            schema = {"enum": values}
            if kinds == {str}:
                schema["type"] = "string"
            elif kinds <= {int}:
                schema["type"] = "integer"
            return schema
        if base == "Annotated":
            return annotation_schema(inner.elts[0] if isinstance(inner, ast.Tuple) else inner, models, where)
        if base in ("list", "List", "set", "Set", "Sequence", "Iterable"):
            return {"type": "array", "items": annotation_schema(inner, models, where)}
        if base in ("tuple", "Tuple"):
            first = inner.elts[0] if isinstance(inner, ast.Tuple) and inner.elts else inner
            return {"type": "array", "items": annotation_schema(first, models, where)}
        if base in ("dict", "Dict", "Mapping"):
            return {"type": "object"}
        raise SchemaError(f"{where} has a type annotation Reverie cannot describe: {base}[...]")
    raise SchemaError(f"{where} has a type annotation Reverie cannot describe: {ast.unparse(node)}")


def union_schema(members, models, where):
    kept = [m for m in members if not (isinstance(m, ast.Constant) and m.value is None)
            and not (isinstance(m, ast.Name) and m.id == "None")]
    if len(kept) == 1:
        return annotation_schema(kept[0], models, where)
    return {"anyOf": [annotation_schema(m, models, where) for m in kept]}


def field_call(node):
    return isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Field"


def model_schema(cls, models):
    """A pydantic BaseModel defined in the source, read from its annotated fields (never executed)."""
    properties, required = {}, []
    doc_description, doc_params = parse_docstring(ast.get_docstring(cls) or "")
    for statement in cls.body:
        if not isinstance(statement, ast.AnnAssign) or not isinstance(statement.target, ast.Name):
            continue
        name = statement.target.id
        schema = annotation_schema(statement.annotation, models, f"Field '{name}' of model '{cls.name}'")
        has_default = statement.value is not None
        if field_call(statement.value):
            call = statement.value
            has_default = bool(call.args) and not (isinstance(call.args[0], ast.Constant) and call.args[0].value is Ellipsis)
            for keyword in call.keywords:
                if keyword.arg == "description" and isinstance(keyword.value, ast.Constant):
                    schema["description"] = keyword.value.value
                if keyword.arg in ("default", "default_factory"):
                    has_default = True
        if "description" not in schema and name in doc_params:
            schema["description"] = doc_params[name]
        properties[name] = schema
        if not has_default:
            required.append(name)
    schema = {"type": "object", "properties": properties, "required": required}
    if doc_description:
        schema["description"] = doc_description
    return schema


def derive(source, wanted):
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise SchemaError(f"The source code has a syntax error on line {error.lineno}: {error.msg}")
    functions = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    models = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)
              and any(getattr(b, "id", getattr(b, "attr", None)) == "BaseModel" for b in n.bases)}
    if not functions:
        raise SchemaError("No function definition found in the source code")
    if wanted:
        matches = [f for f in functions if f.name == wanted]
        if not matches:
            raise SchemaError(f"The source code defines no function named '{wanted}' (found: {', '.join(f.name for f in functions)})")
        function = matches[-1]
    else:
        function = functions[-1]
    description, doc_params = parse_docstring(ast.get_docstring(function) or "")
    arguments = function.args
    positional = arguments.posonlyargs + arguments.args
    defaults = [None] * (len(positional) - len(arguments.defaults)) + list(arguments.defaults)
    params = list(zip(positional, defaults)) + list(zip(arguments.kwonlyargs, arguments.kw_defaults))
    properties, required, names = {}, [], []
    for arg, default in params:
        if arg.arg in ("self", "agent_state"):
            continue
        names.append(arg.arg)
        where = f"Parameter '{arg.arg}' in function '{function.name}'"
        if arg.annotation is None:
            raise SchemaError(f"{where} lacks a type annotation")
        schema = annotation_schema(arg.annotation, models, where)
        if arg.arg not in doc_params or not doc_params[arg.arg]:
            raise SchemaError(f"{where} lacks a description in the docstring")
        schema["description"] = doc_params[arg.arg]
        properties[arg.arg] = schema
        if default is None:
            required.append(arg.arg)
    return {
        "name": function.name,
        "description": description,
        "parameters": {"type": "object", "properties": properties, "required": required},
        "param_names": names,
        "takes_agent_state": any(a.arg == "agent_state" for a, _ in params),
        "var_keywords": arguments.kwarg is not None,
        "is_async": isinstance(function, ast.AsyncFunctionDef),
    }


def main():
    request = json.loads(sys.stdin.read())
    try:
        result = derive(request["source"], request.get("name"))
        print(json.dumps({"ok": True, "value": result}))
    except SchemaError as error:
        print(json.dumps({"ok": False, "error": str(error)}))
    except RecursionError:
        print(json.dumps({"ok": False, "error": "The source code is nested too deeply to read"}))


main()
`;
