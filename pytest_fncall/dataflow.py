"""``$from``: an argument must carry a value an earlier call produced (loop mode).

``{$from: search.result.flights[0].id}`` names a call pattern by its ``id``, then
``result`` (what the simulated tool answered) or ``args`` (what the model sent), then a
path. The argument passes when it equals that value for some call that matches the
pattern, in an earlier step than the call being checked. The verdict tells the matcher
which calls those are through :data:`SOURCES` while it checks one call.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .expectations import CallPattern
    from .matcher_core import Mismatch
    from .results import PlacedCall

    Mismatches = Callable[[CallPattern, PlacedCall], list[Mismatch] | None]

_REFERENCE = re.compile(
    r"(?P<id>[A-Za-z0-9_.-]+?)\.(?P<source>result|args)"
    r"(?P<path>(?:\.[^.\[\]]+|\[\d+\])*)"
)
_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")

MISSING_VALUE = object()


@dataclass(frozen=True)
class Reference:
    pattern_id: str
    source: Literal["result", "args"]
    path: tuple[str | int, ...]
    text: str

    def value_in(self, root: Any) -> Any:
        """The value at :attr:`path` in ``root``, or :data:`MISSING_VALUE`."""
        current = root
        for step in self.path:
            if isinstance(step, int) and isinstance(current, list):
                if step >= len(current):
                    return MISSING_VALUE
                current = current[step]
            elif isinstance(step, str) and isinstance(current, dict):
                if step not in current:
                    return MISSING_VALUE
                current = current[step]
            else:
                return MISSING_VALUE
        return current


def parse_reference(text: str) -> Reference:
    """Raises ValueError with what the reference should look like."""
    match = _REFERENCE.fullmatch(text)
    if match is None:
        raise ValueError(
            f"{text!r} is not a reference: write <pattern id>.result<path> or "
            "<pattern id>.args<path>, e.g. search.result.flights[0].id"
        )
    path: list[str | int] = []
    for key, index in _STEP.findall(match["path"]):
        path.append(int(index) if index else key)
    source: Literal["result", "args"] = (
        "result" if match["source"] == "result" else "args"
    )
    return Reference(match["id"], source, tuple(path), text)


@dataclass(frozen=True)
class Source:
    """One earlier call a reference can take its value from."""

    call_number: int  # 1-based, as reports count calls
    value: Any


SourceLookup = Callable[[Reference], list[Source]]

SOURCES: ContextVar[SourceLookup | None] = ContextVar("fncall_dataflow", default=None)
"""While the verdict checks one call: the earlier calls each pattern id could name."""


@contextmanager
def sources(lookup: SourceLookup) -> Iterator[None]:
    token = SOURCES.set(lookup)
    try:
        yield
    finally:
        SOURCES.reset(token)


class Dataflow:
    """Where ``$from`` finds values: the calls of earlier steps that match the named
    pattern (each match worked out once; a pattern's own ``$from`` looks further back)."""

    def __init__(
        self, patterns: Sequence[CallPattern], calls: Sequence[PlacedCall]
    ) -> None:
        self.by_id = {p.label: p for p in patterns if not p.label.startswith("#")}
        self.calls = calls
        self.matched: dict[tuple[str, int], bool] = {}

    def lookup_for(self, placed: PlacedCall, mismatches: Mismatches) -> SourceLookup:
        """Where ``$from`` looks while the verdict checks ``placed``; ``mismatches``
        decides whether an earlier call matches a pattern (the verdict's own rule)."""

        def lookup(reference: Reference) -> list[Source]:
            pattern = self.by_id.get(reference.pattern_id)
            if pattern is None:
                return []
            found = []
            for earlier in self.calls:
                if earlier.step >= placed.step:
                    break
                if self._matches(pattern, earlier, mismatches):
                    found.append(
                        Source(earlier.index + 1, _source_value(reference, earlier))
                    )
            return found

        return lookup

    def _matches(
        self, pattern: CallPattern, placed: PlacedCall, mismatches: Mismatches
    ) -> bool:
        key = (pattern.label, placed.index)
        if key not in self.matched:
            self.matched[key] = mismatches(pattern, placed) == []
        return self.matched[key]


def _source_value(reference: Reference, placed: PlacedCall) -> object:
    if reference.source == "args":
        return reference.value_in(placed.call.arguments)
    result = placed.result
    if result is None or result.is_error:
        return MISSING_VALUE
    root = result.value if result.value is not None else result.content
    return reference.value_in(root)
