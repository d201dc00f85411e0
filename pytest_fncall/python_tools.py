"""Tools from Python functions: ``python: pkg.mod:func`` or ``python: pkg.mod``.

A function becomes a tool named after it. Its arguments' JSON Schema comes from the type
hints through pydantic, its descriptions from its docstring (Google, NumPy or reST, see
:mod:`.docstrings`). The function is only described, never called.

Decisions (see the README, "Tools from Python functions"):

* A module source takes the public functions *defined* in the module (not imported into
  it), in definition order; public means no leading ``_`` and, when the module has an
  ``__all__``, listed there. ``include`` / ``exclude`` globs then select by name.
* ``*args`` and ``**kwargs`` are left out: a model passes named JSON arguments only, and
  the implicit checks refuse undeclared keys anyway. Without ``**kwargs`` the schema
  says ``additionalProperties: false``, which is what the function accepts.
* A parameter without a hint accepts any JSON value (schema ``{}``; ``--fncall-lint``
  warns about it). A hint that cannot be resolved, or a type pydantic cannot describe,
  is a spec error: a guessed schema would test the model against the wrong contract.
* A parameter with a default, or whose hint allows ``None`` (``Optional[X]``,
  ``X | None``), is not required; a default is shown in the schema when it is JSON.
* ``title`` keywords (pydantic's noise) are removed; ``$defs`` are inlined, except those
  that refer to themselves (recursive models), which stay in ``$defs``.
"""

from __future__ import annotations

import copy
import difflib
import importlib
import inspect
import re
import sys
import types
import typing
import warnings
from collections.abc import Callable, Iterator, Sequence
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Final, Union

from .docstrings import parse_docstring
from .results import Tool
from .schema_keywords import ONE_SCHEMA, SCHEMA_LISTS, SCHEMA_MAPS
from .tool_sources import ToolSourceError

__all__ = ["tool_from_function", "tools_from_python"]

_TARGET = re.compile(
    r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?::[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)?"
)
_IMPORT_HINT: Final = (
    "is its directory importable? see the pytest 'pythonpath' ini option"
)
_JSON_TYPES_HINT: Final = (
    "use JSON-friendly types: str, int, float, bool, None, list, dict, Literal, Enum, "
    "pydantic models, TypedDict or dataclasses"
)
_DEFS_PREFIX: Final = "#/$defs/"
_FIRST_KEYS: Final = ("type", "description")


def tools_from_python(
    target: str,
    *,
    include: Sequence[str] | None = None,
    exclude: Sequence[str] | None = None,
    root: Path | None = None,
) -> list[Tool]:
    """The tools ``target`` names: ``pkg.mod:func`` (one) or ``pkg.mod`` (its functions).

    Raises :class:`~pytest_fncall.tool_sources.ToolSourceError`; its ``key`` is
    ``("include", i)`` / ``("exclude", i)`` for a glob that matches no function, else
    empty (the ``python`` key itself). ``root``: a directory to try on ``sys.path`` when
    the module's top package is not found (pytest's rootdir, like a ``conftest.py``).
    """
    if not _TARGET.fullmatch(target):
        raise ToolSourceError(
            f"expected 'package.module:function' or 'package.module', got {target!r}"
        )
    module_name, _, attribute = target.partition(":")
    module = _import(module_name, root)
    if attribute:
        if include or exclude:
            raise ToolSourceError(
                "'include' and 'exclude' select functions of a module; "
                f"{target!r} names one function"
            )
        function = _attribute(module, module_name, attribute)
        return [tool_from_function(function, attribute.rsplit(".", 1)[-1], target)]
    functions = _public_functions(module)
    if not functions:
        raise ToolSourceError(
            f"module {module_name!r} defines no public function (functions imported "
            "into it, names starting with '_' and names missing from its __all__ are "
            "left out)"
        )
    chosen = _select(functions, module_name, include or (), exclude or ())
    return [
        tool_from_function(function, name, f"{module_name}:{name}")
        for name, function in chosen
    ]


def tool_from_function(
    function: Callable[..., Any], name: str | None = None, where: str | None = None
) -> Tool:
    """The tool describing ``function`` (named ``name``, by default its ``__name__``).

    ``where`` names the function in error messages (default: ``module:qualname``).
    """
    name = name or function.__name__
    where = where or f"{function.__module__}:{function.__qualname__}"
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError) as exc:
        raise ToolSourceError(f"{where}: cannot read its signature ({exc})") from None
    hints = _hints(function, signature, where)
    doc = parse_docstring(inspect.getdoc(function))
    named = [
        parameter
        for parameter in signature.parameters.values()
        if parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
    ]
    parameters = _arguments_schema(
        [(p.name, hints.get(p.name, Any), p.default) for p in named], where
    )
    properties = parameters["properties"]
    for parameter in named:  # before inlining: beside a $ref, it wins over the model's
        text = doc.params.get(parameter.name)
        if text and "description" not in properties[parameter.name]:
            properties[parameter.name]["description"] = text
    required = [
        p.name
        for p in named
        if p.default is p.empty and not _allows_none(hints.get(p.name, Any))
    ]
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    if all(p.kind != p.VAR_KEYWORD for p in signature.parameters.values()):
        schema["additionalProperties"] = False  # the function takes no other key
    if "$defs" in parameters:
        schema["$defs"] = parameters["$defs"]
    return Tool(name, doc.description, clean_schema(schema))


