"""pydantic models of ``expect:``: the calls a case expects, and the checks beside them.

A pattern (:class:`CallPattern`) describes one call: tool name or glob, arguments,
how often. ``calls`` lists patterns and :class:`ParallelGroupSpec` groups (a bare tool
name stands for a pattern); :class:`Expect` holds them with the checks on the reply,
the final state and recovery (:mod:`.spec_checks`). Shape only: :mod:`.expectations`
compiles them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from .spec_base import CASE_ID_PATTERN, SpecModel
from .spec_checks import Recover, Reply, StateCheck

__all__ = ["CallItem", "CallPattern", "Expect", "ParallelGroupSpec", "Times"]


class Times(SpecModel):
    min: int = Field(default=0, ge=0)
    max: int | None = Field(default=None, ge=0)


class CallPattern(SpecModel):
    tool: str = Field(description="Tool name or glob.")
    args: dict[str, Any] | None = Field(
        default=None, description="Argument values or matchers ($in, $regex, ...)."
    )
    args_mode: Literal["subset", "exact"] = "subset"
    times: int | Times | None = Field(
        default=None, description="Calls this pattern takes."
    )
    optional: bool = False
    id: str | None = Field(default=None, pattern=CASE_ID_PATTERN)


class ParallelGroupSpec(SpecModel):
    parallel: list[CallPattern] = Field(min_length=1)
    exclusive: bool = False


def _call_item_kind(value: Any) -> str:
    return (
        "parallel-group"
        if isinstance(value, dict) and "parallel" in value
        else "call-pattern"
    )


CallItem = Annotated[
    Annotated[CallPattern, Tag("call-pattern")]
    | Annotated[ParallelGroupSpec, Tag("parallel-group")],
    Discriminator(_call_item_kind),
]


def _names_to_patterns(value: Any) -> Any:
    if isinstance(value, list):
        return [{"tool": item} if isinstance(item, str) else item for item in value]
    return value


class Expect(SpecModel):
    call: str | None = Field(
        default=None, description="Exactly one call, to this tool."
    )
    args: dict[str, Any] | None = None
    args_mode: Literal["subset", "exact"] | None = None
    calls: list[CallItem] | None = None
    match: Literal["strict", "unordered", "subset", "superset"] | None = None
    before: list[tuple[str, str]] | None = Field(
        default=None, description="Pairs of pattern ids: the first is called earlier."
    )
    no_call: bool | None = None
    forbid_tools: list[str] | None = None
    forbid: list[CallPattern] | None = None
    reply: Reply | None = Field(
        default=None, description="Checks on the final reply's text."
    )
    state: StateCheck | None = Field(
        default=None,
        description="Checks on the environment's final state (loop mode).",
    )
    recover: Recover | list[Recover] | None = Field(
        default=None,
        description="What the model must do after an injected fault (loop mode).",
    )
    max_identical_calls: int | None = Field(
        default=None,
        ge=1,
        description="At most this many calls with the same tool and arguments "
        "(a guard against retry storms).",
    )

    _calls_as_patterns = field_validator("calls", "forbid", mode="before")(
        _names_to_patterns
    )

    @model_validator(mode="after")
    def _consistent(self) -> Expect:
        if self.call is not None and self.calls is not None:
            raise ValueError("use 'call' (one call) or 'calls' (a list), not both")
        if (self.args is not None or self.args_mode) and self.call is None:
            raise ValueError(
                "'args' and 'args_mode' go with 'call' (in 'calls', per pattern)"
            )
        if (self.match or self.before) and self.calls is None:
            raise ValueError("'match' and 'before' go with 'calls'")
        if self.no_call and (self.call is not None or self.calls):
            raise ValueError("'no_call: true' contradicts 'call'/'calls'")
        return self
