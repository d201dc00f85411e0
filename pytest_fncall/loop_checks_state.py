"""``expect.state``: the simulated environment's final state, checked path by path.

The state is a mapping of collections to records by id. ``match`` is a deep subset
(listed collections, records and fields must exist and match), ``equals`` is exact for
the listed collections, ``unchanged`` compares collections with the initial state.
Matchers are allowed at any level. Every difference is one :class:`Mismatch` at a path
like ``orders["#W1"].status``; the caller bounds how many it lists.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from .loop_checks_base import KeyPath, LoopCheckError, compile_matcher
from .matcher_core import Compiled, is_op
from .matcher_values import clip, is_array, json_equal, render
from .matchers import MISSING, Matcher, Mismatch
from .spec_checks import StateCheck

_IDENTIFIER: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MAX_DEPTH: Final = 64  # deeper than this, values are compared whole


def _deleted(value: object, path: str) -> list[Mismatch]:
    if value is MISSING:
        return []
    shown = render(value)
    return [Mismatch(path, f"expected the record to be deleted, it exists: {shown}")]


_DELETED: Final = Compiled("deleted", _deleted, accepts_missing=True)


def path_join(path: str, key: object, record_level: bool) -> str:
    """``orders`` + ``#W1`` -> ``orders["#W1"]``: record ids always in brackets, field
    names after a dot when they are identifiers."""
    if not record_level and isinstance(key, str) and _IDENTIFIER.fullmatch(key):
        return f"{path}.{key}" if path else key
    shown = json.dumps(key, ensure_ascii=False) if isinstance(key, str) else repr(key)
    return f"{path}[{shown}]"


def _lookup(mapping: Mapping[Any, Any], key: object) -> Any:
    """``mapping[key]``; an integer key (``1001:`` in YAML) also finds ``"1001"``."""
    if key in mapping:
        return mapping[key]
    if isinstance(key, int) and str(key) in mapping:
        return mapping[str(key)]
    return MISSING


@dataclass(frozen=True)
class Fields:
    """A mapping in the spec without ``$`` keys: each listed key checked in turn; with
    ``exact``, keys it does not list are differences too."""

    fields: Mapping[Any, Node]
    exact: bool
    length: Matcher | None = None
    """``$len`` beside the listed keys: the number of records (or keys)."""

    def describe(self) -> str:
        parts = [self.length.describe()] if self.length else []
        parts += [f"{render(k)}: {node.describe()}" for k, node in self.fields.items()]
        if not self.exact:
            parts.append("...")
        return "{" + ", ".join(parts) + "}"

    def has(self, key: object) -> bool:
        return key in self.fields or (
            isinstance(key, str) and key.isdigit() and int(key) in self.fields
        )


Node = Fields | Matcher


def compile_node(raw: object, location: KeyPath, exact: bool, depth: int) -> Node:
    """``depth`` 0 is a collection, 1 a record, deeper its fields."""
    length = None
    if isinstance(raw, Mapping) and "$len" in raw and len(raw) > 1:
        if not any(is_op(key) for key in raw if key != "$len"):
            # {$len: 2, u1: {...}}: the count and some records
            length = compile_matcher({"$len": raw["$len"]}, location)
            raw = {key: value for key, value in raw.items() if key != "$len"}
    if isinstance(raw, Mapping) and not any(is_op(key) for key in raw):
        fields: dict[Any, Node] = {}
        for key, value in raw.items():
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                message = f"keys must be strings (or record ids), got {key!r}"
                raise LoopCheckError((*location, str(key)), message)
            fields[key] = compile_node(value, (*location, key), exact, depth + 1)
        return Fields(fields, exact, length)
    if depth == 1 and (raw == "$absent" or raw == {"$absent": True}):
        return _DELETED
    return compile_matcher(raw, location)


def node_mismatches(
    node: Node, value: Any, path: str, depth: int
) -> Iterator[Mismatch]:
    if not isinstance(node, Fields):
        yield from node.mismatches(value, path)
        return
    if value is MISSING:
        what = "no record with this id" if depth == 1 else "missing"
        yield Mismatch(path, f"{what} (expected {clip(node.describe())})")
        return
    if not isinstance(value, Mapping):
        yield Mismatch(path, f"expected an object, got {render(value)}")
        return
    if node.length is not None:
        yield from node.length.mismatches(value, path)
    for key, child in node.fields.items():
        child_path = path_join(path, key, record_level=depth == 0)
        yield from node_mismatches(child, _lookup(value, key), child_path, depth + 1)
    if node.exact:
        for key, item in value.items():
            if not node.has(key):
                what = "unexpected record" if depth == 0 else "unexpected key"
                at = path_join(path, key, record_level=depth == 0)
                yield Mismatch(at, f"{what} (value {render(item)})")


def changes(before: Any, after: Any, path: str, depth: int) -> Iterator[Mismatch]:
    """How ``after`` differs from ``before``, path by path."""
    record_level = depth == 0
    if (
        depth < _MAX_DEPTH
        and isinstance(before, Mapping)
        and isinstance(after, Mapping)
    ):
        what = "record" if record_level else "key"
        for key, item in before.items():
            at = path_join(path, key, record_level)
            if key not in after:
                yield Mismatch(at, f"{what} removed (was {render(item)})")
            else:
                yield from changes(item, after[key], at, depth + 1)
        for key, item in after.items():
            if key not in before:
                at = path_join(path, key, record_level)
                yield Mismatch(at, f"{what} added: {render(item)}")
        return
    same_length = is_array(before) and is_array(after) and len(before) == len(after)
    if depth < _MAX_DEPTH and same_length:
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            yield from changes(old, new, f"{path}[{index}]", depth + 1)
        return
    try:
        same = json_equal(before, after)
    except RecursionError:
        same = False
    if not same:
        yield Mismatch(path, f"changed from {render(before)} to {render(after)}")


@dataclass(frozen=True)
class StateChecks:
    match: Mapping[str, Node]
    equals: Mapping[str, Node]
    unchanged: tuple[str, ...] | None  # None: all collections

    def describe(self) -> list[str]:
        lines = [
            f"state.{key} {name}: {clip(node.describe(), 100)}"
            for key, nodes in (("match", self.match), ("equals", self.equals))
            for name, node in nodes.items()
        ]
        if self.unchanged is None:
            lines.append("state unchanged: all collections")
        elif self.unchanged:
            lines.append(f"state unchanged: {', '.join(self.unchanged)}")
        return lines

    def mismatches(self, initial: Any, final: Any) -> Iterator[tuple[str, Mismatch]]:
        """(the check's key, one difference) for every difference."""
        if not isinstance(final, Mapping):
            yield "", Mismatch("state", _not_collections(final))
            return
        for key, nodes in (("match", self.match), ("equals", self.equals)):
            for name, node in nodes.items():
                path = path_join("", name, record_level=False)
                if name not in final and isinstance(node, Fields):
                    message = f"no such collection in the final state ({_names(final)})"
                    yield key, Mismatch(path, message)
                    continue
                value = final.get(name, MISSING)
                for mismatch in node_mismatches(node, value, path, 0):
                    yield key, mismatch
        if self.unchanged is not None and not self.unchanged:
            return
        if not isinstance(initial, Mapping):
            yield "unchanged", Mismatch("state", _not_collections(initial, "initial"))
            return
        names = self.unchanged or tuple(dict.fromkeys([*initial, *final]))
        for name in names:
            path = path_join("", name, record_level=False)
            if name not in initial and name not in final:
                message = f"no such collection ({_names(initial)})"
                yield "unchanged", Mismatch(path, message)
            elif name not in final:
                yield "unchanged", Mismatch(path, "collection removed")
            elif name not in initial:
                yield "unchanged", Mismatch(path, "collection added")
            else:
                for mismatch in changes(initial[name], final[name], path, 0):
                    yield "unchanged", mismatch


def _names(state: Mapping[Any, Any]) -> str:
    names = [str(name) for name in state]
    if not names:
        return "it has no collections"
    shown = ", ".join(names[:20]) + (", ..." if len(names) > 20 else "")
    return f"collections: {shown}"


def _not_collections(state: Any, which: str = "final") -> str:
    return (
        f"the environment's {which} state is not a mapping of collections "
        f"(got {render(state)})"
    )


def compile_state(check: StateCheck) -> StateChecks:
    nodes: dict[str, dict[str, Node]] = {"match": {}, "equals": {}}
    for key, raw in (("match", check.match), ("equals", check.equals)):
        for name, collection in (raw or {}).items():
            location: KeyPath = ("state", key, name)
            nodes[key][name] = compile_node(collection, location, key == "equals", 0)
    unchanged: tuple[str, ...] | None
    if check.unchanged == "all":
        unchanged = None
    else:
        unchanged = tuple(dict.fromkeys(check.unchanged or ()))
    return StateChecks(nodes["match"], nodes["equals"], unchanged)