# --- finding the functions ------------------------------------------------------------


def _import(module_name: str, root: Path | None) -> types.ModuleType:
    try:
        try:
            return importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            top = module_name.split(".")[0]
            if root is None or exc.name != top or str(root) in sys.path:
                raise
        # Like a conftest.py beside it, a module in the project's rootdir is importable.
        sys.path.insert(0, str(root))
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and f"{module_name}.".startswith(f"{exc.name}."):
            raise ToolSourceError(
                f"cannot import {module_name!r} ({exc}); {_IMPORT_HINT}"
            ) from None
        raise ToolSourceError(_raised(f"importing {module_name!r}", exc)) from None
    except Exception as exc:  # the module's own code failed: report, don't crash
        raise ToolSourceError(_raised(f"importing {module_name!r}", exc)) from None


def _raised(action: str, exc: BaseException) -> str:
    return f"{action} raised {type(exc).__name__}: {exc}"


def _attribute(
    module: types.ModuleType, module_name: str, attribute: str
) -> Callable[..., Any]:
    found: Any = module
    owner: Any = module
    walked = module_name
    for part in attribute.split("."):
        if not hasattr(found, part):
            names = [n for n in dir(found) if not n.startswith("_")]
            close = difflib.get_close_matches(part, names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ToolSourceError(f"{walked!r} has no attribute {part!r}{hint}")
        owner, found = found, getattr(found, part)
        walked = f"{walked}{':' if walked == module_name else '.'}{part}"
    target = f"{module_name}:{attribute}"
    if inspect.isclass(owner) and inspect.isfunction(
        inspect.getattr_static(owner, attribute.rsplit(".", 1)[-1], None)
    ):
        raise ToolSourceError(
            f"{target!r} is a method of class {owner.__name__}: name a function, a "
            "static or class method, or a method of an instance"
        )
    if not (inspect.isfunction(found) or inspect.ismethod(found)):
        kind = (
            "a class"
            if inspect.isclass(found)
            else "a module"
            if inspect.ismodule(found)
            else f"a {type(found).__name__} object"
        )
        raise ToolSourceError(
            f"{target!r} is {kind}, not a function; a python tool source names a "
            "function (def or async def)"
        )
    function: Callable[..., Any] = found
    return function


def _public_functions(module: types.ModuleType) -> list[tuple[str, Callable[..., Any]]]:
    listed = getattr(module, "__all__", None)
    found: list[tuple[str, Callable[..., Any]]] = []
    seen: set[int] = set()
    for name, value in vars(module).items():
        if (
            name.startswith("_")
            or not inspect.isfunction(value)
            or value.__module__ != module.__name__
            or (listed is not None and name not in listed)
            or id(value) in seen
        ):
            continue
        seen.add(id(value))
        found.append((name, value))
    return sorted(found, key=lambda item: _first_line(item[1]))


def _first_line(function: Callable[..., Any]) -> int:
    code = getattr(inspect.unwrap(function), "__code__", None)
    return code.co_firstlineno if code is not None else 0


def _select(
    functions: list[tuple[str, Callable[..., Any]]],
    module_name: str,
    include: Sequence[str],
    exclude: Sequence[str],
) -> list[tuple[str, Callable[..., Any]]]:
    names = [name for name, _ in functions]
    for key, globs in (("include", include), ("exclude", exclude)):
        for index, glob in enumerate(globs):
            if not any(fnmatchcase(name, glob) for name in names):
                raise ToolSourceError(
                    f"{glob!r} matches no public function of {module_name!r} "
                    f"(functions: {', '.join(names)})",
                    key=(key, index),
                )
    chosen = [
        (name, function)
        for name, function in functions
        if (not include or any(fnmatchcase(name, g) for g in include))
        and not any(fnmatchcase(name, g) for g in exclude)
    ]
    if not chosen:
        raise ToolSourceError(
            f"'include' and 'exclude' leave no function of {module_name!r} "
            f"(functions: {', '.join(names)})"
        )
    return chosen


# --- type hints -> JSON Schema ----------------------------------------------------------


def _hints(
    function: Callable[..., Any], signature: inspect.Signature, where: str
) -> dict[str, Any]:
    original = inspect.unwrap(function)  # annotations resolve where it was written
    try:
        return typing.get_type_hints(original, include_extras=True)
    except Exception as exc:
        names = getattr(original, "__globals__", {})
        for parameter in signature.parameters.values():
            annotation = parameter.annotation
            if not isinstance(annotation, str):
                continue
            try:
                eval(annotation, dict(names))  # what get_type_hints does, one by one
            except Exception as inner:
                raise ToolSourceError(
                    f"{where}: cannot resolve the type hint {annotation!r} of parameter "
                    f"{parameter.name!r} ({type(inner).__name__}: {inner}); import the "
                    "type at module level"
                ) from None
        raise ToolSourceError(
            f"{where}: cannot resolve its type hints ({type(exc).__name__}: {exc})"
        ) from None


def _arguments_schema(
    parameters: list[tuple[str, Any, Any]], where: str
) -> dict[str, Any]:
    """pydantic's JSON Schema of a model with one field per ``(name, hint, default)``."""
    from pydantic import Field, create_model
    from pydantic.json_schema import PydanticJsonSchemaWarning

    fields: dict[str, Any] = {}
    for index, (name, hint, default) in enumerate(parameters):
        # Fields are p0, p1, ... with the real name as alias: any name is then allowed
        # (pydantic refuses `_x` and names of BaseModel attributes such as `json`).
        if default is inspect.Parameter.empty:
            fields[f"p{index}"] = (hint, Field(alias=name))
        else:
            fields[f"p{index}"] = (hint, Field(default=default, alias=name))
    try:
        with warnings.catch_warnings():
            # a default that is not JSON is left out of the schema, which is right
            warnings.simplefilter("ignore", PydanticJsonSchemaWarning)
            model = create_model("arguments", **fields)
            schema: dict[str, Any] = model.model_json_schema(by_alias=True)
    except Exception as exc:
        raise ToolSourceError(_type_problem(parameters, where, exc)) from None
    return schema


def _type_problem(
    parameters: list[tuple[str, Any, Any]], where: str, exc: Exception
) -> str:
    """Which parameter's type pydantic cannot describe, and why."""
    from pydantic import TypeAdapter

    for name, hint, _ in parameters:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                TypeAdapter(hint).json_schema()
        except Exception as inner:
            reason = str(inner).splitlines()[0]
            return (
                f"{where}: parameter {name!r} has type {_type_text(hint)}, which has "
                f"no JSON Schema ({reason}); {_JSON_TYPES_HINT}"
            )
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"{where}: pydantic cannot describe its parameters ({reason})"


def _type_text(hint: Any) -> str:
    if isinstance(hint, type):
        return hint.__qualname__
    return repr(hint).replace("typing.", "")


def _allows_none(hint: Any) -> bool:
    if hint is None or hint is type(None):
        return True
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:
        return _allows_none(typing.get_args(hint)[0])
    if origin is Union or origin is types.UnionType:
        return any(_allows_none(arg) for arg in typing.get_args(hint))
    return False


# --- cleaning -----------------------------------------------------------------------------


def clean_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` without ``title`` keywords, with every non-recursive ``$defs`` entry
    inlined where it is referred to (its ``$ref`` siblings, such as a parameter's
    description, win), and without pydantic's OpenAPI ``discriminator``."""
    schema = copy.deepcopy(schema)
    defs: dict[str, Any] = schema.pop("$defs", {})
    recursive = _recursive_defs(defs)
    inlined: dict[str, Any] = _inline(schema, defs, recursive)
    kept = {
        name: _inline(defs[name], defs, recursive) for name in defs if name in recursive
    }
    if kept:
        inlined["$defs"] = kept
    return inlined


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_DEFS_PREFIX):
            yield ref[len(_DEFS_PREFIX) :]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _recursive_defs(defs: dict[str, Any]) -> set[str]:
    edges = {name: set(_refs(schema)) for name, schema in defs.items()}
    recursive = set()
    for start in defs:
        stack, seen = list(edges[start]), set()
        while stack:
            name = stack.pop()
            if name == start:
                recursive.add(start)
                break
            if name in seen or name not in edges:
                continue
            seen.add(name)
            stack.extend(edges[name])
    return recursive


def _inline(node: Any, defs: dict[str, Any], recursive: set[str]) -> Any:
    """A copy of schema ``node``: titles dropped, references to non-recursive defs
    replaced by the definition."""
    if isinstance(node, bool) or not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith(_DEFS_PREFIX):
        name = ref[len(_DEFS_PREFIX) :]
        if name in defs and name not in recursive:
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            return _inline({**defs[name], **siblings}, defs, recursive)
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key == "title" or (key == "discriminator" and isinstance(value, dict)):
            continue
        if key in ONE_SCHEMA or (key == "items" and isinstance(value, dict)):
            result[key] = _inline(value, defs, recursive)
        elif key in SCHEMA_LISTS or (key == "items" and isinstance(value, list)):
            result[key] = [_inline(item, defs, recursive) for item in value]
        elif key in SCHEMA_MAPS and isinstance(value, dict):
            result[key] = {k: _inline(v, defs, recursive) for k, v in value.items()}
        else:
            result[key] = value
    first = [key for key in _FIRST_KEYS if key in result]  # {type, description, ...}
    return {**{key: result[key] for key in first}, **result}
