"""Lint of a case's expectations: what no valid call to the offered tools can meet.

A literal (``city: 42``) or an ``$in`` value the tool's schema refuses, an argument the
tool does not declare, ``$absent`` on a required parameter, ``args_mode: exact``
without a required parameter (errors; an ``$in`` value that can never match beside
others that can is a warning). A ``forbid`` pattern that can never match is harmless:
its errors are warnings.

The checks read the compiled expectations (see the ``literal``, ``candidates`` and
``inner`` facts of :class:`~pytest_fncall.matchers.Matcher`); a literal array, and
anything inside one, is not looked into.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

from .expectations import CallPattern, Expectation
from .lint_findings import LintFinding, Severity
from .lint_tools import property_names
from .loader import CaseDefinition
from .matcher_core import MISSING, Matcher
from .matcher_general import BARE
from .matcher_values import render
from .regex_guard import regex_check
from .results import Tool
from .validation import schema_issues

__all__ = ["lint_case"]

_ABSENT: Final = BARE["$absent"]


def lint_case(case: CaseDefinition, declared: Sequence[Tool]) -> list[LintFinding]:
    """The findings for one case's expectations; ``declared``: every tool of the spec
    (a ``forbid`` pattern is checked against those, the others against the case's)."""
    found: list[LintFinding] = []
    prefix = f"cases.{case.id}.expect"
    for pattern, where, forbidden in _located_patterns(case.expectation):
        candidates = [
            tool
            for tool in (declared if forbidden else case.tools)
            if pattern.tool_matches(tool.name)
        ]
        if not candidates:
            continue
        for key, severity, message in _pattern_problems(pattern, candidates):
            what = f"a forbidden call to {pattern.tool}: " if forbidden else ""
            if forbidden and severity == "error":
                severity = "warning"  # a forbid that cannot match is harmless
                message = f"{message} (this forbid pattern can never match)"
            found.append(
                LintFinding(case.id, f"{prefix}.{where}{key}", what + message, severity)
            )
    return found


def _located_patterns(
    expectation: Expectation,
) -> Iterator[tuple[CallPattern, str, bool]]:
    """Each pattern with its key inside ``expect`` (ending with ``.`` for what follows)
    and whether it is forbidden."""
    if expectation.single_call:
        yield expectation.patterns[0], "", False
    else:
        item = -1
        member = 0
        group: int | None = None
        for pattern in expectation.patterns:
            if pattern.group is None:
                item += 1
                group = None
                yield pattern, f"calls[{item}].", False
                continue
            if pattern.group != group:
                item, member, group = item + 1, 0, pattern.group
            else:
                member += 1
            yield pattern, f"calls[{item}].parallel[{member}].", False
    for pattern in expectation.forbid:
        yield pattern, f"forbid[{pattern.tool}].", True


def _pattern_problems(
    pattern: CallPattern, tools: Sequence[Tool]
) -> Iterator[tuple[str, Severity, str]]:
    """``(key, severity, message)``: per argument, what no call to any of ``tools``
    can meet; with several tools (a glob), only errors that hold for every one."""
    if pattern.arguments is None:
        return
    for key, matcher in pattern.arguments.matchers.items():
        per_tool = [(tool, _argument_problems(tool, key, matcher)) for tool in tools]
        if len(tools) == 1:
            for severity, message in per_tool[0][1]:
                yield f"args.{key}", severity, message
        elif all(any(s == "error" for s, _ in problems) for _, problems in per_tool):
            joined = "; ".join(
                f"{tool.name}: {message}"
                for tool, problems in per_tool
                for severity, message in problems
                if severity == "error"
            )
            yield (
                f"args.{key}",
                "error",
                f"no tool matching {pattern.tool!r} fits: {joined}",
            )
    if pattern.exact and len(tools) == 1:
        required = tools[0].parameters.get("required") or []
        unlisted = [n for n in required if n not in pattern.arguments.matchers]
        if unlisted:
            yield (
                "args_mode",
                "error",
                f"args_mode: exact leaves out {', '.join(map(repr, unlisted))}, which "
                f"{tools[0].name} requires: no valid call can match",
            )


def _argument_problems(
    tool: Tool, key: str, matcher: Matcher
) -> list[tuple[Severity, str]]:
    schema = tool.parameters
    if not _declares(schema, key):
        if matcher is _ABSENT:
            return []
        declared = ", ".join(property_names(schema)) or "none"
        if matcher.accepts_missing:
            return [
                (
                    "warning",
                    f"{key!r} is not a parameter of {tool.name} (parameters: "
                    f"{declared}): a valid call never has it",
                )
            ]
        return [
            (
                "error",
                f"{key!r} is not a parameter of {tool.name} (parameters: {declared}): "
                "a call passing it fails as unexpected_param",
            )
        ]
    if matcher is _ABSENT and key in (schema.get("required") or []):
        return [
            (
                "error",
                f"{key!r} is required by {tool.name}: a valid call always has it, so "
                "$absent can never match",
            )
        ]
    inner = matcher.inner or matcher
    if inner.literal is not MISSING:
        problem = _value_problem(schema, key, inner.literal)
        if problem:
            return [
                (
                    "error",
                    f"{render(inner.literal)} can never match: the schema of "
                    f"{tool.name} refuses it ({problem})",
                )
            ]
    if inner.candidates is not None:
        refused = [
            (value, problem)
            for value in inner.candidates
            if (problem := _value_problem(schema, key, value))
        ]
        details = "; ".join(f"{render(value)}: {problem}" for value, problem in refused)
        if refused and len(refused) == len(inner.candidates):
            return [
                (
                    "error",
                    f"no $in value fits the schema of {tool.name}, so none can match "
                    f"({details})",
                )
            ]
        if refused:
            return [
                (
                    "warning",
                    f"$in values the schema of {tool.name} refuses can never match "
                    f"({details})",
                )
            ]
    return []


def _declares(schema: Mapping[str, Any], key: str) -> bool:
    """Mirrors the implicit ``unexpected_param`` check: with ``properties``, a key must
    be one of them (or match a ``patternProperties`` regex)."""
    properties = schema.get("properties")
    if not isinstance(properties, Mapping) or key in properties:
        return True
    patterns = schema.get("patternProperties") or {}
    return any(regex_check(p, key, search=True) is True for p in patterns)


def _value_problem(schema: Mapping[str, Any], key: str, value: object) -> str | None:
    """Why the schema refuses ``value`` as argument ``key``, or None. Problems with
    the other (absent) arguments, reported at the root, are not this value's."""
    issues = [
        issue for issue in schema_issues({key: value}, schema) if issue.json_path != "$"
    ]
    if not issues:
        return None
    first = issues[0]
    inside = first.json_path.removeprefix(f"$.{key}")
    shown = f"at {inside.lstrip('.')}: " if inside and inside != first.json_path else ""
    return shown + first.message
