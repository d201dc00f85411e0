"""Reversible tool-name maps for providers that restrict names (``math.factorial``)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

OPENAI_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_FORBIDDEN = re.compile(r"[^a-zA-Z0-9_-]")


class ToolNames:
    """Maps spec names to names a provider accepts and back.

    A name that already fits is kept; others get forbidden characters replaced by ``_``,
    and a short hash when that would collide or run past the length limit.
    """

    def __init__(self, names: Iterable[str], limit: int = 64) -> None:
        self._out: dict[str, str] = {}
        self._in: dict[str, str] = {}
        self._limit = limit
        names = list(names)
        for name in names:  # names that already fit keep their spelling
            if OPENAI_NAME.match(name) and len(name) <= limit:
                self._add(name, name)
        for name in names:
            if name not in self._out:
                self._add(name, self._sanitise(name))

    def outgoing(self, name: str) -> str:
        if name not in self._out:
            self._add(name, self._sanitise(name))
        return self._out[name]

    def incoming(self, name: str) -> str:
        """The spec name for a name the model used (unknown names pass through)."""
        return self._in.get(name, name)

    def _add(self, name: str, wire: str) -> None:
        self._out[name] = wire
        self._in[wire] = name

    def _sanitise(self, name: str) -> str:
        candidate = _FORBIDDEN.sub("_", name)[: self._limit] or "tool"
        if candidate in self._in:
            digest = hashlib.sha256(name.encode()).hexdigest()[:8]
            candidate = f"{candidate[: self._limit - 9]}_{digest}"
        return candidate
