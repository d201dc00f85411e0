"""Finding the functions a ``python:`` tool source names: import, look up, select.

``pkg.mod:func`` names one function (a dotted path inside the module may reach a static
or class method, or a method of an instance); ``pkg.mod`` names the public functions
*defined* in the module (not imported into it), in definition order; public means no
leading ``_`` and, when the module has an ``__all__``, listed there. ``include`` /
``exclude`` globs then select by name. Every failure is a
:class:`~pytest_fncall.tool_sources.ToolSourceError`.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import sys
import types
from collections.abc import Callable, Sequence
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Final

from .tool_sources import ToolSourceError

__all__ = ["function_at", "import_module", "public_functions", "select_functions"]

_IMPORT_HINT: Final = (
    "is its directory importable? see the pytest 'pythonpath' ini option"
)


def import_module(module_name: str, root: Path | None) -> types.ModuleType:
    """The module, trying ``root`` on ``sys.path`` when its top package is not found."""
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


def function_at(
    module: types.ModuleType, module_name: str, attribute: str
) -> Callable[..., Any]:
    """The function at the dotted ``attribute`` path inside ``module``."""
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


def public_functions(module: types.ModuleType) -> list[tuple[str, Callable[..., Any]]]:
    """``(name, function)`` of each public function defined in ``module``, in order."""
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


def select_functions(
    functions: list[tuple[str, Callable[..., Any]]],
    module_name: str,
    include: Sequence[str],
    exclude: Sequence[str],
) -> list[tuple[str, Callable[..., Any]]]:
    """The functions the globs keep; a glob that matches none is an error."""
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
