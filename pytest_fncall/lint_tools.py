"""Lint of one tool: what providers refuse, and what OpenAI's strict mode would refuse.

* tool names and parameter names that OpenAI, Anthropic or Mistral refuse, and
  descriptions longer than OpenAI accepts (errors);
* a tool without a description, a parameter whose schema says nothing of its type
  (warnings);
* what OpenAI's strict mode (``strict: true``) would refuse: an object without
  ``additionalProperties: false``, a property not listed in ``required``, a keyword
  strict mode does not support (warnings; ``strict_mode=False`` leaves them out).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

from .lint_findings import LintFinding, Severity
from .results import Tool
from .schema_keywords import ONE_SCHEMA, SCHEMA_LISTS, SCHEMA_MAPS

__all__ = ["lint_tool", "property_names"]

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
        for name in property_names(node)
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


def property_names(node: Mapping[str, Any]) -> list[str]:
    """The names under ``properties`` of one object schema (none without it)."""
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
            missing = [n for n in property_names(node) if n not in required]
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
