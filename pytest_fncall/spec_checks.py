"""pydantic models of the loop-mode checks under ``expect:``: ``reply``, ``state``, ``recover``.

Shape only, like :mod:`.spec`: tool names, matchers and regexes are checked when
:func:`pytest_fncall.loop_checks.compile_loop_checks` compiles them, with their key path.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from .spec_base import SpecModel

NonEmptyText = Annotated[str, Field(min_length=1)]
Texts = NonEmptyText | Annotated[list[NonEmptyText], Field(min_length=1)]
RecoveryWay = Literal["retry", "correct", "fallback", "report"]


class Reply(SpecModel):
    """Checks on the model's final reply (the text of its last message)."""

    contains: Texts | None = Field(
        default=None,
        description="Text(s) the final reply must contain, every one of them: a "
        "case-insensitive substring check, with commas removed from the reply and the "
        "text (as τ-bench does), so 1000 matches '1,000'.",
    )
    not_contains: Texts | None = Field(
        default=None,
        description="Text(s) the final reply must not contain (case-insensitive, "
        "commas removed). Passes when the model gave no final reply.",
    )
    regex: Texts | None = Field(
        default=None,
        description="Regular expression(s) that must each be found somewhere in the "
        "final reply (Python re.search; case-sensitive unless the pattern starts with "
        "(?i)).",
    )
    not_regex: Texts | None = Field(
        default=None,
        description="Regular expression(s) that must not be found anywhere in the final "
        "reply (Python re.search). Passes when the model gave no final reply.",
    )

    @model_validator(mode="after")
    def _something(self) -> Reply:
        if (self.contains, self.not_contains, self.regex, self.not_regex) == (
            None,
        ) * 4:
            raise ValueError(
                "'reply' needs at least one of contains, not_contains, regex, not_regex"
            )
        return self


class StateCheck(SpecModel):
    """Checks on the simulated environment's final state (loop mode with `environment`).

    The state is a mapping of collections (``orders``) to records by id (``"#W1"``)."""

    match: dict[str, Any] | None = Field(
        default=None,
        description="Deep subset: {collection: {record_id: {field: value or matcher}}}. "
        "Listed collections, records and fields must exist and match; unlisted ones are "
        "ignored (at every level of nested objects). Matchers are allowed at any level: "
        "'$absent' as a record means the record was deleted; {$len: n} as a collection "
        "counts its records.",
    )
    equals: dict[str, Any] | None = Field(
        default=None,
        description="Exact content of the listed collections: no record or field more or "
        "less than written (matchers allowed at any level). Unlisted collections are not "
        "checked.",
    )
    unchanged: list[NonEmptyText] | Literal["all"] | None = Field(
        default=None,
        description="Collections that must end exactly as they started, or 'all' for "
        "every collection: a guardrail against unwanted writes.",
    )

    @model_validator(mode="after")
    def _something(self) -> StateCheck:
        if self.match is None and self.equals is None and self.unchanged is None:
            raise ValueError("'state' needs at least one of match, equals, unchanged")
        return self


class FallbackCall(SpecModel):
    """The call that counts as falling back to another tool."""

    tool: str = Field(description="The fallback tool's name (a declared tool).")
    args: dict[str, Any] | None = Field(
        default=None,
        description="Argument values or matchers the fallback call must satisfy "
        "(listed keys only; others are free).",
    )


class Recover(SpecModel):
    """How the model must react after a fault injected into one tool's result.

    F is the first call to `from` whose result was an injected fault; R are the calls
    to that same tool after F."""

    from_: str = Field(
        alias="from",
        description="The tool whose first faulted call F anchors the check.",
    )
    by: RecoveryWay | Annotated[list[RecoveryWay], Field(min_length=1)] = Field(
        description="retry: call the tool again (1 to `within` times) until a call "
        "succeeds; correct: call it again with different arguments that satisfy `args`; "
        "fallback: call the `fallback` tool instead; report: stop calling it and tell "
        "the user it failed. A list passes when any one of them does."
    )
    within: int = Field(
        default=2,
        ge=1,
        le=1000,
        description="Most calls to the `from` tool allowed after F (a guard against "
        "retry loops); retry needs at least one.",
    )
    same_args: Literal["allowed", "forbidden", "required"] = Field(
        default="allowed",
        description="For retry and correct: required = the successful retry repeats F's "
        "arguments exactly; forbidden = no later call repeats F's arguments.",
    )
    args: dict[str, Any] | None = Field(
        default=None,
        description="For correct: argument values or matchers the corrected call must "
        "satisfy (its arguments must also differ from F's). Without it, any different, "
        "schema-valid arguments count as a correction.",
    )
    fallback: FallbackCall | None = Field(
        default=None, description="For fallback: the call to make instead."
    )
    require_fault: bool = Field(
        default=True,
        description="true: fail when no fault reached the `from` tool (the case would "
        "test nothing); false: pass in that case, reported as vacuous.",
    )

    @property
    def ways(self) -> tuple[RecoveryWay, ...]:
        """``by`` as a tuple, in the order written, without repeats."""
        listed = [self.by] if isinstance(self.by, str) else self.by
        return tuple(dict.fromkeys(listed))
