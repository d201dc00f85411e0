"""pydantic models of the loop-mode keys ``mocks``, ``environment`` and ``faults``.

Like :mod:`.spec`, these check shape only: tool names, templates, matchers, files and
Python references are checked by :func:`pytest_fncall.environment.compile_simulation`,
which knows the declared tools and the spec's directory.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Discriminator, Field, Tag, model_validator
from pydantic_core import PydanticCustomError

from .spec_base import SpecModel

REFERENCE_PATTERN = r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$"
"""``package.module:attribute`` (``py:``, ``python:``)."""

_TEMPLATED = "Templated: {{ args.NAME }}, {{ attempt }}, {{ seq }}."


class MockResult(SpecModel):
    """What a simulated call answers: exactly one of return, return_file, error, py."""

    return_: Any = Field(
        default=None,
        alias="return",
        description="The result: any YAML value (a string is sent as text, anything "
        "else as JSON). " + _TEMPLATED + " A string that is exactly one {{ ... }} "
        "becomes the value itself.",
    )
    return_file: str | None = Field(
        default=None,
        description="A JSON or YAML file (relative to the spec) holding the result; "
        "read once at collection, sent as-is (not templated).",
    )
    error: str | None = Field(
        default=None,
        description="Answer with a tool execution error with this text. " + _TEMPLATED,
    )
    py: str | None = Field(
        default=None,
        pattern=REFERENCE_PATTERN,
        description="package.module:function computing the result: fn(args, ctx) with "
        "ctx {tool, attempt, seq, state}; raising gives an error result.",
    )

    @model_validator(mode="after")
    def _one_outcome(self) -> MockResult:
        given = [
            "return" if name == "return_" else name
            for name in ("return_", "return_file", "error", "py")
            if name in self.model_fields_set
        ]
        if len(given) != 1:
            found = f"got {' and '.join(given)}" if given else "got none"
            raise ValueError(
                f"give exactly one of return, return_file, error or py ({found})"
            )
        return self


class MockRule(MockResult):
    """A rule: when the arguments match ``when``, answer with its outcome."""

    when: dict[str, Any] | None = Field(
        default=None,
        description="Argument matchers (subset: unlisted arguments are ignored); "
        "without it the rule always matches.",
    )


class DefaultRule(SpecModel):
    """The catch-all rule of a tool; it must come last."""

    default: MockResult = Field(description="The outcome when no rule above matched.")


def _rule_kind(value: Any) -> str:
    return "default" if isinstance(value, dict) and "default" in value else "rule"


MockRuleItem = Annotated[
    Annotated[MockRule, Tag("rule")] | Annotated[DefaultRule, Tag("default")],
    Discriminator(_rule_kind),
]


class MockSequence(SpecModel):
    """Successive calls of the tool get successive outcomes."""

    sequence: list[MockResult] = Field(
        min_length=1, description="Outcomes of the 1st, 2nd, ... call of the tool."
    )
    then: Literal["last", "cycle", "error"] = Field(
        default="last",
        description="After the last entry: repeat it (last), start over (cycle), or "
        "answer with an error (error).",
    )


def _mock_kind(value: Any) -> str | None:
    if isinstance(value, list):
        return "rules"
    return "sequence" if isinstance(value, dict) else None


ToolMock = Annotated[
    Annotated[list[MockRuleItem], Field(min_length=1), Tag("rules")]
    | Annotated[MockSequence, Tag("sequence")],
    Discriminator(
        _mock_kind,
        custom_error_type="mock_shape",
        custom_error_message="a tool's mock is a list of rules or {sequence: [...]}",
    ),
]

_MOCK_RESERVED = ("on_unmatched", "unmatched_message")


class Mocks(SpecModel):
    """Canned results per tool name, plus two reserved keys."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={"description": "Tool name -> rules or sequence."},
    )
    __pydantic_extra__: dict[str, ToolMock] = Field(init=False)

    on_unmatched: Literal["error", "fail"] = Field(
        default="error",
        description="A call of a mocked tool that matches no rule: answer with an "
        "error (error), or also end the trial as unexpected_call (fail).",
    )
    unmatched_message: str | None = Field(
        default=None,
        description="The error text sent for an unmatched call. " + _TEMPLATED,
    )

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_keys(cls, data: Any) -> Any:
        """Tool names are free keys; a near miss of a reserved key is a typo."""
        if isinstance(data, dict):
            for key in data:
                if key in _MOCK_RESERVED or not isinstance(key, str):
                    continue
                close = difflib.get_close_matches(key, _MOCK_RESERVED, n=1, cutoff=0.8)
                if close:
                    raise PydanticCustomError(
                        "unknown_key",
                        f"unknown key {key!r} (did you mean {close[0]!r}?)",
                        {"key": key},
                    )
        return data

    @property
    def tools(self) -> dict[str, list[MockRule | DefaultRule] | MockSequence]:
        """The mocked tools, in spec order."""
        return dict(self.__pydantic_extra__ or {})


