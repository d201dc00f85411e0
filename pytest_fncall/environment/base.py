"""What every part of the simulation shares: its error, the call context, results,
Python references, data files and JSON-like copies of user values."""

from __future__ import annotations

import dataclasses
import difflib
import enum
import importlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ..results import ToolResult
from ..tool_sources import ToolSourceError, _check_inside
from ..yamlfile import YamlProblem, parse_yaml, read_limited, shape_problem

KeyPath = tuple[str | int, ...]
MAX_COPY_DEPTH: Final = 64
"""User values (state, results) nested deeper than this are cut, so a cycle ends."""


class SimulationError(Exception):
    """A spec mistake found at collection. ``location`` starts at "mocks",
    "environment" or "faults"; ``message`` is one actionable sentence."""

    def __init__(self, location: KeyPath, message: str) -> None:
        super().__init__(message)
        self.location: KeyPath = tuple(location)
        self.message = message

    def __str__(self) -> str:
        where = ".".join(str(part) for part in self.location)
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True)
class CallContext:
    """One call as its behaviour sees it: ``attempt`` counts this tool's calls in the
    trial (from 1), ``seq`` every executed call of the trial."""

    tool: str
    args: dict[str, Any]
    attempt: int
    seq: int

    def template_values(self, **extra: Any) -> dict[str, Any]:
        return {"args": self.args, "attempt": self.attempt, "seq": self.seq, **extra}


def value_result(value: Any, *, fault: str | None = None) -> ToolResult:
    """A non-error result: a string is sent as-is (and has no structured value),
    anything else as its JSON text."""
    if isinstance(value, str):
        return ToolResult(value, fault=fault)
    value = json_like(value)
    return ToolResult(json.dumps(value, ensure_ascii=False), value=value, fault=fault)


def error_result(text: str, *, fault: str | None = None) -> ToolResult:
    return ToolResult(text, is_error=True, fault=fault)


def raised(exc: BaseException) -> str:
    """How an exception of user code reads in an error result."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def suggest(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for a near miss, else ""."""
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def import_reference(target: str, location: KeyPath, key: str) -> Any:
    """The object ``package.module:attribute`` names; importing it is the only way a
    spec runs code, so a wrong name is a collection error, not a failed trial."""
    module_name, _, attribute = target.partition(":")
    try:
        found: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise SimulationError(
            location,
            f"{key}: cannot import {module_name!r} ({exc}); is its directory "
            "importable? see the pytest 'pythonpath' ini option",
        ) from None
    except Exception as exc:
        raise SimulationError(
            location, f"{key}: importing {module_name!r} raised {raised(exc)}"
        ) from None
    for part in attribute.split("."):
        if not hasattr(found, part):
            raise SimulationError(
                location, f"{key}: {module_name!r} has no attribute {attribute!r}"
            )
        found = getattr(found, part)
    return found


def import_callable(target: str, location: KeyPath, key: str) -> Callable[..., Any]:
    found = import_reference(target, location, key)
    if not callable(found):
        raise SimulationError(location, f"{key}: {target!r} is not callable")
    return found  # type: ignore[no-any-return]


def read_data_file(
    written: str, spec_dir: Path, root: Path | None, location: KeyPath
) -> Any:
    """The JSON or YAML value in ``written`` (relative to the spec's directory)."""
    path = spec_dir / written
    if root is not None:
        try:
            _check_inside(path, root)
        except ToolSourceError as exc:
            message = str(exc).replace("tools file", "file", 1)
            raise SimulationError(location, message) from None
    try:
        raw = read_limited(path)
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise SimulationError(location, f"file not found: {path}") from None
    except YamlProblem as exc:
        raise SimulationError(location, f"cannot read {path}: {exc.message}") from None
    except (OSError, ValueError) as exc:  # ValueError: not UTF-8, a NUL in the name
        raise SimulationError(location, f"cannot read {path}: {exc}") from None
    try:
        if path.suffix == ".json":
            data = json.loads(text)
            problem = shape_problem(data)
            if problem:
                raise SimulationError(location, f"{path.name}: {problem}")
            return data
        return parse_yaml(text).data
    except ValueError as exc:
        raise SimulationError(location, f"{path.name}: invalid JSON: {exc}") from None
    except RecursionError:
        raise SimulationError(location, f"{path.name}: nested too deeply") from None
    except YamlProblem as exc:
        where = f"{path.name}:{exc.line}" if exc.line else path.name
        raise SimulationError(location, f"{where}: {exc.message}") from None


def json_like(value: Any, depth: int = 0) -> Any:
    """A fresh JSON-like copy of a user value (state, a Python tool's result): tuples
    and sets become lists, dataclasses and objects their public fields, and anything
    else its ``repr``; so reports, snapshots and state checks see plain data."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if depth >= MAX_COPY_DEPTH:
        return "<nested too deeply>"
    if isinstance(value, enum.Enum):
        return json_like(value.value, depth + 1)
    if isinstance(value, Mapping):
        return {str(key): json_like(item, depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_like(item, depth + 1) for item in value]
    if isinstance(value, (set, frozenset)):
        items = [json_like(item, depth + 1) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return json_like(fields, depth + 1)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return (
        public_attributes(value, depth) if hasattr(value, "__dict__") else _repr(value)
    )


def public_attributes(value: Any, depth: int = 0) -> Any:
    """The public, non-callable attributes of an object, JSON-like."""
    try:
        attributes = vars(value)
    except TypeError:
        return _repr(value)
    return {
        name: json_like(item, depth + 1)
        for name, item in attributes.items()
        if not name.startswith("_") and not callable(item)
    }


def _repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception:  # a broken __repr__ must not break a trial
        return f"<{type(value).__name__}>"


def check_declared(name: str, declared: Iterable[str], location: KeyPath) -> None:
    """A tool the simulation gives behaviour must be one the spec declares."""
    names = sorted(declared)
    if name not in names:
        listed = ", ".join(names) if names else "none"
        raise SimulationError(
            location,
            f"unknown tool {name!r}{suggest(name, names)}: every simulated tool must "
            f"be declared in 'tools' (declared: {listed})",
        )
