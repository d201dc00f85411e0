"""Tools from Python functions: ``python: pkg.mod:func`` or ``python: pkg.mod``.

A function becomes a tool named after it: its signature and type hints give the JSON
Schema of its arguments (through pydantic), its docstring the descriptions (Google,
NumPy or reST, see :mod:`.docstrings`). The function is only described, never called.
:mod:`.python_discovery` finds the functions a target names, :mod:`.schema_cleaning`
tidies pydantic's schema.

Decisions (see the README, "Tools from Python functions"):

* A module source takes the public functions *defined* in the module (not imported into
  it), in definition order (see :mod:`.python_discovery`).
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

import inspect
import re
import types
import typing
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final, Union

from .docstrings import parse_docstring
from .python_discovery import (
    function_at,
    import_module,
    public_functions,
    select_functions,
)
from .results import Tool
from .schema_cleaning import clean_schema
from .tool_sources import ToolSourceError

__all__ = ["clean_schema", "tool_from_function", "tools_from_python"]

_TARGET = re.compile(
    r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?::[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)?"
)
_JSON_TYPES_HINT: Final = (
    "use JSON-friendly types: str, int, float, bool, None, list, dict, Literal, Enum, "
    "pydantic models, TypedDict or dataclasses"
)


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
    module = import_module(module_name, root)
    if attribute:
        if include or exclude:
            raise ToolSourceError(
                "'include' and 'exclude' select functions of a module; "
                f"{target!r} names one function"
            )
        function = function_at(module, module_name, attribute)
        return [tool_from_function(function, attribute.rsplit(".", 1)[-1], target)]
    functions = public_functions(module)
    if not functions:
        raise ToolSourceError(
            f"module {module_name!r} defines no public function (functions imported "
            "into it, names starting with '_' and names missing from its __all__ are "
            "left out)"
        )
    chosen = select_functions(functions, module_name, include or (), exclude or ())
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