class SetupCall(SpecModel):
    tool: str = Field(description="A tool bound in environment.tools.")
    args: dict[str, Any] = Field(default_factory=dict)


class StoreOp(SpecModel):
    """A tool bound to one operation on one collection of the store."""

    op: Literal["get", "query", "insert", "update", "delete"]
    collection: str = Field(description="A collection of the store.")
    key: Any = Field(
        default=None, description="get/update/delete: the record id (templated)."
    )
    where: dict[str, Any] | None = Field(
        default=None,
        description="query: matchers over each record's fields (templated); "
        "without it every record matches.",
    )
    returns: Any = Field(
        default=None,
        description="record | records | ids | first_id | count | ok, or a template "
        "with args, attempt, seq, record, id. Default: records for query, ok for "
        "delete, record otherwise.",
    )
    require: dict[str, Any] | None = Field(
        default=None,
        description="Matchers the touched record must meet (templated), else on_fail.",
    )
    args_require: dict[str, Any] | None = Field(
        default=None,
        description="Matchers the arguments must meet (templated), else on_fail.",
    )
    on_fail: str | None = Field(
        default=None, description="Error text when require/args_require fail."
    )
    not_found: str | None = Field(
        default=None, description="Error text when no record has the key."
    )
    set_: dict[str, Any] | None = Field(
        default=None,
        alias="set",
        description="update: fields to set (templated; record is the old record).",
    )
    append: dict[str, Any] | None = Field(
        default=None, description="update: values to append to list fields."
    )
    id: Any = Field(
        default=None,
        description="insert: the new record's id, a template such as 'T{{ seq }}'.",
    )
    record: Any = Field(
        default=None,
        description="insert: the new record (templated); default: the arguments.",
    )

    @model_validator(mode="after")
    def _keys_fit_op(self) -> StoreOp:
        allowed = _OP_KEYS[self.op]
        for name in sorted(self.model_fields_set - _COMMON_KEYS - allowed):
            key = "set" if name == "set_" else name
            raise ValueError(f"{key!r} does not apply to op {self.op}")
        needed = {"get": "key", "update": "key", "delete": "key", "insert": "id"}
        need = needed.get(self.op)
        if need and need not in self.model_fields_set:
            raise ValueError(f"op {self.op} needs {need!r}")
        return self


_COMMON_KEYS = {"op", "collection", "returns", "args_require", "on_fail"}
_OP_KEYS: dict[str, set[str]] = {
    "get": {"key", "require", "not_found"},
    "query": {"where", "not_found"},
    "insert": {"id", "record"},
    "update": {"key", "require", "not_found", "set_", "append"},
    "delete": {"key", "require", "not_found"},
}


class PythonBinding(SpecModel):
    python: str = Field(
        pattern=REFERENCE_PATTERN,
        description="package.module:function run as fn(store, ctx, **args); "
        "raising gives an error result.",
    )


def _binding_kind(value: Any) -> str:
    return "python" if isinstance(value, dict) and "python" in value else "op"


Binding = Annotated[
    Annotated[StoreOp, Tag("op")] | Annotated[PythonBinding, Tag("python")],
    Discriminator(_binding_kind),
]

