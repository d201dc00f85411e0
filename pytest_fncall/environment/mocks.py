"""Mocks: canned, argument-conditioned, templated or sequenced results per tool.

A tool's mock is a list of rules (the first whose ``when`` matches answers; a
``default:`` rule, last, catches the rest) or a ``sequence`` of outcomes for its 1st,
2nd, ... call. An outcome is a templated ``return``, a ``return_file`` read at
collection, a templated ``error``, or ``py: pkg.mod:fn`` called as ``fn(args, ctx)``.
Mocks keep no state of their own: what they answer depends on the call only (its
arguments, ``attempt`` and ``seq``), so one compiled mock serves every trial.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..matchers import ArgumentsMatcher
from ..results import ToolResult
from ..spec_simulation import DefaultRule, MockResult, MockRule, MockSequence
from .base import (
    CallContext,
    KeyPath,
    SimulationError,
    error_result,
    import_callable,
    raised,
    read_data_file,
    value_result,
)
from .conditions import compile_when
from .templates import CALL_ROOTS, Template, compile_template, constant

StateReader = Callable[[], object]
"""The world's current state (a copy), for ``py:`` mocks; None when not stateful."""


@dataclass(frozen=True)
class Outcome:
    """One answer: a template (``error`` marks an error result) or a function."""

    template: Template | None
    error: bool = False
    function: Callable[..., Any] | None = None

    def answer(self, call: CallContext, state: StateReader) -> ToolResult:
        if self.function is not None:
            return _call_py(self.function, call, state)
        assert self.template is not None
        value = self.template.render(call.template_values())
        if self.error:
            return error_result(value if isinstance(value, str) else str(value))
        return value_result(value)


@dataclass(frozen=True)
class _Rule:
    when: ArgumentsMatcher | None
    outcome: Outcome


@dataclass(frozen=True)
class MockTool:
    """A tool's compiled mock; ``answer`` gives None when no rule matches."""

    name: str
    rules: tuple[_Rule, ...] = ()
    sequence: tuple[Outcome, ...] = ()
    then: str = "last"

    def answer(self, call: CallContext, state: StateReader) -> ToolResult | None:
        if self.sequence:
            return self._next(call, state)
        for rule in self.rules:
            if rule.when is None or not rule.when.mismatches(call.args):
                return rule.outcome.answer(call, state)
        return None

    def _next(self, call: CallContext, state: StateReader) -> ToolResult:
        count = len(self.sequence)
        index = call.attempt - 1
        if index >= count:
            if self.then == "error":
                return error_result(
                    f"no more results from '{self.name}': its mock sequence has "
                    f"{count} entr{'y' if count == 1 else 'ies'} and this is call "
                    f"{call.attempt}"
                )
            index = index % count if self.then == "cycle" else count - 1
        return self.sequence[index].answer(call, state)


def compile_mock(
    name: str,
    mock: list[MockRule | DefaultRule] | MockSequence,
    location: KeyPath,
    spec_dir: Path,
    root: Path | None,
) -> MockTool:
    if isinstance(mock, MockSequence):
        outcomes = tuple(
            compile_outcome(entry, (*location, "sequence", i), spec_dir, root)
            for i, entry in enumerate(mock.sequence)
        )
        return MockTool(name, sequence=outcomes, then=mock.then)
    rules: list[_Rule] = []
    for index, rule in enumerate(mock):
        where = (*location, index)
        if isinstance(rule, DefaultRule):
            if index != len(mock) - 1:
                raise SimulationError(
                    (*where, "default"),
                    "'default:' catches every call, so it must be the last rule "
                    f"(rules after it are never used: move it below rule {len(mock)})",
                )
            outcome = compile_outcome(rule.default, (*where, "default"), spec_dir, root)
            rules.append(_Rule(None, outcome))
            continue
        when = None if rule.when is None else compile_when(rule.when, (*where, "when"))
        rules.append(_Rule(when, compile_outcome(rule, where, spec_dir, root)))
    return MockTool(name, rules=tuple(rules))


def compile_outcome(
    result: MockResult, location: KeyPath, spec_dir: Path, root: Path | None
) -> Outcome:
    if result.py is not None:
        function = import_callable(result.py, (*location, "py"), "py")
        return Outcome(None, function=function)
    if result.return_file is not None:
        where = (*location, "return_file")
        value = read_data_file(result.return_file, spec_dir, root, where)
        return Outcome(constant(value))
    if result.error is not None:
        where = (*location, "error")
        return Outcome(compile_template(result.error, where, CALL_ROOTS), error=True)
    return Outcome(compile_template(result.return_, (*location, "return"), CALL_ROOTS))


def _call_py(
    function: Callable[..., Any], call: CallContext, state: StateReader
) -> ToolResult:
    context = {
        "tool": call.tool,
        "attempt": call.attempt,
        "seq": call.seq,
        "state": state(),
    }
    try:
        value = function(copy.deepcopy(call.args), context)
    except Exception as exc:
        return error_result(raised(exc))
    return value_result(value)
