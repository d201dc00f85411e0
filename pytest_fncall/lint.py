"""Static checks of a loaded spec and its tools, without calling a model (``--fncall-lint``).

:func:`lint_spec` finds what would make a case fail whatever the model does, and what a
provider would refuse:

* expectations that no valid call can meet: a literal (``city: 42``) or an ``$in``
  value the tool's schema refuses, an argument the tool does not declare, ``$absent``
  on a required parameter, ``args_mode: exact`` without a required parameter (errors;
  an ``$in`` value that can never match beside others that can is a warning);
* tool names and parameter names that OpenAI, Anthropic or Mistral refuse, and
  descriptions longer than OpenAI accepts (errors);
* a tool without a description, a parameter whose schema says nothing of its type
  (warnings);
* what OpenAI's strict mode (``strict: true``) would refuse: an object without
  ``additionalProperties: false``, a property not listed in ``required``, a keyword
  strict mode does not support (warnings; ``strict_mode=False`` leaves them out).

The checks read the compiled expectations (see the ``literal``, ``candidates`` and
``inner`` facts of :class:`~pytest_fncall.matchers.Matcher`); a literal array, and
anything inside one, is not looked into.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from .expectations import CallPattern, Expectation
from .loader import CaseDefinition, LoadedSpec
from .matcher_core import MISSING, Matcher
from .matcher_general import BARE
from .matcher_values import render
from .regex_guard import regex_check
from .results import Tool
from .schema_keywords import ONE_SCHEMA, SCHEMA_LISTS, SCHEMA_MAPS
from .validation import schema_issues

__all__ = ["LintFinding", "Severity", "lint_spec", "lint_tool", "render_findings"]

Severity = Literal["error", "warning"]

TOOL_NAME: Final = re.compile(r"[a-zA-Z0-9_-]{1,64}")
"""Tool names OpenAI, Anthropic and Mistral accept (``^[a-zA-Z0-9_-]{1,64}$``)."""
PARAMETER_NAME: Final = re.compile(r"[a-zA-Z0-9_.-]{1,64}")
"""Property names Anthropic accepts in an ``input_schema``."""
MAX_DESCRIPTION: Final = 1024
"""The longest tool description OpenAI accepts, in characters."""
STRICT_UNSUPPORTED: Final = frozenset(
    {
        "allOf",
        "not",
        "oneOf",
        "if",
        "then",
        "else",
        "dependentRequired",
        "dependentSchemas",
        "patternProperties",
        "unevaluatedProperties",
        "propertyNames",
        "minProperties",
        "maxProperties",
        "minLength",
        "maxLength",
        "unevaluatedItems",
        "contains",
        "minContains",
        "maxContains",
        "uniqueItems",
    }
)
"""JSON Schema keywords outside the subset OpenAI documents for strict mode (2025)."""

# Keywords that only annotate: a schema made of these says nothing of the value.
_ANNOTATIONS: Final = frozenset(
    {
        "description",
        "title",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "$comment",
    }
)
_ABSENT: Final = BARE["$absent"]


@dataclass(frozen=True)
class LintFinding:
    """One thing lint found: where (``case_id`` None for a tool), what, how bad.

    ``key`` is a key path like the spec errors': ``cases.ID.expect.args.city``,
    ``cases.ID.expect.calls[1].parallel[0].args.unit``; a tool is named by its name,
    wherever it came from (``tools.get_weather``); a ``forbid`` pattern by its tool
    (``cases.ID.expect.forbid[send_sms].args.to``).
    """

    case_id: str | None
    key: str
    message: str
    severity: Severity


def lint_spec(loaded: LoadedSpec, *, strict_mode: bool = True) -> list[LintFinding]:
    """Every finding for the spec's tools (in order), then for its cases (in order).

    ``strict_mode``: also report what OpenAI's strict mode would refuse (warnings).
    """
    findings: list[LintFinding] = []
    for tool in loaded.tools:
        findings.extend(lint_tool(tool, strict_mode=strict_mode))
    for case in loaded.cases:
        findings.extend(_lint_case(case, loaded.tools))
    return findings


def render_findings(findings: Sequence[LintFinding]) -> str:
    """One ``severity: key: message`` line per finding, then a count."""
    if not findings:
        return "fncall lint: no problems found"
    lines = [f"{f.severity}: {f.key}: {f.message}" for f in findings]
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    counts = [
        _count(errors, "error") if errors else "",
        _count(warnings, "warning") if warnings else "",
    ]
    lines.append(f"fncall lint: {', '.join(c for c in counts if c)}")
    return "\n".join(lines)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


# --- tools --------------------------------------------------------------------------


def lint_tool(tool: Tool, *, strict_mode: bool = True) -> list[LintFinding]:
    """The findings for one tool (``case_id`` None)."""
    key = f"tools.{tool.name}"
    found: list[LintFinding] = []

    def add(where: str, message: str, severity: Severity) -> None:
        found.append(LintFinding(None, where, message, severity))

    if not TOOL_NAME.fullmatch(tool.name):
        add(key, f"the name {tool.name!r} {_name_problem(tool.name)}", "error")
    if not tool.description.strip():
        add(
            f"{key}.description",
            "no description: models choose tools by what their descriptions say",
            "warning",
        )
    elif len(tool.description) > MAX_DESCRIPTION:
        add(
            f"{key}.description",
            f"the description has {len(tool.description)} characters; OpenAI accepts "
            f"at most {MAX_DESCRIPTION}",
            "error",
        )
    schema = tool.parameters
    bad_names = [
        f"{path}.{name}" if path else name
        for path, node in _subschemas(schema, "")
        for name in _property_names(node)
        if not PARAMETER_NAME.fullmatch(name)
    ]
    if bad_names:
        add(
            f"{key}.parameters",
            f"Anthropic refuses parameter names outside [a-zA-Z0-9_.-]{{1,64}}: "
            f"{', '.join(bad_names)}",
            "error",
        )
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        for name, subschema in properties.items():
            if _says_nothing(subschema):
                add(
                    f"{key}.parameters.properties.{name}",
                    f"parameter {name!r} accepts any value: its schema has no type; "
                    "say what it takes (with python sources: add a type hint)",
                    "warning",
                )
    strict = _strict_problems(schema) if strict_mode else []
    if strict:
        message = "OpenAI strict mode (strict: true) would refuse it: "
        add(f"{key}.parameters", message + "; ".join(strict), "warning")
    return found


def _name_problem(name: str) -> str:
    if not name:
        return "is empty"
    if len(name) > 64:
        return f"has {len(name)} characters; OpenAI, Anthropic and Mistral accept 64"
    odd = sorted({c for c in name if not re.fullmatch(r"[a-zA-Z0-9_-]", c)})
    shown = " ".join(repr(c) for c in odd)
    return (
        f"has {shown}: OpenAI, Anthropic and Mistral accept only letters, digits, "
        "'_' and '-' (use 'rename' on a file or python source)"
    )


def _property_names(node: Mapping[str, Any]) -> list[str]:
    properties = node.get("properties")
    return [str(n) for n in properties] if isinstance(properties, Mapping) else []


def _says_nothing(schema: Any) -> bool:
    if schema is True:
        return True
    return isinstance(schema, Mapping) and set(schema) <= _ANNOTATIONS


def _subschemas(schema: Any, path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``schema`` and every schema inside it, with dotted paths from the root ("")."""
    if not isinstance(schema, Mapping):
        return
    yield path, schema

    def at(*parts: object) -> str:
        return ".".join(str(p) for p in (path, *parts) if p != "")

    for key, value in schema.items():
        if key in ONE_SCHEMA or (key == "items" and isinstance(value, Mapping)):
            yield from _subschemas(value, at(key))
        elif key in SCHEMA_LISTS or (key == "items" and isinstance(value, list)):
            if isinstance(value, list):
                for index, item in enumerate(value):
                    yield from _subschemas(item, f"{at(key)}[{index}]")
        elif key in SCHEMA_MAPS and isinstance(value, Mapping):
            for name, item in value.items():
                yield from _subschemas(item, at(key, name))


