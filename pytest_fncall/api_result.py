"""The result of ``fncall.run()`` and its assertions, judged exactly as a spec's case.

An assertion is a spec ``expect:`` written in Python: ``assert_called(name, **args)`` is
``{call: name, args: {...}}``, ``assert_no_call()`` is ``{no_call: true}``,
``assert_calls([...], match=...)`` is ``{calls: [...], match: ...}``,
``assert_reply`` / ``assert_state`` / ``assert_recovered`` are ``reply`` / ``state`` /
``recover``, and ``check(**keys)`` takes any ``expect`` key. Each is compiled by
:func:`~pytest_fncall.expectations.compile_expectation` and evaluated by
:func:`~pytest_fncall.verdict.evaluate` (the implicit checks included) or, for a loop
run, :func:`~pytest_fncall.loop_verdict.judge_loop` (how the loop ended included), and
a failure raises :class:`~pytest_fncall.errors.FncallFailure` whose message is what a
spec item shows (:func:`~pytest_fncall.report.render_failures`). Knows nothing of pytest.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .api_tools import FncallUsageError
from .errors import FncallFailure
from .results import Failure, Tool, ToolCall, ToolResult, Trajectory

if TYPE_CHECKING:
    from pydantic import ValidationError

    from .expectations import Expectation
    from .loop_checks import LoopChecks
    from .loop_plan import LoopPlan

_MATCH_MODES = ("strict", "unordered", "subset", "superset")


@dataclass(frozen=True)
class FncallResult:
    """What the model did in ``fncall.run()``: plain data and assertions.

    ``title`` names the run in failure reports (the test's name); ``verbosity`` > 0
    adds the transcript to them. ``loop`` is the plan of a loop-mode run (simulated
    tools), None for one model turn. ``on_failure`` (the fixture's) sees every failed
    assertion's failures, for the run's reports.
    """

    model: str
    trajectory: Trajectory
    messages: tuple[dict[str, Any], ...]
    tools: tuple[Tool, ...]
    title: str = "fncall"
    verbosity: int = 0
    loop: LoopPlan | None = None
    on_failure: Callable[[Sequence[Failure]], None] | None = field(
        default=None, repr=False, compare=False
    )

    @property
    def calls(self) -> tuple[ToolCall, ...]:
        """Every tool call the model made, in order."""
        return tuple(placed.call for placed in self.trajectory.placed_calls())

    @property
    def text(self) -> str | None:
        """The model's text, in loop mode its final reply (None when its last message
        only called tools)."""
        return self.trajectory.final_text

    @property
    def tool_results(self) -> tuple[ToolResult | None, ...]:
        """Loop mode: what the simulated tool answered to each of :attr:`calls`
        (``content``, ``is_error``, ``value``, ``fault``); None in single mode."""
        return tuple(placed.result for placed in self.trajectory.placed_calls())

    @property
    def final_state(self) -> Any:
        """Loop mode with an ``environment``: its state after the run, else None."""
        return self.trajectory.final_state

    @property
    def trajectory_data(self) -> dict[str, Any]:
        """The trajectory as a spec's ``snapshot: true`` pins it: JSON-ready, calls with
        parsed arguments (keys and parallel calls sorted), no ids, timings or usage.
        Compare it with syrupy's ``snapshot`` fixture."""
        return self.snapshot_data()

    def snapshot_data(self, *, text: bool = False) -> dict[str, Any]:
        """:attr:`trajectory_data`; with ``text=True`` each step's text too (like
        ``snapshot: {text: true}``)."""
        from .loader import SnapshotPolicy
        from .snapshot import normalise

        return normalise(self.trajectory, SnapshotPolicy(text=text))

    # --- assertions ---------------------------------------------------------------

    def assert_called(self, name: str, /, **args: Any) -> None:
        """Exactly one call, to ``name``, whose arguments include ``args`` (values or
        matchers such as ``{"$ieq": "paris"}``): a spec's ``call:`` + ``args:``."""
        __tracebackhide__ = True
        self.check(call=name, args=args if args else None)

    def assert_no_call(self) -> None:
        """No tool call at all: a spec's ``no_call: true``."""
        __tracebackhide__ = True
        self.check(no_call=True)

    def assert_calls(
        self,
        calls: Sequence[str | Mapping[str, Any]],
        *,
        match: str = "strict",
        before: Sequence[Sequence[str]] | None = None,
    ) -> None:
        """Several calls: a spec's ``calls:`` (tool names or patterns ``{tool, args,
        args_mode, times, optional, id}`` or ``{parallel: [...]}``) under ``match``."""
        __tracebackhide__ = True
        if match not in _MATCH_MODES:
            raise FncallUsageError(
                f"match={match!r}: use one of {', '.join(_MATCH_MODES)}"
            )
        keys: dict[str, Any] = {"calls": list(calls), "match": match}
        if before is not None:
            keys["before"] = [list(pair) for pair in before]
        self.check(**keys)

    def assert_reply(
        self,
        *,
        contains: str | Sequence[str] | None = None,
        not_contains: str | Sequence[str] | None = None,
        regex: str | Sequence[str] | None = None,
        not_regex: str | Sequence[str] | None = None,
    ) -> None:
        """The final reply: a spec's ``reply: {contains, not_contains, regex,
        not_regex}`` (each a text or a list)."""
        __tracebackhide__ = True
        self.check(
            reply=_given(
                contains=contains,
                not_contains=not_contains,
                regex=regex,
                not_regex=not_regex,
            )
        )

    def assert_state(
        self,
        *,
        match: Mapping[str, Any] | None = None,
        equals: Mapping[str, Any] | None = None,
        unchanged: str | Sequence[str] | None = None,
    ) -> None:
        """The environment's final state (loop mode): a spec's ``state: {match,
        equals, unchanged}``."""
        __tracebackhide__ = True
        self.check(state=_given(match=match, equals=equals, unchanged=unchanged))

    def assert_recovered(
        self, *, from_: str, by: str | Sequence[str], **options: Any
    ) -> None:
        """The reaction to an injected fault (loop mode): a spec's ``recover: {from,
        by, within, same_args, args, fallback, require_fault}``."""
        __tracebackhide__ = True
        self.check(recover={"from": from_, "by": by, **options})

    def check(self, **expect: Any) -> None:
        """Any ``expect:`` of a spec case, as keyword arguments (``state``,
        ``recover`` and ``$from`` in loop mode only)."""
        __tracebackhide__ = True
        failures = self.failures(**expect)
        if failures:
            if self.on_failure is not None:
                self.on_failure(failures)
            raise self._failure(failures)

    def failures(self, **expect: Any) -> list[Failure]:
        """What :meth:`check` would report, without raising (empty when it passes)."""
        __tracebackhide__ = True
        expectation, checks = compile_expect(expect, self.tools, self.loop)
        if self.loop is not None:
            from .loop_verdict import judge_loop

            return judge_loop(
                self.loop, expectation, checks, self.trajectory, self.tools
            )
        from .verdict import evaluate

        failures = evaluate(expectation, self.trajectory, self.tools)
        if checks is not None:
            failures.extend(checks.failures(self.trajectory))
        return failures

    def _failure(self, failures: Sequence[Failure]) -> FncallFailure:
        from .report import render_failures

        error = FncallFailure(failures, self.trajectory)
        error.args = (
            render_failures(
                self.title, failures, self.trajectory, self.messages, self.verbosity
            ),
        )
        return error


def compile_expect(
    expect: Mapping[str, Any], tools: Sequence[Tool], loop: LoopPlan | None = None
) -> tuple[Expectation, LoopChecks | None]:
    """``(Expectation, LoopChecks | None)`` of an ``expect`` mapping, checked as the
    loader checks a case's (a loop-mode one with ``loop``); a mistake raises
    :class:`FncallUsageError`."""
    __tracebackhide__ = True
    from pydantic import ValidationError

    from .api_loop import loop_checks, loop_only_keys, no_dataflow_message
    from .expectations import ExpectationError, compile_expectation
    from .spec import Expect

    plain = _json_data(expect)
    if loop is None:
        loop_only_keys(plain)
    try:
        parsed = Expect.model_validate(plain)
    except ValidationError as exc:
        raise FncallUsageError(_validation_text(exc)) from None
    names = [tool.name for tool in tools]
    try:
        expectation = compile_expectation(parsed, names, names)
    except ExpectationError as exc:
        raise FncallUsageError(f"{_path(exc.location)}: {exc.message}") from None
    checks = loop_checks(parsed, tools, loop)
    if expectation.uses_dataflow and loop is None:
        raise FncallUsageError(no_dataflow_message())
    return expectation, checks


def _given(**keys: Any) -> dict[str, Any]:
    return {key: value for key, value in keys.items() if value is not None}


def _json_data(expect: Mapping[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(json.dumps(dict(expect)))
    except (TypeError, ValueError) as exc:
        raise FncallUsageError(
            f"expectations are JSON data (as in a spec file): {exc}"
        ) from None
    assert isinstance(data, dict)
    return data


def _validation_text(error: ValidationError) -> str:
    lines = []
    for item in error.errors(include_url=False):
        location: tuple[Any, ...] = tuple(item["loc"])
        if item["type"] in ("unknown_key", "not_supported"):
            location = (*location, item["ctx"]["key"])
        lines.append(f"{_path(location)}: {item['msg'].removeprefix('Value error, ')}")
    return "\n".join(dict.fromkeys(lines))


def _path(location: Sequence[str | int]) -> str:
    text = "expect"
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part not in ("call-pattern", "parallel-group"):  # pydantic's union tags
            text += f".{part}"
    return text
