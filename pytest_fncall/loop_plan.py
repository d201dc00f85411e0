"""What a loop-mode case needs besides its expectation: simulated tools, limits, turns.

Plain data built by the loader at collection; :mod:`.loop` runs it. The simulation is
typed by the protocol it must meet, so this module imports nothing heavy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from .results import ToolCall, ToolResult

if TYPE_CHECKING:
    from .expectations import Expectation
    from .loop_checks import LoopChecks

DEFAULT_MAX_STEPS = 8


class ToolWorld(Protocol):
    """One trial's simulated tools (:class:`pytest_fncall.environment.World`)."""

    def execute(self, call: ToolCall) -> ToolResult: ...

    def state(self) -> object: ...

    @property
    def unmatched(self) -> str | None: ...


class SimulationLike(Protocol):
    """Built once per case; starts a fresh world for every trial."""

    def start(self) -> ToolWorld: ...

    @property
    def stateful(self) -> bool: ...


@dataclass(frozen=True)
class UserTurn:
    """A scripted user message (None: the model is asked again without one) and what
    that turn alone must show."""

    user: str | None
    expectation: Expectation | None = None
    checks: LoopChecks | None = None


@dataclass(frozen=True)
class LoopPlan:
    simulation: SimulationLike
    max_steps: int = DEFAULT_MAX_STEPS
    turns: tuple[UserTurn, ...] = ()
    """Empty: one turn, the case's own prompt or messages."""
