"""The loop-mode part of loading a case: simulated tools, turns, loop checks.

A case runs in loop mode when it, or its file, has ``mocks``, ``environment``,
``faults`` or ``turns``. A case's own ``mocks`` / ``environment`` / ``faults`` replace
the file's (key by key). Mistakes raise :class:`LoopSpecError` with the key path, either
inside the case or, for a file-level key, from the top of the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from . import spec
from .expectations import Expectation, ExpectationError, compile_expectation
from .loop_checks import LoopCheckError, LoopChecks, compile_loop_checks
from .loop_plan import DEFAULT_MAX_STEPS, LoopPlan, SimulationLike, UserTurn
from .results import Tool

KeyPath = tuple[str | int, ...]
_SIMULATION_KEYS = ("mocks", "environment", "faults")


class LoopSpecError(Exception):
    def __init__(self, location: KeyPath, message: str, *, in_file: bool = False):
        super().__init__(message)
        self.location = location
        self.message = message
        self.in_file = in_file  # the location is from the top of the file


def is_loop_case(case: spec.Case, parsed: spec.Spec) -> bool:
    return case.turns is not None or any(
        getattr(case, key) is not None or getattr(parsed, key) is not None
        for key in _SIMULATION_KEYS
    )


def case_checks(
    expect: spec.Expect, tools: Sequence[Tool], location: KeyPath = ("expect",)
) -> LoopChecks | None:
    """The ``reply`` / ``state`` / ``recover`` / ``max_identical_calls`` of ``expect``."""
    try:
        checks = compile_loop_checks(
            reply=expect.reply,
            state=expect.state,
            recover=expect.recover,
            max_identical_calls=expect.max_identical_calls,
            declared_tools=[tool.name for tool in tools],
            tool_schemas={tool.name: tool.parameters for tool in tools},
        )
    except LoopCheckError as exc:
        raise LoopSpecError((*location, *exc.location), exc.message) from None
    return None if checks.empty else checks


def loop_plan(
    case: spec.Case,
    parsed: spec.Spec,
    *,
    tools: Sequence[Tool],
    offered: Sequence[str],
    expectation: Expectation,
    spec_dir: Path,
    root: Path | None,
) -> LoopPlan | None:
    """The case's loop plan, or None for a single-mode case (which must then not use
    anything only loop mode can check)."""
    if not is_loop_case(case, parsed):
        _refuse_loop_checks(case, expectation)
        return None
    simulation = _simulation(case, parsed, tools, spec_dir, root)
    if case.expect.state is not None and not simulation.stateful:
        raise LoopSpecError(
            ("expect", "state"),
            "'state' checks the final state of an 'environment', and this case has "
            "none (mocks keep no state)",
        )
    return LoopPlan(
        simulation=simulation,
        max_steps=case.max_steps or parsed.defaults.max_steps or DEFAULT_MAX_STEPS,
        turns=tuple(
            _turn(turn, index, tools, offered)
            for index, turn in enumerate(case.turns or ())
        ),
    )


def _refuse_loop_checks(case: spec.Case, expectation: Expectation) -> None:
    expect = case.expect
    for key in ("state", "recover"):
        if getattr(expect, key) is not None:
            raise LoopSpecError(
                ("expect", key),
                f"'{key}' needs loop mode: give the case (or the file) 'mocks', an "
                "'environment' or 'faults' so that its tools answer",
            )
    if expectation.uses_dataflow:
        raise LoopSpecError(
            ("expect", "calls"),
            "$from takes values from tool results, which need loop mode: give the case "
            "(or the file) 'mocks' or an 'environment'",
        )
    if case.max_steps is not None:
        raise LoopSpecError(
            ("max_steps",),
            "'max_steps' limits loop mode, and this case has no simulated tools "
            "('mocks', 'environment', 'faults') or 'turns'",
        )


def _simulation(
    case: spec.Case,
    parsed: spec.Spec,
    tools: Sequence[Tool],
    spec_dir: Path,
    root: Path | None,
) -> SimulationLike:
    from .environment import SimulationError, compile_simulation

    chosen = {
        key: (getattr(case, key), False)
        if getattr(case, key) is not None
        else (getattr(parsed, key), True)
        for key in _SIMULATION_KEYS
    }
    try:
        return compile_simulation(
            mocks=chosen["mocks"][0],
            environment=chosen["environment"][0],
            faults=chosen["faults"][0] or (),
            tools=tools,
            spec_dir=spec_dir,
            root=root,
        )
    except SimulationError as exc:
        key = str(exc.location[0]) if exc.location else "mocks"
        in_file = chosen.get(key, (None, False))[1]
        raise LoopSpecError(exc.location, exc.message, in_file=in_file) from None


def _turn(
    turn: spec.Turn, index: int, tools: Sequence[Tool], offered: Sequence[str]
) -> UserTurn:
    where: KeyPath = ("turns", index, "expect")
    for key in ("state", "recover"):
        if getattr(turn.expect, key) is not None:
            raise LoopSpecError(
                (*where, key),
                f"'{key}' is checked once, on the whole case: move it to the case's "
                "'expect'",
            )
    try:
        declared = [tool.name for tool in tools]
        expectation = compile_expectation(turn.expect, declared, offered)
    except ExpectationError as exc:
        raise LoopSpecError((*where, *exc.location), exc.message) from None
    return UserTurn(
        user=turn.user,
        expectation=expectation if _checks_anything(expectation) else None,
        checks=case_checks(turn.expect, tools, where),
    )


def _checks_anything(expectation: Expectation) -> bool:
    return expectation.checks_calls or expectation.no_call or bool(expectation.forbid)


def loop_kinds(case: spec.Case, looped: bool) -> frozenset[str]:
    """The loop-mode marker kinds of a case: ``loop``, ``reply``, ``state``,
    ``recovery`` (items get ``fncall_<kind>``)."""
    expect = case.expect
    kinds = {
        "loop": looped,
        "reply": expect.reply is not None
        or any(turn.expect.reply is not None for turn in case.turns or ()),
        "state": expect.state is not None,
        "recovery": expect.recover is not None,
    }
    return frozenset(kind for kind, present in kinds.items() if present)
