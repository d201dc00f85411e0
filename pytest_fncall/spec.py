"""pydantic models of the ``*.fncall.yaml`` format: the source of the shipped JSON Schema.

These models check shape only. Cross-references (tool names, pattern ids), matchers and
tool schemas are checked by :mod:`pytest_fncall.loader` once the shape is right.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .spec_base import CASE_ID_PATTERN as CASE_ID_PATTERN
from .spec_base import SpecModel
from .spec_checks import Recover, Reply, StateCheck
from .spec_perturb import Distractors, Perturb, Variant
from .spec_simulation import Environment, Fault, Mocks


class ToolSource(SpecModel):
    """One entry of ``tools``: an inline tool, ``file:`` naming a tools dump, or
    ``python:`` naming a function or a module of functions."""

    name: str | None = None
    description: str | None = None
    parameters: dict[str, Any] | None = Field(
        default=None,
        validation_alias=AliasChoices("parameters", "inputSchema", "input_schema"),
        description="JSON Schema of the arguments (aliases: inputSchema, input_schema).",
    )
    file: str | None = Field(
        default=None,
        description="JSON or YAML file: an OpenAI tools array, Anthropic tools, an MCP "
        "tools/list result, or one tool.",
    )
    python: str | None = Field(
        default=None,
        description="'package.module:function' (one tool) or 'package.module' (every "
        "public function defined in the module, in definition order); the schema comes "
        "from the type hints, the descriptions from the docstring.",
    )
    include: list[str] | None = Field(
        default=None,
        min_length=1,
        description="With 'python: package.module': keep the functions whose names "
        "match one of these globs.",
    )
    exclude: list[str] | None = Field(
        default=None,
        description="With 'python: package.module': leave out the functions whose "
        "names match one of these globs.",
    )
    only: list[str] | None = Field(
        default=None,
        min_length=1,
        description="With 'file:': keep only the tools whose names match one of these "
        "globs (each must match a tool).",
    )
    rename: dict[str, Annotated[str, Field(min_length=1)]] | None = Field(
        default=None,
        description="With 'file:' or 'python:': {old name: new name}; the old name must "
        "be one of the source's tools, the new one must not clash with another.",
    )

    @model_validator(mode="before")
    @classmethod
    def _one_schema_key(cls, data: Any) -> Any:
        if isinstance(data, dict):
            given = [
                k for k in ("parameters", "inputSchema", "input_schema") if k in data
            ]
            if len(given) > 1:
                raise PydanticCustomError(
                    "schema_aliases",
                    "give one of {given}, not several",
                    {"given": given},
                )
        return data

    @model_validator(mode="after")
    def _one_source(self) -> ToolSource:
        if self.file is not None and self.python is not None:
            raise ValueError("give one source per entry: 'file' or 'python', not both")
        inline = self.name or self.description or self.parameters is not None
        if self.file is not None and inline:
            raise ValueError(
                "a 'file:' entry takes its tools from the file; "
                "remove name/description/parameters"
            )
        if self.python is not None and inline:
            raise ValueError(
                "a 'python:' entry takes name, description and schema from the "
                "function; remove name/description/parameters (use 'rename' for "
                "another name)"
            )
        if self.file is None and self.python is None and not self.name:
            raise ValueError("a tool needs 'name' (inline), 'file' or 'python'")
        if (self.include is not None or self.exclude is not None) and (
            self.python is None
        ):
            raise ValueError(
                "'include' and 'exclude' go with 'python: package.module'"
                + (" (for 'file:' use 'only')" if self.file is not None else "")
            )
        if self.only is not None and self.file is None:
            raise ValueError(
                "'only' goes with 'file:'"
                + (" (for 'python:' use 'include')" if self.python is not None else "")
            )
        if self.rename is not None and self.file is None and self.python is None:
            raise ValueError(
                "'rename' goes with 'file:' or 'python:' (an inline tool is named by "
                "its 'name')"
            )
        return self


# Their 'from' is a ToolSource (defined above); spec_perturb cannot import it.
Distractors.model_rebuild()
Variant.model_rebuild()

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
