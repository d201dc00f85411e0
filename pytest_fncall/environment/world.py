"""One trial's simulated tools: the behaviour chain, the counters, the state.

Each call goes down the chain faults → environment binding → mocks, and the first
link that claims it answers. Before that, a call to an undeclared tool or with
arguments that did not parse gets an error result; after it, a tool nobody claims
does too. Everything a spec or a model can cause ends as a result, never as an
exception.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..results import ToolCall, ToolResult, render_call, render_value
from .base import CallContext, error_result, json_like, raised
from .faults import CompiledFault
from .mocks import MockTool
from .python_env import PythonEnvironment
from .store import Binding, Store
from .templates import Template


@dataclass(frozen=True)
class Parts:
    """Everything :func:`~pytest_fncall.environment.compile_simulation` built; shared,
    read-only, by every world of the case."""

    declared: frozenset[str]
    faults: tuple[CompiledFault, ...] = ()
    mocks: Mapping[str, MockTool] | None = None
    on_unmatched: str = "error"
    unmatched_message: Template | None = None
    bindings: Mapping[str, Binding] | None = None
    store: Store | None = None
    """The initial store, ``setup`` applied; None without a store."""
    first_seq: int = 0
    """Calls ``setup`` made: the trial's calls number on from there."""
    python: PythonEnvironment | None = None


class World:
    """One trial's simulated tools; used from one task at a time."""

    def __init__(self, parts: Parts) -> None:
        self._parts = parts
        self._store = copy.deepcopy(parts.store)
        self._instance = parts.python.create() if parts.python is not None else None
        self._attempts: dict[str, int] = {}
        self._seq = parts.first_seq
        self._unmatched: str | None = None

    @property
    def unmatched(self) -> str | None:
        """Why the trial must end (a call hit ``on_unmatched: fail``), else None."""
        return self._unmatched

    def state(self) -> object:
        """A JSON-like copy of the current state; None without an environment."""
        if self._store is not None:
            return json_like(self._store)
        if self._parts.python is not None:
            return self._parts.python.state(self._instance)
        return None

    def execute(self, call: ToolCall) -> ToolResult:
        self._seq += 1
        attempt = self._attempts[call.name] = self._attempts.get(call.name, 0) + 1
        if call.name not in self._parts.declared:
            return error_result(f"unknown tool '{call.name}'")
        if call.arguments is None:
            return error_result(
                f"the arguments of '{call.name}' are not valid JSON "
                f"({call.parse_error}); the tool did not run"
            )
        context = CallContext(call.name, call.arguments, attempt, self._seq)
        fault = next(
            (
                f
                for f in self._parts.faults
                if f.claims(call.name, call.arguments, attempt)
            ),
            None,
        )
        if fault is None:
            return self._run(call, context, live=True)
        real = None
        if fault.spec.apply_effect:
            real = self._run(call, context, live=True)
        elif fault.needs_result:
            real = self._run(call, context, live=False)
        return fault.answer(context, real)

    def _run(self, call: ToolCall, context: CallContext, *, live: bool) -> ToolResult:
        """The tool's real behaviour; ``live=False`` works on a scratch copy of the
        state (a fault needs the result but the call must change nothing)."""
        parts, name = self._parts, call.name
        if parts.python is not None and name in parts.python.tools:
            instance = self._instance
            if not live:
                try:
                    instance = copy.deepcopy(instance)
                except Exception as exc:
                    return error_result(
                        f"the environment cannot be copied: {raised(exc)}"
                    )
            return parts.python.call(instance, context)
        if parts.bindings and name in parts.bindings:
            assert self._store is not None
            store = self._store if live else copy.deepcopy(self._store)
            return parts.bindings[name].run(store, context)
        mock = parts.mocks.get(name) if parts.mocks else None
        if mock is None:
            return error_result(f"no simulated behaviour for tool '{name}'")
        result = mock.answer(context, self.state)
        return result if result is not None else self._no_rule(call, context, live)

    def _no_rule(self, call: ToolCall, context: CallContext, live: bool) -> ToolResult:
        parts = self._parts
        if live and parts.on_unmatched == "fail":
            self._unmatched = (
                f"{render_call(call)} matches no mock rule of '{call.name}' "
                "(on_unmatched: fail)"
            )
        if parts.unmatched_message is not None:
            text: Any = parts.unmatched_message.render(context.template_values())
            return error_result(text if isinstance(text, str) else str(text))
        return error_result(
            f"no mock rule of '{call.name}' matches the arguments "
            f"{render_value(call.arguments, 200)}"
        )
