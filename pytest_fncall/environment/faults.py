"""Fault injection: chosen calls of chosen tools fail, time out or answer badly.

A fault claims a call when the tool is one it names, the arguments meet its ``when``
and the call's ``attempt`` (this tool's nth call in the trial) is one of
``on_attempt``. The first fault that claims a call answers it. ``error``, ``timeout``
and ``rate_limit`` answer with error results; ``malformed``, ``empty`` and ``partial``
with non-error results that are wrong (silent corruption). Nothing real runs unless
``apply_effect: true`` (the write happened, the response was lost), except that
``partial`` and a ``malformed`` without ``payload`` are made from the real result: it
is then computed on a scratch copy of the state, which is thrown away.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from ..matchers import ArgumentsMatcher
from ..results import ToolResult
from ..spec_simulation import Fault
from .base import (
    CallContext,
    KeyPath,
    SimulationError,
    check_declared,
    error_result,
    value_result,
)
from .conditions import compile_when
from .templates import CALL_ROOTS, Template, compile_template

_GLOB = frozenset("*?[")


@dataclass(frozen=True)
class CompiledFault:
    spec: Fault
    tools: frozenset[str]
    when: ArgumentsMatcher | None
    message: Template | None

    def claims(self, tool: str, args: dict[str, Any], attempt: int) -> bool:
        if tool not in self.tools or not self._on_attempt(attempt):
            return False
        return self.when is None or not self.when.mismatches(args)

    @property
    def needs_result(self) -> bool:
        """Whether the fault's answer is made from the real result."""
        inject = self.spec.inject
        return inject == "partial" or (
            inject == "malformed" and self.spec.payload is None
        )

    def answer(self, call: CallContext, real: ToolResult | None) -> ToolResult:
        """The fault's result; ``real`` is the real one when :attr:`needs_result`."""
        spec, kind = self.spec, self.spec.inject
        if kind in ("error", "timeout", "rate_limit"):
            text = self._message(call)
            if kind == "rate_limit":
                wait = spec.retry_after_s
                text += (
                    f"; retry after {wait:g} seconds"
                    if wait is not None
                    else "; retry later"
                )
            return error_result(text, fault=kind)
        if kind == "empty":
            return ToolResult("", fault=kind)
        if kind == "malformed":
            if spec.payload is not None:
                return ToolResult(spec.payload, fault=kind)
            content = real.content if real is not None else ""
            return ToolResult(content[: len(content) // 2], fault=kind)
        assert real is not None  # partial: needs_result
        assert spec.drop is not None
        if real.value is None:
            return ToolResult(real.content, fault=kind)
        value = copy.deepcopy(real.value)
        for field in spec.drop:
            _drop(value, field.split("."))
        return value_result(value, fault=kind)

    def _on_attempt(self, attempt: int) -> bool:
        chosen = self.spec.on_attempt
        if chosen == "all":
            return True
        if chosen == "first":
            return attempt == 1
        if isinstance(chosen, int):
            return attempt == chosen
        if isinstance(chosen, list):
            return attempt in chosen
        return attempt >= int(chosen.removesuffix("+"))

    def _message(self, call: CallContext) -> str:
        if self.message is not None:
            text = self.message.render(call.template_values())
            return text if isinstance(text, str) else str(text)
        if self.spec.inject == "timeout":
            return f"the call to '{call.tool}' timed out after {self.spec.timeout_s:g}s"
        if self.spec.inject == "rate_limit":
            return f"429 Too Many Requests: rate limit exceeded for '{call.tool}'"
        return "503 Service Unavailable"


def compile_faults(
    faults: Sequence[Fault], declared: Sequence[str]
) -> list[CompiledFault]:
    compiled = []
    for index, fault in enumerate(faults):
        location: KeyPath = ("faults", index)
        tools = _tools(fault.tool, declared, (*location, "tool"))
        when = (
            None
            if fault.when is None
            else compile_when(fault.when, (*location, "when"))
        )
        message = None
        if fault.message is not None:
            message = compile_template(
                fault.message, (*location, "message"), CALL_ROOTS
            )
        compiled.append(CompiledFault(fault, tools, when, message))
    return compiled


def _tools(
    written: str | list[str], declared: Sequence[str], location: KeyPath
) -> frozenset[str]:
    patterns = [written] if isinstance(written, str) else written
    names: set[str] = set()
    for index, pattern in enumerate(patterns):
        where = location if isinstance(written, str) else (*location, index)
        if not _GLOB & set(pattern):
            check_declared(pattern, declared, where)
            names.add(pattern)
            continue
        matched = [name for name in declared if fnmatchcase(name, pattern)]
        if not matched:
            raise SimulationError(
                where,
                f"{pattern!r} matches no declared tool (declared: "
                f"{', '.join(declared) or 'none'})",
            )
        names.update(matched)
    return frozenset(names)


def _drop(value: Any, keys: list[str]) -> None:
    """Remove the field at ``keys`` (a dotted path) from ``value``, in every element
    when a list is on the way."""
    if isinstance(value, list):
        for item in value:
            _drop(item, keys)
    elif isinstance(value, dict) and keys[0] in value:
        if len(keys) == 1:
            del value[keys[0]]
        else:
            _drop(value[keys[0]], keys[1:])
