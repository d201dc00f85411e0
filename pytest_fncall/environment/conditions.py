"""Conditions on arguments and records: ``when``, ``where``, ``require``, ``args_require``.

They are argument matchers (:mod:`pytest_fncall.matchers`) with subset semantics. A
condition without templates is compiled once. One with templates
(``where: {user_id: "{{ args.user_id }}"}``) is filled in and compiled per call; every
value filled in is first made literal when it could read as a matcher (a ``$`` key or
a string starting with ``$``), so a model cannot turn its arguments into matchers, let
alone into a ``$py`` call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..matchers import ArgumentsMatcher, MatcherError, Mismatch, compile_arguments
from .base import KeyPath, SimulationError
from .templates import Template, compile_template, has_template


class ConditionError(Exception):
    """A templated condition that, filled in, is not a valid matcher."""


def compile_when(raw: Mapping[str, Any], location: KeyPath) -> ArgumentsMatcher:
    """Argument matchers of a mock rule or a fault (never templated)."""
    try:
        return compile_arguments(raw)
    except MatcherError as exc:
        raise SimulationError((*location, *exc.location), exc.message) from None


class Condition:
    """Matchers over a mapping (arguments or a record), maybe templated."""

    def __init__(
        self, raw: Mapping[str, Any], location: KeyPath, roots: Sequence[str]
    ) -> None:
        self._static: ArgumentsMatcher | None = None
        self._template: Template | None = None
        if not has_template(raw):
            self._static = compile_when(raw, location)
            return
        templated = _templated_paths(raw, ())
        for path in templated:
            if "$py" in path:
                raise SimulationError(
                    (*location, *path),
                    "the target of $py must be written out, not templated",
                )
        self._template = compile_template(raw, location, roots)
        _probe(self._template, templated, location)

    def mismatches(
        self, value: Mapping[str, Any], values: Mapping[str, Any]
    ) -> list[Mismatch]:
        """How ``value`` fails the condition, filled from ``values`` (template roots)."""
        if self._static is not None:
            return self._static.mismatches(value)
        assert self._template is not None
        try:
            matcher = compile_arguments(self._template.render(values, literal))
        except MatcherError as exc:
            raise ConditionError(exc.message) from None
        return matcher.mismatches(value)


def literal(value: Any) -> Any:
    """``value`` as a literal in a matcher: wrapped in ``$eq`` if it could read as one."""
    return {"$eq": value} if _reads_as_matcher(value) else value


def _reads_as_matcher(value: Any) -> bool:
    if isinstance(value, str):
        return value.startswith("$")
    if isinstance(value, dict):
        return any(
            str(key).startswith("$") or _reads_as_matcher(item)
            for key, item in value.items()
        )
    if isinstance(value, list):
        return any(_reads_as_matcher(item) for item in value)
    return False


def _templated_paths(raw: Any, path: KeyPath) -> list[KeyPath]:
    if isinstance(raw, str):
        return [path] if has_template(raw) else []
    if isinstance(raw, Mapping):
        items: Any = raw.items()
    elif isinstance(raw, list):
        items = enumerate(raw)
    else:
        return []
    return [
        found for key, item in items for found in _templated_paths(item, (*path, key))
    ]


def _probe(template: Template, templated: list[KeyPath], location: KeyPath) -> None:
    """Compile the condition with every path empty: a mistake away from the templated
    values (an unknown matcher, a bad option) is found at collection; what depends on
    them (``$gt: "{{ args.limit }}"`` needs a number) can only be judged per call."""
    try:
        compile_arguments(template.render({}, literal))
    except MatcherError as exc:
        depends = any(exc.location[: len(path)] == path for path in templated)
        if not depends or exc.message.startswith("unknown "):
            raise SimulationError((*location, *exc.location), exc.message) from None
