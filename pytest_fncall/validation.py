"""JSON Schema checks of tool schemas and call arguments (the only importer of jsonschema).

A tool schema is checked once, at collection (:func:`schema_problem`): it must be valid
under its dialect, every ``$ref`` must resolve inside the schema (remote and file
references are never fetched), no chain of ``$ref``/``allOf``/``not``... may loop back
to itself without reaching into the value (jsonschema would recurse forever), and its
``pattern`` regexes must pass :func:`~pytest_fncall.regex_guard.regex_problem`.
Arguments are then checked with ``pattern`` bounded like ``$search``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import jsonschema
import referencing
import referencing.exceptions
import referencing.jsonschema
from jsonschema.exceptions import SchemaError, ValidationError
from jsonschema.protocols import Validator
from jsonschema_specifications import (  # type: ignore[import-untyped]
    REGISTRY as _KNOWN_SCHEMAS,
)

from .matcher_values import clip
from .regex_guard import regex_check, regex_problem
from .results import Failure, ToolCall, render_call

if TYPE_CHECKING:
    from referencing._core import Resolver

_SPECIFICATIONS: referencing.Registry[Any] = _KNOWN_SCHEMAS  # the meta-schemas only
# Keywords that apply a subschema to the same value: a loop through them never ends.
_IN_PLACE_LISTS = ("allOf", "anyOf", "oneOf")
_IN_PLACE_ONE = ("not", "if", "then", "else")
_IN_PLACE_MAPS = ("dependentSchemas", "dependencies")
_REFERENCES = ("$ref", "$dynamicRef", "$recursiveRef")


@dataclass(frozen=True)
class SchemaIssue:
    """One way a value breaks a schema: where (``$.unit``), what, and which schema keyword."""

    json_path: str
    message: str
    validator: str
    schema_path: str


def arguments_schema_problem(schema: Any) -> str | None:
    """Why ``schema`` cannot be a tool's arguments schema: not a usable JSON Schema, or
    not of type ``object``; None when it can."""
    problem = schema_problem(schema)
    if problem is None and isinstance(schema, dict):
        if schema.get("type", "object") != "object":
            problem = "the arguments schema must have type 'object'"
    return problem


def schema_problem(schema: Any) -> str | None:
    """Why ``schema`` is not a usable JSON Schema (under its own ``$schema`` dialect),
    or None."""
    if not isinstance(schema, (dict, bool)):
        return (
            f"a JSON Schema must be an object or a boolean, got {type(schema).__name__}"
        )
    cls = jsonschema.validators.validator_for(
        schema, default=jsonschema.Draft202012Validator
    )
    try:
        cls.check_schema(schema)  # type: ignore[arg-type]  # booleans are schemas too
        return _structure_problem(schema)
    except SchemaError as exc:
        where = "/".join(str(part) for part in exc.absolute_path)
        return f"invalid JSON Schema{' at ' + where if where else ''}: {exc.message}"
    except RecursionError:
        return "invalid JSON Schema: nested too deeply"


def schema_issues(value: Any, schema: Mapping[str, Any] | bool) -> list[SchemaIssue]:
    """Every way ``value`` breaks ``schema``, in a stable order."""
    validator = _validator(_freeze(schema))
    try:
        errors = list(validator.iter_errors(value))
    except RecursionError:
        return [SchemaIssue("$", "nested too deeply to check", "depth", "")]
    except referencing.exceptions.Unresolvable as exc:  # refused at collection
        return [SchemaIssue("$", f"the schema cannot be used: {exc}", "$ref", "")]
    issues = [
        SchemaIssue(
            json_path=error.json_path,
            message=error.message,
            validator=str(error.validator),
            schema_path="/".join(str(part) for part in error.absolute_schema_path),
        )
        for error in errors
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
    patterns = list(schema.get("patternProperties", {}) or {})
    return [
        key
        for key in arguments
        if key not in properties
        and not any(regex_check(p, key, search=True) is True for p in patterns)
    ]


# --- schema structure ---------------------------------------------------------------


def _structure_problem(schema: dict[str, Any] | bool) -> str | None:
    """A ``$ref`` that does not resolve, a loop of in-place subschemas, or a ``pattern``
    that cannot be bounded: the first found, or None."""
    dialect = schema.get("$schema") if isinstance(schema, dict) else None
    specification = referencing.jsonschema.specification_with(
        dialect if isinstance(dialect, str) else "",
        default=referencing.jsonschema.DRAFT202012,
    )
    root = specification.create_resource(schema)
    resolver = _SPECIFICATIONS.resolver_with_root(root)
    pointers = _pointers(schema)
    # Every subschema, with the resolver of its scope (its base URI).
    nodes: list[tuple[referencing.Resource[Any], Resolver[Any]]] = []
    stack = [(root, resolver)]
    while stack:
        resource, scope = stack.pop()
        nodes.append((resource, scope))
        subresources = [
            (sub, scope.in_subresource(sub)) for sub in resource.subresources()
        ]
        stack.extend(reversed(subresources))  # in document order
    for resource, scope in nodes:
        contents = resource.contents
        if not isinstance(contents, dict):
            continue
        where = pointers.get(id(contents), "#")
        for keyword in _REFERENCES:
            ref = contents.get(keyword)
            if isinstance(ref, str):
                try:
                    scope.lookup(ref)
                except referencing.exceptions.Unresolvable:
                    return f"cannot resolve {keyword} {ref!r} at {where}: " + (
                        "no such place in this schema"
                        if ref.startswith("#")
                        else "remote and file references are not fetched; put the "
                        "schema under $defs and refer to it as '#/$defs/<name>'"
                    )
        for pattern in _patterns(contents):
            problem = regex_problem(pattern)
            if problem:
                return f"pattern {pattern!r} at {where}: {problem}"
    return _loop_problem(nodes, specification, pointers)


def _patterns(contents: dict[str, Any]) -> Iterator[str]:
    if isinstance(contents.get("pattern"), str):
        yield contents["pattern"]
    if isinstance(contents.get("patternProperties"), dict):
        yield from contents["patternProperties"]


def _loop_problem(
    nodes: list[tuple[referencing.Resource[Any], Resolver[Any]]],
    specification: referencing.Specification[Any],
    pointers: dict[int, str],
) -> str | None:
    """A cycle of subschemas applied to the same value (``$ref``, ``allOf``...)."""
    done: set[int] = set()
    for start, scope in nodes:
        path: list[int] = []
        on_path: set[int] = set()
        stack = [(start.contents, _in_place(start.contents, scope, specification))]
        path.append(id(start.contents))
        on_path.add(id(start.contents))
        while stack:
            _, successors = stack[-1]
            step = next(successors, None)
            if step is None:
                stack.pop()
                finished = path.pop()
                on_path.discard(finished)
                done.add(finished)
                continue
            contents, sub_scope = step
            if id(contents) in on_path:
                loop = [*path[path.index(id(contents)) :], id(contents)]
                shown = " -> ".join(pointers.get(node, "(external)") for node in loop)
                return (
                    f"the schema loops without reaching into the value: {shown} "
                    "(a $ref chain or allOf/anyOf/oneOf/not/if that leads back to "
                    "itself)"
                )
            if id(contents) not in done:
                stack.append((contents, _in_place(contents, sub_scope, specification)))
                path.append(id(contents))
                on_path.add(id(contents))
    return None


def _in_place(
    contents: Any,
    scope: Resolver[Any],
    specification: referencing.Specification[Any],
) -> Iterator[tuple[Any, Resolver[Any]]]:
    """The subschemas ``contents`` applies to the value it is given."""
    if not isinstance(contents, dict):
        return
    subschemas: list[Any] = []
    for keyword in _IN_PLACE_LISTS:
        if isinstance(contents.get(keyword), list):
            subschemas += contents[keyword]
    subschemas += [contents[k] for k in _IN_PLACE_ONE if k in contents]
    for keyword in _IN_PLACE_MAPS:
        if isinstance(contents.get(keyword), dict):
            subschemas += contents[keyword].values()
    for sub in subschemas:
        if isinstance(sub, (dict, bool)):
            resource = specification.create_resource(sub)
            yield sub, scope.in_subresource(resource)
    for keyword in _REFERENCES:
        ref = contents.get(keyword)
        if isinstance(ref, str):
            try:
                resolved = scope.lookup(ref)
            except referencing.exceptions.Unresolvable:
                continue  # reported by the walk over subschemas
            yield resolved.contents, resolved.resolver


def _pointers(schema: Any) -> dict[int, str]:
    """The JSON pointer (``#/$defs/a``) of every mapping in ``schema``, by identity."""
    found: dict[int, str] = {}
    stack: list[tuple[Any, str]] = [(schema, "#")]
    while stack:
        value, pointer = stack.pop()
        if isinstance(value, dict):
            found.setdefault(id(value), pointer)
            children = value.items()
        elif isinstance(value, list):
            children = enumerate(value)  # type: ignore[assignment]
        else:
            continue
        for key, child in children:
            part = str(key).replace("~", "~0").replace("/", "~1")
            stack.append((child, f"{pointer}/{part}"))
    return found


# --- validators ---------------------------------------------------------------------


def _bounded_pattern(
    validator: Validator, pattern: str, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    """The ``pattern`` keyword, with the bounds of ``$search``."""
    if not isinstance(pattern, str) or not validator.is_type(instance, "string"):
        return
    result = regex_check(pattern, instance, search=True)
    if result is False:
        yield ValidationError(f"{clip(repr(instance))} does not match {pattern!r}")
    elif isinstance(result, str):
        yield ValidationError(f"{clip(repr(instance))}: {result}")


@lru_cache(maxsize=16)
def _bounded(cls: type[Validator]) -> type[Validator]:
    extended: type[Validator] = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
        cls, {"pattern": _bounded_pattern}
    )
    return extended


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
    # An empty registry: jsonschema adds the meta-schemas and never fetches anything.
    validator: Validator = _bounded(cls)(
        frozen.schema,
        registry=referencing.Registry(),
        format_checker=cls.FORMAT_CHECKER,
    )
    return validator


__all__ = [
    "SchemaIssue",
    "ValidationError",
    "argument_failures",
    "schema_issues",
    "schema_problem",
]
