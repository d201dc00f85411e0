"""The loader's part of ``perturb:``: compile a case's variants and check them.

A case's own ``perturb`` replaces ``defaults.perturb`` (``perturb: []`` opts out). Each
variant becomes a copy of the case's :class:`~pytest_fncall.loader.CaseDefinition` with
the distractors among its tools, an implicit ``forbid_tools`` for them (unless
``may_call: true``) and its :class:`~pytest_fncall.perturb.PerturbedTools`. Mistakes
raise :class:`PerturbSpecError` (a :class:`~pytest_fncall.loader_loop.LoopSpecError`,
which the loader reports with the key path).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from . import spec
from .expectations import CallPattern, Expectation
from .loader_loop import LoopSpecError
from .loader_tools import tools_of_source
from .perturb import Perturbation, Rename, apply
from .perturb_names import NameClash, seeded
from .results import Tool
from .spec_perturb import Distractors, Variant, as_variant
from .tool_sources import ToolSourceError
from .validation import arguments_schema_problem

if TYPE_CHECKING:
    from .loader import CaseDefinition

KeyPath = tuple[str | int, ...]


class PerturbSpecError(LoopSpecError):
    """A mistake in ``perturb:`` (its location inside the case, or from the top of the
    file for ``defaults.perturb``)."""


_Fail = Callable[[KeyPath, str], PerturbSpecError]
SourceCache = dict[str, list[Tool]]
"""Distractor sources already loaded for this spec file, by the source entry's JSON."""


def add_variants(
    definition: CaseDefinition,
    case: spec.Case,
    parsed: spec.Spec,
    declared: Sequence[Tool],
    spec_path: Path,
    root: Path | None,
    sources: SourceCache,
) -> CaseDefinition:
    """``definition`` with one perturbed copy of itself (in ``variants``) per entry of
    the case's ``perturb`` (else ``defaults.perturb``)."""
    in_file = case.perturb is None
    entries = parsed.defaults.perturb if in_file else case.perturb
    base: KeyPath = ("defaults", "perturb") if in_file else ("perturb",)
    variants: list[CaseDefinition] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries or ()):
        fail = _failer(case.id, (*base, index), in_file)
        variant = as_variant(entry)
        name = variant.name or "+".join(variant.transforms)
        if name in seen:
            raise fail(
                ("name",) if variant.name else (),
                f"two variants are named {name!r}; give one a 'name:'",
            )
        seen.add(name)
        names = {tool.name for tool in declared}
        distractors: tuple[Tool, ...] = ()
        if variant.distractors is not None:
            distractors = _distractors(
                variant.distractors, names, spec_path, root, fail, sources
            )
        perturbation = _compile(name, variant, distractors)
        _check_map(variant, names | {t.name for t in distractors}, fail)
        tools = (*definition.tools, *distractors)
        try:
            perturbed = apply(perturbation, tools)
        except NameClash as exc:
            key = "rename_params" if "parameters of" in str(exc) else "rename_tools"
            raise fail((key,), f"the renamed names clash: {exc}") from None
        variants.append(
            replace(
                definition,
                tools=tools,
                expectation=_forbidding(definition.expectation, perturbation),
                perturbation=perturbed,
                variants=(),
            )
        )
    return replace(definition, variants=tuple(variants)) if variants else definition


def _failer(case_id: str, where: KeyPath, in_file: bool) -> _Fail:
    def fail(location: KeyPath, message: str) -> PerturbSpecError:
        shown = f"case {case_id!r}: {message}" if in_file else message
        return PerturbSpecError((*where, *location), shown, in_file=in_file)

    return fail


def _compile(
    name: str, variant: Variant, distractors: tuple[Tool, ...]
) -> Perturbation:
    tools, params = variant.rename_tools, variant.rename_params
    return Perturbation(
        name=name,
        rename_tools=Rename(tools.style, tools.seed, dict(tools.map or {}))
        if tools
        else None,
        rename_params=Rename(params.style, params.seed) if params else None,
        shuffle_seed=variant.shuffle_tools.seed if variant.shuffle_tools else None,
        drop_descriptions=variant.drop_descriptions,
        distractors=distractors,
        distractor_seed=variant.distractors.seed if variant.distractors else 0,
        may_call_distractors=bool(variant.distractors and variant.distractors.may_call),
    )


def _check_map(variant: Variant, known: set[str], fail: _Fail) -> None:
    rename = variant.rename_tools
    for key in (rename.map or {}) if rename else {}:
        if key not in known:
            raise fail(
                ("rename_tools", "map", key),
                f"{key!r} names no tool of this spec or its distractors "
                f"(tools: {', '.join(sorted(known))})",
            )


def _forbidding(expectation: Expectation, perturbation: Perturbation) -> Expectation:
    if perturbation.may_call_distractors or not perturbation.distractors:
        return expectation
    forbidden = tuple(
        CallPattern(label=tool.name, tool=_literal_glob(tool.name), arguments=None)
        for tool in perturbation.distractors
    )
    return replace(expectation, forbid=(*expectation.forbid, *forbidden))


def _literal_glob(name: str) -> str:
    """``name`` as an fnmatch pattern that matches only itself."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def _distractors(
    options: Distractors,
    declared: set[str],
    spec_path: Path,
    root: Path | None,
    fail: _Fail,
    loaded: SourceCache,
) -> tuple[Tool, ...]:
    sources = options.from_ if isinstance(options.from_, list) else [options.from_]
    pool: dict[str, Tool] = {}
    for index, source in enumerate(sources):
        location: KeyPath = ("distractors", "from")
        if isinstance(options.from_, list):
            location = (*location, index)
        key = source.model_dump_json()
        if key not in loaded:
            loaded[key] = _source_tools(source, spec_path, root, location, fail)
        for tool in loaded[key]:
            if tool.name in pool:
                raise fail(location, f"distractor {tool.name!r} comes twice")
            if tool.name not in declared:
                pool[tool.name] = tool
    if not pool:
        raise fail(
            ("distractors", "from"),
            "no distractors: every tool of the source is one of the spec's own tools",
        )
    count = options.count or len(pool)
    if count > len(pool):
        raise fail(
            ("distractors", "count"),
            f"count {count} is more than the {len(pool)} distractor"
            f"{'s' if len(pool) != 1 else ''} the source offers besides the spec's "
            "own tools",
        )
    tools = list(pool.values())
    drawn = seeded(options.seed, "distractors", "draw").sample(range(len(tools)), count)
    return tuple(tools[index] for index in sorted(drawn))


def _source_tools(
    source: spec.ToolSource,
    spec_path: Path,
    root: Path | None,
    location: KeyPath,
    fail: _Fail,
) -> list[Tool]:
    """The tools of one source entry, as ``tools:`` would load them."""
    try:
        loaded = tools_of_source(source, spec_path.parent, root)
    except ToolSourceError as exc:
        raise fail((*location, *(exc.key or ())), str(exc)) from None
    for tool in loaded:
        problem = arguments_schema_problem(tool.parameters)
        if problem:
            raise fail(location, f"{tool.name}: {problem}")
    return loaded
