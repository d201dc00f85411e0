"""Load a ``*.fncall.yaml`` file into ready-to-run case definitions.

Everything that can be wrong with a spec is found here, at collection, and reported as a
:class:`~pytest_fncall.errors.SpecError` naming file, 1-based line and key path.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError

from . import spec
from .errors import SpecError, SpecProblem
from .expectations import Expectation, ExpectationError, compile_expectation
from .reliability import RepeatPlan
from .results import Tool
from .tool_sources import EMPTY_PARAMETERS, ToolSourceError, tools_from_file
from .validation import schema_problem
from .yamlfile import (
    KeyPath,
    YamlDocument,
    YamlProblem,
    decode_problem,
    parse_yaml,
    read_limited,
)


@dataclass(frozen=True)
class MarkSpec:
    """A pytest mark a case asks for: ``marks: [slow, {xfail: reason}]``."""

    name: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SnapshotPolicy:
    """What a trajectory snapshot pins: calls always, the final text when asked."""

    text: bool = False


@dataclass(frozen=True)
class CaseDefinition:
    """One case, with defaults applied and every reference resolved."""

    id: str
    line: int
    messages: tuple[dict[str, Any], ...]
    tools: tuple[Tool, ...]
    tool_choice: str | dict[str, str]
    settings: dict[str, Any]
    expectation: Expectation
    marks: tuple[MarkSpec, ...] = ()
    snapshot: SnapshotPolicy | None = None  # None: the spec does not ask for one
    repeat: RepeatPlan = field(default_factory=RepeatPlan)


@dataclass(frozen=True)
class LoadedSpec:
    path: Path
    tools: tuple[Tool, ...]
    cases: tuple[CaseDefinition, ...]


_SKIP_REASON_MARKS = {"skip", "xfail"}
# When a union (e.g. `repeat: 5 | {n: 5, ...}`) is given a mapping, its scalar members'
# complaints ("Input should be a valid integer") only hide the mapping member's message.
_SCALAR_TYPE_ERRORS = {
    "int_type",
    "float_type",
    "bool_type",
    "string_type",
    "literal_error",
}
INTERNAL_ERROR: Final = "pytest-fncall failed while loading this spec"
"""How a bug (an exception other than :class:`SpecError`) is reported: a spec error."""


def load_spec(
    path: Path,
    known_marks: Collection[str] | None = None,
    *,
    root: Path | None = None,
) -> LoadedSpec:
    """Read, validate and resolve one spec file.

    ``known_marks``: the registered marker names when ``--strict-markers`` is on (a case
    naming another mark is then a spec error), or None to accept any mark. ``root``: the
    project (pytest's rootdir); a ``file:`` tool source outside it is refused. None
    (the default) does not restrict.

    Every mistake, however hostile the file, is a :class:`SpecError`; should anything
    else escape (a bug), it becomes one too, asking for a report, rather than a
    traceback in the middle of collection.
    """
    try:
        return _load(path, known_marks, root)
    except SpecError:
        raise
    except Exception as exc:
        message = f"{INTERNAL_ERROR} ({type(exc).__name__}: {exc}); please report it"
        raise SpecError([SpecProblem(path, None, "", message)]) from exc


def _load(
    path: Path, known_marks: Collection[str] | None, root: Path | None
) -> LoadedSpec:
    document = _read(path)
    parsed = _validate(path, document)
    problems: list[SpecProblem] = []
    tools = _load_tools(path, document, parsed, problems, root)
    cases = []
    seen: dict[str, int] = {}
    for index, case in enumerate(parsed.cases):
        where = ("cases", index)
        line = document.line_of(where) or 1
        if case.id in seen:
            problems.append(
                _problem(
                    path,
                    document,
                    (*where, "id"),
                    f"duplicate case id {case.id!r} (first at line {seen[case.id]})",
                )
            )
            continue
        seen[case.id] = line
        try:
            cases.append(_case(case, parsed.defaults, tools, line, known_marks))
        except _CaseProblem as exc:
            problems.append(
                _problem(path, document, (*where, *exc.location), exc.message)
            )
    if problems:
        raise SpecError(problems)
    return LoadedSpec(path, tuple(tools), tuple(cases))


def _read(path: Path) -> YamlDocument:
    def whole_file(message: str) -> SpecError:
        return SpecError([SpecProblem(path, None, "", message)])

    try:
        raw = read_limited(path)
    except YamlProblem as exc:
        raise whole_file(exc.message) from None
    except (OSError, ValueError) as exc:
        raise whole_file(f"cannot read the file: {exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise whole_file(decode_problem(raw, exc)) from None
    try:
        return parse_yaml(text)
    except YamlProblem as exc:
        raise SpecError(
            [SpecProblem(path, exc.line, _display(exc.key_path, None), exc.message)]
        ) from None


def _validate(path: Path, document: YamlDocument) -> spec.Spec:
    if not isinstance(document.data, dict):
        kind = "empty" if document.data is None else type(document.data).__name__
        raise SpecError(
            [
                SpecProblem(
                    path,
                    1,
                    "",
                    f"a spec is a mapping with 'version' and 'cases', not {kind}",
                )
            ]
        )
    try:
        return spec.Spec.model_validate(document.data)
    except ValidationError as exc:
        raise SpecError(_pydantic_problems(path, document, exc)) from None


def _pydantic_problems(
    path: Path, document: YamlDocument, error: ValidationError
) -> list[SpecProblem]:
    by_location: dict[KeyPath, list[str]] = {}
    mappings_refused: set[KeyPath] = set()  # a union member refused a mapping: noise
    for item in error.errors(include_url=False):
        loc = item["loc"]
        if item["type"] in ("unknown_key", "not_supported"):
            loc = (*loc, item["ctx"]["key"])
        location = _data_location(document.data, loc, item["type"] == "missing")
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "string_pattern_mismatch":
            message = (
                f"{item['input']!r} may hold only letters, digits, '_', '.' and '-'"
            )
        if item["type"] in _SCALAR_TYPE_ERRORS and isinstance(item["input"], dict):
            mappings_refused.add(location)
            by_location.setdefault(location, [])
            continue
        messages = by_location.setdefault(location, [])
        if message not in messages:
            messages.append(message)
    for location in mappings_refused:
        if not by_location[location]:
            by_location[location].append("this mapping is not allowed here")
    # A union reports each member's complaint; keep the most specific ones.
    specific = [
        location
        for location in by_location
        if not any(other[: len(location)] == location != other for other in by_location)
    ]
    return [
        _problem(path, document, location, " or ".join(by_location[location]))
        for location in specific
    ]


def _data_location(data: Any, loc: tuple[str | int, ...], missing: bool) -> KeyPath:
    """Follow pydantic's error location through the data, dropping union member tags;
    a ``missing`` key is named even though the data does not have it."""
    location: list[str | int] = []
    current = data
    for position, part in enumerate(loc):
        last = position == len(loc) - 1
        if isinstance(current, dict) and isinstance(part, str):
            if part in current:
                location.append(part)
                current = current[part]
            elif last and missing:
                location.append(part)
        elif (
            isinstance(current, list) and isinstance(part, int) and part < len(current)
        ):
            location.append(part)
            current = current[part]
    return tuple(location)


def _load_tools(
    path: Path,
    document: YamlDocument,
    parsed: spec.Spec,
    problems: list[SpecProblem],
    root: Path | None,
) -> list[Tool]:
    tools: dict[str, Tool] = {}
    for index, source in enumerate(parsed.tools):
        where: KeyPath = ("tools", index)
        if source.file is not None:
            try:
                loaded = tools_from_file(path.parent / source.file, root)
            except ToolSourceError as exc:
                problems.append(_problem(path, document, (*where, "file"), str(exc)))
                continue
            schema_key: KeyPath = (*where, "file")
        else:
            assert source.name is not None  # checked by the model
            parameters = source.parameters
            loaded = [
                Tool(
                    source.name,
                    source.description or "",
                    parameters or EMPTY_PARAMETERS,
                )
            ]
            keys = ("parameters", "inputSchema", "input_schema")
            given = [k for k in keys if k in document.data["tools"][index]]
            schema_key = (*where, given[0]) if given else where
        for tool in loaded:
            problem = schema_problem(tool.parameters)
            if problem is None and tool.parameters.get("type", "object") != "object":
                problem = "the arguments schema must have type 'object'"
            if problem:
                problems.append(
                    _problem(path, document, schema_key, f"{tool.name}: {problem}")
                )
            elif tool.name in tools:
                problems.append(
                    _problem(
                        path, document, where, f"tool {tool.name!r} is declared twice"
                    )
                )
            else:
                tools[tool.name] = tool
    return list(tools.values())


class _CaseProblem(Exception):
    def __init__(self, location: KeyPath, message: str) -> None:
        super().__init__(message)
        self.location = location
        self.message = message


def _case(
    case: spec.Case,
    defaults: spec.Defaults,
    tools: Sequence[Tool],
    line: int,
    known_marks: Collection[str] | None,
) -> CaseDefinition:
    declared = [tool.name for tool in tools]
    offered = _offered(case.tools, declared)
    tool_choice = case.tool_choice or defaults.tool_choice or "auto"
    if isinstance(tool_choice, spec.NamedToolChoice):
        if tool_choice.name not in offered and case.tool_choice is None:
            raise _CaseProblem(
                ("tools",) if case.tools else (),
                f"defaults.tool_choice names {tool_choice.name!r}, "
                "which this case does not offer",
            )
        if tool_choice.name not in offered:
            raise _CaseProblem(
                ("tool_choice", "name"),
                f"{tool_choice.name!r} is not a tool this case offers",
            )
        choice: str | dict[str, str] = {"name": tool_choice.name}
    else:
        choice = tool_choice
    try:
        expectation = compile_expectation(case.expect, declared, offered)
    except ExpectationError as exc:
        raise _CaseProblem(("expect", *exc.location), exc.message) from None
    return CaseDefinition(
        id=case.id,
        line=line,
        messages=_messages(case, defaults),
        tools=tuple(tool for tool in tools if tool.name in offered),
        tool_choice=choice,
        settings={**(defaults.settings or {}), **(case.settings or {})},
        expectation=expectation,
        marks=tuple(
            _mark(raw, index, known_marks) for index, raw in enumerate(case.marks)
        ),
        snapshot=_snapshot(
            case.snapshot if case.snapshot is not None else defaults.snapshot
        ),
        repeat=_repeat(case.repeat if case.repeat is not None else defaults.repeat),
    )


def _repeat(choice: spec.Repeat | None) -> RepeatPlan:
    if choice is None:
        return RepeatPlan()
    if isinstance(choice, int):
        return RepeatPlan(n=choice)
    hat = choice.pass_hat_k
    return RepeatPlan(
        n=choice.n,
        min_pass_rate=choice.min_pass_rate,
        max_failures=choice.max_failures,
        pass_hat_k=(hat.k, hat.min) if hat else None,
        early_stop=choice.early_stop,
    )


def _snapshot(choice: spec.Snapshot | None) -> SnapshotPolicy | None:
    if choice is None or choice is False:
        return None
    if choice is True:
        return SnapshotPolicy()
    return SnapshotPolicy(text=choice.text)


def _offered(selection: spec.ToolSelection | None, declared: list[str]) -> list[str]:
    if selection is None:
        return declared
    offered = list(declared)
    for key, globs in (("include", selection.include), ("exclude", selection.exclude)):
        for index, glob in enumerate(globs or ()):
            if not any(fnmatchcase(name, glob) for name in declared):
                raise _CaseProblem(
                    ("tools", key, index),
                    f"{glob!r} names no declared tool (declared: {', '.join(declared)})",
                )
    if selection.include is not None:
        include = selection.include
        offered = [n for n in offered if any(fnmatchcase(n, g) for g in include)]
    exclude = selection.exclude or []
    return [n for n in offered if not any(fnmatchcase(n, g) for g in exclude)]


def _messages(case: spec.Case, defaults: spec.Defaults) -> tuple[dict[str, Any], ...]:
    system = case.system if case.system is not None else defaults.system
    if case.messages is not None:
        messages = [m.model_dump(exclude_none=True) for m in case.messages]
    else:
        messages = [{"role": "user", "content": case.prompt}]
    if system is not None and not (messages and messages[0]["role"] == "system"):
        messages.insert(0, {"role": "system", "content": system})
    return tuple(messages)


def _mark(raw: spec.Mark, index: int, known: Collection[str] | None) -> MarkSpec:
    if isinstance(raw, str):
        mark = MarkSpec(raw)
    else:
        if len(raw) != 1:
            raise _CaseProblem(
                ("marks", index),
                "a mark with arguments is a one-key mapping: {name: args}",
            )
        ((name, value),) = raw.items()
        if isinstance(value, dict):
            mark = MarkSpec(name, kwargs=value)
        elif name in _SKIP_REASON_MARKS and isinstance(value, str):
            mark = MarkSpec(name, kwargs={"reason": value})
        elif isinstance(value, list):
            mark = MarkSpec(name, args=tuple(value))
        else:
            mark = MarkSpec(name, args=(value,))
    if not mark.name.isidentifier():
        raise _CaseProblem(("marks", index), f"{mark.name!r} is not a valid mark name")
    if known is not None and mark.name not in known:
        raise _CaseProblem(
            ("marks", index),
            f"mark {mark.name!r} is not registered (--strict-markers is on; add it to the "
            "'markers' ini option)",
        )
    return mark


def _problem(
    path: Path, document: YamlDocument, location: KeyPath, message: str
) -> SpecProblem:
    return SpecProblem(
        path, document.line_of(location), _display(location, document.data), message
    )


def _display(location: KeyPath, data: Any) -> str:
    """``cases.weather.expect.calls[0].args``: cases by id, other list items by index."""
    text = ""
    current = data
    for part in location:
        if isinstance(part, int):
            case_id = (
                current[part].get("id") if _is_case_list(text, current, part) else None
            )
            shown = isinstance(case_id, str) and re.fullmatch(
                spec.CASE_ID_PATTERN, case_id
            )
            text += f".{case_id}" if shown else f"[{part}]"
        else:
            text += f".{part}" if text else part
        current = _child(current, part)
    if len(location) > _SHOWN_PARTS:  # a path 64 levels deep: its start and its end
        tail = _display(location[-2:], None).lstrip(".")
        hidden = len(location) - _SHOWN_PARTS - 2
        head = _display(location[:_SHOWN_PARTS], data)
        return f"{head}<{hidden} more>{'' if tail.startswith('[') else '.'}{tail}"
    return text


_SHOWN_PARTS: Final = 10


def _is_case_list(text: str, current: Any, index: int) -> bool:
    return (
        text == "cases"
        and isinstance(current, list)
        and index < len(current)
        and isinstance(current[index], dict)
    )


def _child(current: Any, part: str | int) -> Any:
    if isinstance(current, dict) and isinstance(part, str):
        return current.get(part)
    if isinstance(current, list) and isinstance(part, int) and part < len(current):
        return current[part]
    return None