def _strict_problems(schema: Mapping[str, Any]) -> list[str]:
    open_objects: list[str] = []
    optional: list[str] = []
    unsupported: list[str] = []
    for path, node in _subschemas(schema, ""):
        shown = path or "(root)"
        kind = node.get("type")
        is_object = (
            kind == "object"
            or (isinstance(kind, list) and "object" in kind)
            or "properties" in node
        )
        if is_object:
            if node.get("additionalProperties") is not False:
                open_objects.append(shown)
            required = node.get("required") or []
            missing = [n for n in _property_names(node) if n not in required]
            if missing:
                optional.append(f"{shown}: {', '.join(missing)}")
        unsupported.extend(
            f"{keyword} at {shown}" for keyword in node if keyword in STRICT_UNSUPPORTED
        )
    problems = []
    if open_objects:
        problems.append(
            f"no 'additionalProperties: false' at {', '.join(open_objects)}"
        )
    if optional:
        problems.append(
            "properties missing from 'required' (strict mode wants them all, optional "
            f"ones nullable) at {'; '.join(optional)}"
        )
    if unsupported:
        problems.append(f"unsupported {', '.join(unsupported)}")
    return problems


# --- cases --------------------------------------------------------------------------


def _lint_case(case: CaseDefinition, declared: Sequence[Tool]) -> list[LintFinding]:
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
        declared = ", ".join(_property_names(schema)) or "none"
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