_STORE_KEYS = ("store", "store_file", "setup", "tools")


class Environment(SpecModel):
    """A stateful simulation: a declarative store, or a Python class."""

    store: dict[str, dict[str, dict[str, Any]]] | None = Field(
        default=None,
        description="Initial state: {collection: {id: record}}; copied for each trial.",
    )
    store_file: str | None = Field(
        default=None,
        description="JSON or YAML file (relative to the spec) of more collections.",
    )
    setup: list[SetupCall] = Field(
        default_factory=list,
        description="Calls applied through the bindings before each trial.",
    )
    tools: dict[str, Binding] = Field(
        default_factory=dict, description="Tool name -> store operation or python."
    )
    python: str | None = Field(
        default=None,
        pattern=REFERENCE_PATTERN,
        description="package.module:Class; each trial gets Class(**init), and its "
        "public methods named like declared tools are those tools.",
    )
    init: dict[str, Any] = Field(
        default_factory=dict, description="Keyword arguments of the Python class."
    )
    state: str = Field(
        default="public_attributes",
        pattern=r"^(public_attributes|method:[A-Za-z_]\w*)$",
        description="Python class: the state is its public attributes, or the value "
        "of method:NAME.",
    )

    @model_validator(mode="after")
    def _one_backend(self) -> Environment:
        store_keys = [key for key in _STORE_KEYS if key in self.model_fields_set]
        if self.python is not None and store_keys:
            raise ValueError(
                f"'python' (a class) and {', '.join(store_keys)} (a store) are two "
                "kinds of environment: use one"
            )
        if self.python is None and not store_keys:
            raise ValueError("give a store (store, store_file, tools) or python")
        python_keys = {"init", "state"} & self.model_fields_set
        if self.python is None and python_keys:
            raise ValueError(f"{', '.join(sorted(python_keys))} go with 'python'")
        return self


class Fault(SpecModel):
    """An injected failure of some calls of some tools."""

    tool: str | list[str] = Field(description="Tool name, glob, or list of them.")
    when: dict[str, Any] | None = Field(
        default=None, description="Argument matchers (subset) the call must meet."
    )
    on_attempt: (
        list[Annotated[int, Field(ge=1)]]
        | Annotated[int, Field(ge=1)]
        | Literal["all", "first"]
        | Annotated[str, Field(pattern=r"^[1-9][0-9]*\+$")]
    ) = Field(
        default="all",
        description="Which calls of the tool in the trial: 2, [1, 3], first, all, "
        "or '2+' (the 2nd and later).",
    )
    inject: Literal["error", "timeout", "rate_limit", "malformed", "empty", "partial"]
    message: str | None = Field(
        default=None,
        description="error / timeout / rate_limit: the error text. " + _TEMPLATED,
    )
    payload: str | None = Field(
        default=None,
        description="malformed: the raw content sent (default: the real result, "
        "cut in half).",
    )
    drop: list[str] | None = Field(
        default=None,
        min_length=1,
        description="partial: fields removed from the real result (a.b for nested).",
    )
    retry_after_s: float | None = Field(
        default=None, ge=0, description="rate_limit: the retry-after hint, in seconds."
    )
    timeout_s: float = Field(
        default=30,
        gt=0,
        description="timeout: the seconds the message says (nothing waits).",
    )
    apply_effect: bool = Field(
        default=False,
        description="true: the real behaviour still runs (the write happens, the "
        "response is lost); false: nothing runs.",
    )

    @model_validator(mode="after")
    def _options_fit_inject(self) -> Fault:
        owners = {
            "message": ("error", "timeout", "rate_limit"),
            "payload": ("malformed",),
            "drop": ("partial",),
            "retry_after_s": ("rate_limit",),
            "timeout_s": ("timeout",),
        }
        for key, kinds in owners.items():
            if key in self.model_fields_set and self.inject not in kinds:
                raise ValueError(
                    f"{key!r} goes with inject: {' | '.join(kinds)}, not {self.inject}"
                )
        if self.inject == "partial" and self.drop is None:
            raise ValueError("inject: partial needs 'drop': the fields to remove")
        return self
