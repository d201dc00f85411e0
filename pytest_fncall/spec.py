"""pydantic models of the ``*.fncall.yaml`` format: the source of the shipped JSON Schema.

This module holds the file (:class:`Spec`), its cases, defaults and repeat options. The
models of its parts live beside it: ``tools:`` entries in :mod:`.spec_tools` and
``expect:`` in :mod:`.spec_expect` (both importable from here too), reply and state
checks in :mod:`.spec_checks`, mocks, environments and faults in
:mod:`.spec_simulation`, ``perturb:`` in :mod:`.spec_perturb`.

These models check shape only. Cross-references (tool names, pattern ids), matchers and
tool schemas are checked by :mod:`pytest_fncall.loader` once the shape is right.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from .spec_base import CASE_ID_PATTERN as CASE_ID_PATTERN
from .spec_base import SpecModel
from .spec_expect import CallItem as CallItem
from .spec_expect import CallPattern as CallPattern
from .spec_expect import Expect as Expect
from .spec_expect import ParallelGroupSpec as ParallelGroupSpec
from .spec_expect import Times as Times
from .spec_perturb import Perturb
from .spec_simulation import Environment, Fault, Mocks
from .spec_tools import ToolSource as ToolSource

MaxSteps = Annotated[int, Field(ge=1, le=1000)]


class NamedToolChoice(SpecModel):
    name: str


ToolChoice = Literal["auto", "required", "none"] | NamedToolChoice


class PassHatK(SpecModel):
    k: int = Field(ge=1, description="Trials that must all pass, in the pass^k sense.")
    min: float = Field(ge=0, le=1, description="Lowest acceptable pass^k.")


class RepeatOptions(SpecModel):
    """Trials per case and the threshold the passing share must meet (at most one)."""

    n: int = Field(ge=1, le=1000)
    min_pass_rate: float | None = Field(default=None, ge=0, le=1)
    max_failures: int | None = Field(default=None, ge=0)
    pass_hat_k: PassHatK | None = None
    early_stop: bool = Field(
        default=False, description="Stop starting trials once the verdict is certain."
    )

    @model_validator(mode="after")
    def _one_threshold(self) -> RepeatOptions:
        given = [
            name
            for name in ("min_pass_rate", "max_failures", "pass_hat_k")
            if getattr(self, name) is not None
        ]
        if len(given) > 1:
            raise ValueError(f"give one threshold, not {' and '.join(given)}")
        if self.pass_hat_k is not None and self.pass_hat_k.k > self.n:
            raise ValueError(f"pass_hat_k.k ({self.pass_hat_k.k}) exceeds n ({self.n})")
        return self


Repeat = Annotated[int, Field(ge=1, le=1000)] | RepeatOptions


class SnapshotOptions(SpecModel):
    text: bool = Field(default=False, description="Also pin the reply's final text.")


Snapshot = bool | SnapshotOptions


class Defaults(SpecModel):
    repeat: Repeat | None = Field(default=None, description="Trials per case (pass^k).")
    snapshot: Snapshot | None = Field(
        default=None, description="Pin every case's trajectory in __snapshots__/."
    )
    system: str | None = None
    tool_choice: ToolChoice | None = None
    settings: dict[str, Any] | None = Field(
        default=None, description="Passed to the model as request parameters."
    )
    max_steps: MaxSteps | None = Field(
        default=None,
        description="Assistant messages per trial in loop mode (default 8).",
    )
    perturb: Perturb | None = Field(
        default=None,
        description="Robustness variants of every case (a case's own 'perturb' "
        "replaces them).",
    )


class ToolSelection(SpecModel):
    include: list[str] | None = Field(default=None, description="Name globs to offer.")
    exclude: list[str] | None = Field(
        default=None, description="Name globs to hold back."
    )


class Message(SpecModel):
    """A chat message in OpenAI format."""

    role: Literal["system", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    tool_call_id: str | None = None


Mark = str | dict[str, Any]


class Turn(SpecModel):
    """A scripted user turn in loop mode: a message, then the model runs its tools."""

    user: str | None = Field(
        default=None,
        description="The user's message; leave it out to ask the model again.",
    )
    expect: Expect = Field(
        default_factory=Expect,
        description="Checks on this turn's steps only.",
    )


class Case(SpecModel):
    id: str = Field(pattern=CASE_ID_PATTERN)
    description: str | None = None
    prompt: str | None = None
    messages: list[Message] | None = None
    system: str | None = None
    tool_choice: ToolChoice | None = None
    settings: dict[str, Any] | None = None
    tools: ToolSelection | None = None
    marks: list[Mark] = Field(default_factory=list)
    repeat: Repeat | None = Field(default=None, description="Trials (N or options).")
    snapshot: Snapshot | None = Field(
        default=None, description="Pin the trajectory in __snapshots__/ (syrupy)."
    )
    expect: Expect = Field(default_factory=Expect)
    mocks: Mocks | None = Field(
        default=None, description="Simulated tool results (loop mode)."
    )
    environment: Environment | None = Field(
        default=None,
        description="A stateful simulated environment (loop mode).",
    )
    faults: list[Fault] | None = Field(
        default=None, description="Faults injected into tool results (loop mode)."
    )
    turns: list[Turn] | None = Field(
        default=None,
        min_length=1,
        description="Scripted user turns after the prompt (loop mode).",
    )
    max_steps: MaxSteps | None = Field(
        default=None,
        description="Assistant messages per trial in loop mode (default 8).",
    )
    perturb: Perturb | None = Field(
        default=None,
        description="Robustness variants: each one more item, in which the model sees "
        "renamed, reordered, undescribed or extra tools ([] runs none).",
    )

    @model_validator(mode="after")
    def _one_input(self) -> Case:
        if (self.prompt is None) == (self.messages is None):
            raise ValueError("a case needs exactly one of 'prompt' or 'messages'")
        return self


class Spec(SpecModel):
    """A ``*.fncall.yaml`` file."""

    version: Literal[1]
    tools: list[ToolSource] = Field(default_factory=list)
    defaults: Defaults = Field(default_factory=Defaults)
    mocks: Mocks | None = Field(
        default=None,
        description="Simulated tool results for every case (a case's own replace them).",
    )
    environment: Environment | None = Field(
        default=None,
        description="A stateful simulated environment for every case (loop mode).",
    )
    faults: list[Fault] | None = Field(
        default=None, description="Faults injected in every case (loop mode)."
    )
    cases: list[Case] = Field(min_length=1)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the spec format (shipped as ``schema/fncall.schema.json``)."""
    schema = Spec.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "pytest-fncall spec (*.fncall.yaml)"
    return schema
