"""Load a ``*.fncall.yaml`` file into ready-to-run case definitions.

Everything that can be wrong with a spec is found here, at collection, and reported as a
:class:`~pytest_fncall.errors.SpecError` naming file, 1-based line and key path.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError

from . import spec
from .errors import SpecError, SpecProblem
from .expectations import Expectation, ExpectationError, compile_expectation
from .loader_loop import LoopSpecError, case_checks, loop_kinds, loop_plan
from .loader_tools import load_tools
from .loop_checks import LoopChecks
from .loop_plan import LoopPlan
from .perturb import PerturbedTools
from .perturb_load import SourceCache, add_variants
from .reliability import RepeatPlan
from .results import Tool
from .spec_problems import display, problem, pydantic_problems
from .yamlfile import (
    KeyPath,
    YamlDocument,
    YamlProblem,
    decode_problem,
    parse_yaml,
    read_limited,
)


@dataclass(frozen=True)
class MarkSpec:
    """A pytest mark a case asks for: ``marks: [slow, {xfail: reason}]``."""

    name: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SnapshotPolicy:
    """What a trajectory snapshot pins: calls always, the final text when asked."""

    text: bool = False


@dataclass(frozen=True)
class CaseDefinition:
    """One case, with defaults applied and every reference resolved."""

    id: str
    line: int
    messages: tuple[dict[str, Any], ...]
    tools: tuple[Tool, ...]
    tool_choice: str | dict[str, str]
    settings: dict[str, Any]
    expectation: Expectation
    marks: tuple[MarkSpec, ...] = ()
    snapshot: SnapshotPolicy | None = None  # None: the spec does not ask for one
    repeat: RepeatPlan = field(default_factory=RepeatPlan)
    loop: LoopPlan | None = None  # None: single mode (calls recorded, not executed)
    checks: LoopChecks | None = None  # reply, state, recover, max_identical_calls
    loop_kinds: frozenset[str] = frozenset()
    perturbation: PerturbedTools | None = None  # what this variant shows the model
    variants: tuple[CaseDefinition, ...] = ()  # the perturbed copies (perturb:)

    @property
    def user_turns(self) -> tuple[str | None, ...]:
        """The scripted user messages of loop-mode ``turns`` (for transcripts)."""
        return tuple(turn.user for turn in self.loop.turns) if self.loop else ()

    @property
    def described(self) -> tuple[str, ...]:
        """What the case expects, as lines of text for reports."""
        extra = tuple(self.checks.describe()) if self.checks else ()
        if self.loop is not None:
            extra += (f"at most {self.loop.max_steps} steps",)
        own = self.expectation.described
        checks_calls = self.expectation.check_kinds or self.expectation.no_call
        return (own if checks_calls or not extra else ()) + extra

    @property
    def check_kinds(self) -> frozenset[str]:
        """What the case checks, as marker kinds (``fncall_<kind>``); a perturbed
        variant is also ``perturbed``."""
        perturbed = frozenset({"perturbed"} if self.perturbation else ())
        return self.expectation.check_kinds | self.loop_kinds | perturbed


@dataclass(frozen=True)
class LoadedSpec:
    path: Path
    tools: tuple[Tool, ...]
    cases: tuple[CaseDefinition, ...]


_SKIP_REASON_MARKS = {"skip", "xfail"}
INTERNAL_ERROR: Final = "pytest-fncall failed while loading this spec"
"""How a bug (an exception other than :class:`SpecError`) is reported: a spec error."""


def load_spec(
    path: Path,
    known_marks: Collection[str] | None = None,
    *,
    root: Path | None = None,
) -> LoadedSpec:
    """Read, validate and resolve one spec file.

    ``known_marks``: the registered marker names when ``--strict-markers`` is on (a case
    naming another mark is then a spec error), or None to accept any mark. ``root``: the
    project (pytest's rootdir); a ``file:`` tool source outside it is refused. None
    (the default) does not restrict.

    Every mistake, however hostile the file, is a :class:`SpecError`; should anything
    else escape (a bug), it becomes one too, asking for a report, rather than a
    traceback in the middle of collection.
    """
    try:
        return _load(path, known_marks, root)
    except SpecError:
        raise
    except Exception as exc:
        message = f"{INTERNAL_ERROR} ({type(exc).__name__}: {exc}); please report it"
        raise SpecError([SpecProblem(path, None, "", message)]) from exc


def _load(
    path: Path, known_marks: Collection[str] | None, root: Path | None
) -> LoadedSpec:
    document = _read(path)
    parsed = _validate(path, document)
    problems: list[SpecProblem] = []
    tools = load_tools(path, document, parsed, problems, root)
    cases = []
    seen: dict[str, int] = {}
    sources: SourceCache = {}  # distractor sources, loaded once per file
    for index, case in enumerate(parsed.cases):
        where = ("cases", index)
        line = document.line_of(where) or 1
        if case.id in seen:
            problems.append(
                problem(
                    path,
                    document,
                    (*where, "id"),
                    f"duplicate case id {case.id!r} (first at line {seen[case.id]})",
                )
            )
            continue
        seen[case.id] = line
        try:
            cases.append(
                _case(case, parsed, tools, line, known_marks, path, root, sources)
            )
        except _CaseProblem as exc:
            problems.append(
                problem(path, document, (*where, *exc.location), exc.message)
            )
        except LoopSpecError as exc:
            location = exc.location if exc.in_file else (*where, *exc.location)
            found = problem(path, document, location, exc.message)
            if found not in problems:  # a file-level mistake, met by every case
                problems.append(found)
    if problems:
        raise SpecError(problems)
    return LoadedSpec(path, tuple(tools), tuple(cases))


def _read(path: Path) -> YamlDocument:
    def whole_file(message: str) -> SpecError:
        return SpecError([SpecProblem(path, None, "", message)])

    try:
        raw = read_limited(path)
    except YamlProblem as exc:
        raise whole_file(exc.message) from None
    except (OSError, ValueError) as exc:
        raise whole_file(f"cannot read the file: {exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise whole_file(decode_problem(raw, exc)) from None
    try:
        return parse_yaml(text)
    except YamlProblem as exc:
        raise SpecError(
            [SpecProblem(path, exc.line, display(exc.key_path, None), exc.message)]
        ) from None


def _validate(path: Path, document: YamlDocument) -> spec.Spec:
    if not isinstance(document.data, dict):
        kind = "empty" if document.data is None else type(document.data).__name__
        raise SpecError(
            [
                SpecProblem(
                    path,
                    1,
                    "",
                    f"a spec is a mapping with 'version' and 'cases', not {kind}",
                )
            ]
        )
    try:
        return spec.Spec.model_validate(document.data)
    except ValidationError as exc:
        raise SpecError(pydantic_problems(path, document, exc)) from None


class _CaseProblem(Exception):
    def __init__(self, location: KeyPath, message: str) -> None:
        super().__init__(message)
        self.location = location
        self.message = message


def _case(
    case: spec.Case,
    parsed: spec.Spec,
    tools: Sequence[Tool],
    line: int,
    known_marks: Collection[str] | None,
    path: Path,
    root: Path | None,
    sources: SourceCache,
) -> CaseDefinition:
    defaults = parsed.defaults
    declared = [tool.name for tool in tools]
    offered = _offered(case.tools, declared)
    tool_choice = case.tool_choice or defaults.tool_choice or "auto"
    if isinstance(tool_choice, spec.NamedToolChoice):
        if tool_choice.name not in offered and case.tool_choice is None:
            raise _CaseProblem(
                ("tools",) if case.tools else (),
                f"defaults.tool_choice names {tool_choice.name!r}, "
                "which this case does not offer",
            )
        if tool_choice.name not in offered:
            raise _CaseProblem(
                ("tool_choice", "name"),
                f"{tool_choice.name!r} is not a tool this case offers",
            )
        choice: str | dict[str, str] = {"name": tool_choice.name}
    else:
        choice = tool_choice
    try:
        expectation = compile_expectation(case.expect, declared, offered)
    except ExpectationError as exc:
        raise _CaseProblem(("expect", *exc.location), exc.message) from None
    checks = case_checks(case.expect, tools)
    plan = loop_plan(
        case,
        parsed,
        tools=tools,
        offered=offered,
        expectation=expectation,
        spec_dir=path.parent,
        root=root,
    )
    definition = CaseDefinition(
        id=case.id,
        line=line,
        messages=_messages(case, defaults),
        tools=tuple(tool for tool in tools if tool.name in offered),
        tool_choice=choice,
        settings={**(defaults.settings or {}), **(case.settings or {})},
        expectation=expectation,
        marks=tuple(
            _mark(raw, index, known_marks) for index, raw in enumerate(case.marks)
        ),
        snapshot=_snapshot(
            case.snapshot if case.snapshot is not None else defaults.snapshot
        ),
        repeat=_repeat(case.repeat if case.repeat is not None else defaults.repeat),
        loop=plan,
        checks=checks,
        loop_kinds=loop_kinds(case, plan is not None),
    )
    return add_variants(definition, case, parsed, tools, path, root, sources)


def _repeat(choice: spec.Repeat | None) -> RepeatPlan:
    if choice is None:
        return RepeatPlan()
    if isinstance(choice, int):
        return RepeatPlan(n=choice)
    hat = choice.pass_hat_k
    return RepeatPlan(
        n=choice.n,
        min_pass_rate=choice.min_pass_rate,
        max_failures=choice.max_failures,
        pass_hat_k=(hat.k, hat.min) if hat else None,
        early_stop=choice.early_stop,
    )


def _snapshot(choice: spec.Snapshot | None) -> SnapshotPolicy | None:
    if choice is None or choice is False:
        return None
    if choice is True:
        return SnapshotPolicy()
    return SnapshotPolicy(text=choice.text)


def _offered(selection: spec.ToolSelection | None, declared: list[str]) -> list[str]:
    if selection is None:
        return declared
    offered = list(declared)
    for key, globs in (("include", selection.include), ("exclude", selection.exclude)):
        for index, glob in enumerate(globs or ()):
            if not any(fnmatchcase(name, glob) for name in declared):
                raise _CaseProblem(
                    ("tools", key, index),
                    f"{glob!r} names no declared tool (declared: {', '.join(declared)})",
                )
    if selection.include is not None:
        include = selection.include
        offered = [n for n in offered if any(fnmatchcase(n, g) for g in include)]
    exclude = selection.exclude or []
    return [n for n in offered if not any(fnmatchcase(n, g) for g in exclude)]


def _messages(case: spec.Case, defaults: spec.Defaults) -> tuple[dict[str, Any], ...]:
    system = case.system if case.system is not None else defaults.system
    if case.messages is not None:
        messages = [m.model_dump(exclude_none=True) for m in case.messages]
    else:
        messages = [{"role": "user", "content": case.prompt}]
    if system is not None and not (messages and messages[0]["role"] == "system"):
        messages.insert(0, {"role": "system", "content": system})
    return tuple(messages)


def _mark(raw: spec.Mark, index: int, known: Collection[str] | None) -> MarkSpec:
    if isinstance(raw, str):
        mark = MarkSpec(raw)
    else:
        if len(raw) != 1:
            raise _CaseProblem(
                ("marks", index),
                "a mark with arguments is a one-key mapping: {name: args}",
            )
        ((name, value),) = raw.items()
        if isinstance(value, dict):
            mark = MarkSpec(name, kwargs=value)
        elif name in _SKIP_REASON_MARKS and isinstance(value, str):
            mark = MarkSpec(name, kwargs={"reason": value})
        elif isinstance(value, list):
            mark = MarkSpec(name, args=tuple(value))
        else:
            mark = MarkSpec(name, args=(value,))
    if not mark.name.isidentifier():
        raise _CaseProblem(("marks", index), f"{mark.name!r} is not a valid mark name")
    if known is not None and mark.name not in known:
        raise _CaseProblem(
            ("marks", index),
            f"mark {mark.name!r} is not registered (--strict-markers is on; add it to the "
            "'markers' ini option)",
        )
    return mark
