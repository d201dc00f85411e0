"""Which declared tools, parameters and enum values the cases' expectations exercise
(``--fncall-coverage``). Pure: loaded specs in, plain data out, plus a renderer.

What counts, per spec file, over the cases given (the selected ones):

* a **tool** is exercised when an expected pattern names it: ``call``, an entry of
  ``calls`` (``parallel`` members too) or of a loop-mode turn's ``expect``; a glob
  (``tool: "get_*"``) names every offered tool it matches. ``forbid`` /
  ``forbid_tools`` do not exercise a tool: a tool only they name is marked
  ``forbidden`` (shown as "forbidden only");
* a **parameter** (a top-level property of the tool's schema) is exercised when an
  expected pattern's ``args`` names it, whatever its matcher (``$absent`` included);
* an **enum value** of a parameter (its schema's ``enum``, or the ``enum`` of an
  ``anyOf`` / ``oneOf`` branch, as ``Optional[Literal[...]]`` gives) is exercised when
  a literal, an ``$eq``, an ``$in`` candidate or the literal under ``$optional`` of that
  parameter equals it (JSON equality: ``1 == 1.0``).

:func:`suite_totals` merges files by tool name: a tool declared by several specs (one
shared tools file) counts once, exercised if any of them exercises it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .matcher_core import MISSING, Matcher
from .matcher_values import json_equal

if TYPE_CHECKING:
    from .expectations import CallPattern
    from .loader import CaseDefinition, LoadedSpec
    from .results import Tool

__all__ = [
    "EnumValue",
    "FileCoverage",
    "ParameterCoverage",
    "ToolCoverage",
    "coverage_document",
    "file_coverage",
    "render_coverage",
    "suite_totals",
]


@dataclass(frozen=True)
class EnumValue:
    value: Any
    exercised: bool

    def shown(self) -> str:
        """Strings bare (``fahrenheit``), other values as JSON (``2``, ``null``)."""
        if isinstance(self.value, str):
            return self.value
        return json.dumps(self.value, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class ParameterCoverage:
    name: str
    exercised: bool
    enum: tuple[EnumValue, ...] = ()


@dataclass(frozen=True)
class ToolCoverage:
    name: str
    exercised: bool
    forbidden: bool  # named by a forbid pattern or forbid_tools glob
    parameters: tuple[ParameterCoverage, ...] = ()


@dataclass(frozen=True)
class Count:
    exercised: int
    total: int

    def __str__(self) -> str:
        return f"{self.exercised}/{self.total}"


@dataclass(frozen=True)
class FileCoverage:
    """One spec file: its declared tools, as exercised by ``cases`` selected cases."""

    file: str
    cases: int
    tools: tuple[ToolCoverage, ...]

    @property
    def counts(self) -> dict[str, Count]:
        return _counts(self.tools)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready document (for the JSON report and for xdist workers)."""
        return {
            "file": self.file,
            "cases": self.cases,
            "counts": {
                kind: {"exercised": count.exercised, "total": count.total}
                for kind, count in self.counts.items()
            },
            "tools": [
                {
                    "name": tool.name,
                    "exercised": tool.exercised,
                    "forbidden": tool.forbidden,
                    "parameters": [
                        {
                            "name": parameter.name,
                            "exercised": parameter.exercised,
                            "enum": [
                                {"value": value.value, "exercised": value.exercised}
                                for value in parameter.enum
                            ],
                        }
                        for parameter in tool.parameters
                    ],
                }
                for tool in self.tools
            ],
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> FileCoverage:
        return cls(
            file=str(document["file"]),
            cases=int(document["cases"]),
            tools=tuple(
                ToolCoverage(
                    name=str(tool["name"]),
                    exercised=bool(tool["exercised"]),
                    forbidden=bool(tool["forbidden"]),
                    parameters=tuple(
                        ParameterCoverage(
                            name=str(parameter["name"]),
                            exercised=bool(parameter["exercised"]),
                            enum=tuple(
                                EnumValue(value["value"], bool(value["exercised"]))
                                for value in parameter["enum"]
                            ),
                        )
                        for parameter in tool["parameters"]
                    ),
                )
                for tool in document["tools"]
            ),
        )


# --- analysis -----------------------------------------------------------------------


def file_coverage(
    loaded: LoadedSpec,
    cases: Iterable[CaseDefinition] | None = None,
    *,
    name: str | None = None,
) -> FileCoverage:
    """Coverage of ``loaded``'s declared tools by ``cases`` (default: all its cases);
    ``name`` is the file as shown (default: its path)."""
    chosen = tuple(loaded.cases if cases is None else cases)
    named: set[str] = set()
    forbidden: set[str] = set()
    parameters: dict[str, set[str]] = {}  # tool -> parameters named
    values: dict[tuple[str, str], list[Any]] = {}  # (tool, parameter) -> literals
    for case in chosen:
        for pattern, is_forbidden in _patterns(case):
            pool = loaded.tools if is_forbidden else case.tools
            tools = [tool for tool in pool if pattern.tool_matches(tool.name)]
            if is_forbidden:
                forbidden.update(tool.name for tool in tools)
                continue
            for tool in tools:
                named.add(tool.name)
                if pattern.arguments is None:
                    continue
                for key, matcher in pattern.arguments.matchers.items():
                    parameters.setdefault(tool.name, set()).add(key)
                    values.setdefault((tool.name, key), []).extend(_values(matcher))
    return FileCoverage(
        file=name if name is not None else str(loaded.path),
        cases=len(chosen),
        tools=tuple(
            ToolCoverage(
                name=tool.name,
                exercised=tool.name in named,
                forbidden=tool.name in forbidden,
                parameters=tuple(
                    ParameterCoverage(
                        name=parameter,
                        exercised=parameter in parameters.get(tool.name, ()),
                        enum=tuple(
                            EnumValue(
                                value,
                                any(
                                    json_equal(value, seen)
                                    for seen in values.get((tool.name, parameter), ())
                                ),
                            )
                            for value in _enum(schema)
                        ),
                    )
                    for parameter, schema in _properties(tool)
                ),
            )
            for tool in loaded.tools
        ),
    )


def _patterns(case: CaseDefinition) -> Iterator[tuple[CallPattern, bool]]:
    """Every pattern of the case and of its loop-mode turns, with "is forbidden"."""
    expectations = [case.expectation]
    if case.loop is not None:
        expectations += [t.expectation for t in case.loop.turns if t.expectation]
    for expectation in expectations:
        for pattern in expectation.patterns:
            yield pattern, False
        for pattern in expectation.forbid:
            yield pattern, True


def _values(matcher: Matcher) -> list[Any]:
    """The values ``matcher`` names: a literal (or ``$eq``), ``$in`` candidates, and
    the same under ``$optional``."""
    inner = matcher.inner or matcher
    found: list[Any] = []
    if inner.literal is not MISSING:
        found.append(inner.literal)
    if inner.candidates is not None:
        found.extend(inner.candidates)
    return found


def _properties(tool: Tool) -> list[tuple[str, Any]]:
    properties = tool.parameters.get("properties")
    if not isinstance(properties, Mapping):
        return []
    return [(str(name), schema) for name, schema in properties.items()]


def _enum(schema: Any) -> list[Any]:
    """The values an enum parameter takes, in order, each once."""
    if not isinstance(schema, Mapping):
        return []
    found: list[Any] = []
    sources = [schema] + [
        branch
        for key in ("anyOf", "oneOf")
        if isinstance(schema.get(key), list)
        for branch in schema[key]
        if isinstance(branch, Mapping)
    ]
    for source in sources:
        enum = source.get("enum")
        if isinstance(enum, list):
            for value in enum:
                if not any(json_equal(value, seen) for seen in found):
                    found.append(value)
    return found


# --- totals -------------------------------------------------------------------------


def _counts(tools: Sequence[ToolCoverage]) -> dict[str, Count]:
    parameters = [p for tool in tools for p in tool.parameters]
    enum_values = [v for p in parameters for v in p.enum]
    return {
        "tools": Count(sum(t.exercised for t in tools), len(tools)),
        "parameters": Count(sum(p.exercised for p in parameters), len(parameters)),
        "enum_values": Count(sum(v.exercised for v in enum_values), len(enum_values)),
    }


def suite_totals(files: Sequence[FileCoverage]) -> dict[str, Count]:
    """Counts over all files, a tool declared by several files counting once (by name;
    exercised when any file exercises it, with the union of their parameters)."""
    merged: dict[str, ToolCoverage] = {}
    for coverage in files:
        for tool in coverage.tools:
            seen = merged.get(tool.name)
            merged[tool.name] = tool if seen is None else _merge(seen, tool)
    return _counts(list(merged.values()))


def _merge(a: ToolCoverage, b: ToolCoverage) -> ToolCoverage:
    parameters = {p.name: p for p in a.parameters}
    for parameter in b.parameters:
        seen = parameters.get(parameter.name)
        if seen is None:
            parameters[parameter.name] = parameter
            continue
        enum = list(seen.enum)
        for value in parameter.enum:
            index = next(
                (i for i, e in enumerate(enum) if json_equal(e.value, value.value)),
                None,
            )
            if index is None:
                enum.append(value)
            elif value.exercised:
                enum[index] = value
        parameters[parameter.name] = ParameterCoverage(
            parameter.name, seen.exercised or parameter.exercised, tuple(enum)
        )
    return ToolCoverage(
        a.name,
        a.exercised or b.exercised,
        a.forbidden or b.forbidden,
        tuple(parameters.values()),
    )


def coverage_document(files: Sequence[FileCoverage]) -> dict[str, Any]:
    """The ``coverage`` entry of the JSON report."""
    return {
        "files": [coverage.to_json() for coverage in files],
        "total": {
            kind: {"exercised": count.exercised, "total": count.total}
            for kind, count in suite_totals(files).items()
        },
    }


# --- text ---------------------------------------------------------------------------


def render_coverage(files: Sequence[FileCoverage]) -> list[str]:
    """The terminal section's lines: per file, its counts and what is untested (of a
    tool no case names, its parameters are only counted: "2 more in untested tools");
    with several files, a total line."""
    if not files:
        return ["no fncall cases selected"]
    lines: list[str] = []
    for coverage in files:
        cases = f"{coverage.cases} case{'' if coverage.cases == 1 else 's'}"
        lines.append(f"{coverage.file} ({cases})")
        counts = coverage.counts
        untested_tools = [
            tool.name + (" (forbidden only)" if tool.forbidden else "")
            for tool in coverage.tools
            if not tool.exercised
        ]
        lines.append(f"  tools: {counts['tools']}{_untested(untested_tools, 0)}")
        listed: list[str] = []
        hidden = 0
        listed_values: list[str] = []
        hidden_values = 0
        for tool in coverage.tools:
            for parameter in tool.parameters:
                values = [
                    f"{tool.name}.{parameter.name}={value.shown()}"
                    for value in parameter.enum
                    if not value.exercised
                ]
                if not tool.exercised:
                    hidden += not parameter.exercised
                    hidden_values += len(values)
                    continue
                if not parameter.exercised:
                    listed.append(f"{tool.name}.{parameter.name}")
                listed_values += values
        if counts["parameters"].total:
            lines.append(
                f"  parameters: {counts['parameters']}{_untested(listed, hidden)}"
            )
        if counts["enum_values"].total:
            lines.append(
                f"  enum values: {counts['enum_values']}"
                f"{_untested(listed_values, hidden_values)}"
            )
    if len(files) > 1:
        totals = suite_totals(files)
        selected = sum(coverage.cases for coverage in files)
        lines.append(
            f"total ({len(files)} files, {selected} cases): tools {totals['tools']}, "
            f"parameters {totals['parameters']}, enum values {totals['enum_values']}"
        )
    return lines


def _untested(names: Sequence[str], hidden: int) -> str:
    """`` (untested: a, b; 2 more in untested tools)``; "" when nothing is untested."""
    if not names and not hidden:
        return ""
    text = ", ".join(names)
    if hidden:
        more = f"{hidden} more" if names else str(hidden)
        text += f"{'; ' if names else ''}{more} in untested tools"
    return f" (untested: {text})"
