"""JSON Schema checks of tool schemas and call arguments (the only importer of jsonschema)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jsonschema
from jsonschema.exceptions import SchemaError, ValidationError
from jsonschema.protocols import Validator

from .results import Failure, ToolCall, render_call


@dataclass(frozen=True)
class SchemaIssue:
    """One way a value breaks a schema: where (``$.unit``), what, and which schema keyword."""

    json_path: str
    message: str
    validator: str
    schema_path: str


def schema_problem(schema: Any) -> str | None:
    """Why ``schema`` is not a valid JSON Schema (under its own ``$schema`` dialect), or None."""
    if not isinstance(schema, (dict, bool)):
        return (
            f"a JSON Schema must be an object or a boolean, got {type(schema).__name__}"
        )
    cls = jsonschema.validators.validator_for(
        schema, default=jsonschema.Draft202012Validator
    )
    try:
        cls.check_schema(schema)  # type: ignore[arg-type]  # booleans are schemas too
    except SchemaError as exc:
        where = "/".join(str(part) for part in exc.absolute_path)
        return f"invalid JSON Schema{' at ' + where if where else ''}: {exc.message}"
    return None


def schema_issues(value: Any, schema: Mapping[str, Any] | bool) -> list[SchemaIssue]:
    """Every way ``value`` breaks ``schema``, in a stable order."""
    validator = _validator(_freeze(schema))
    issues = [
        SchemaIssue(
            json_path=error.json_path,
            message=error.message,
            validator=str(error.validator),
            schema_path="/".join(str(part) for part in error.absolute_schema_path),
        )
        for error in validator.iter_errors(value)
    ]
    return sorted(issues, key=lambda issue: (issue.json_path, issue.schema_path))


def argument_failures(call: ToolCall, schema: Mapping[str, Any]) -> list[Failure]:
    """The implicit checks on one call to an offered tool.

    Arguments must be a JSON object, validate against the tool's schema, carry every
    required key and no key the schema does not declare (even when the schema would
    allow additional properties), as BFCL's ``unexpected_param`` does.
    """
    shown = render_call(call)
    if call.arguments is None:
        return [
            Failure(
                "malformed_args",
                f"arguments of {call.name} are not a JSON object: {call.parse_error}",
                (f"actual:   {shown}",),
            )
        ]
    failures: list[Failure] = []
    for key in _undeclared_keys(call.arguments, schema):
        declared = ", ".join(sorted(schema.get("properties", {}))) or "(none)"
        failures.append(
            Failure(
                "unexpected_param",
                f"{call.name} was called with {key!r}, which its schema does not declare",
                (f"actual:   {shown}", f"declared: {declared}"),
            )
        )
    for issue in schema_issues(call.arguments, schema):
        top_level_extra = (
            issue.validator == "additionalProperties" and issue.json_path == "$"
        )
        if top_level_extra and failures:
            continue  # already reported key by key above
        if issue.validator == "required" and issue.json_path == "$":
            code = "missing_required"
            summary = f"{call.name}: {issue.message}"
        else:
            code = "schema_violation"
            summary = f"{call.name} argument {issue.json_path}: {issue.message}"
        failures.append(
            Failure(
                code,
                summary,
                (
                    f"actual:   {shown}",
                    f"schema:   {issue.json_path}: {issue.message} "
                    f"(#/{issue.schema_path})",
                ),
            )
        )
    return failures


def _undeclared_keys(
    arguments: Mapping[str, Any], schema: Mapping[str, Any]
) -> list[str]:
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return []
    patterns = [re.compile(p) for p in schema.get("patternProperties", {}) or {}]
    return [
        key
        for key in arguments
        if key not in properties and not any(p.search(key) for p in patterns)
    ]


class _Frozen:
    """A hashable wrapper so validators can be cached per schema."""

    __slots__ = ("key", "schema")

    def __init__(self, schema: Any) -> None:
        self.schema = schema
        self.key = repr(schema)

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Frozen) and other.key == self.key


def _freeze(schema: Any) -> _Frozen:
    return _Frozen(schema)


@lru_cache(maxsize=512)
def _validator(frozen: _Frozen) -> Validator:
    cls = jsonschema.validators.validator_for(
        frozen.schema, default=jsonschema.Draft202012Validator
    )
    validator: Validator = cls(frozen.schema, format_checker=cls.FORMAT_CHECKER)
    return validator


__all__ = [
    "SchemaIssue",
    "ValidationError",
    "argument_failures",
    "schema_issues",
    "schema_problem",
]
