"""Model outputs for BFCL entries, judged by pytest-fncall and by the reference checker.

Shared by ``tests/bfcl/test_bfcl_agreement.py`` and
``benchmarks/bench_bfcl_agreement.py``. For each entry, :func:`outputs` makes the ground
truth itself and systematic mutations of it (every allowed value, int/float swaps at the
top level and nested, string case/punctuation/whitespace changes, missing and extra
parameters, reordered lists, reordered/dropped/duplicated calls, a wrong function,
null); :func:`measure` runs each through the imported spec (``loader.load_spec`` +
``verdict.evaluate``) and through :mod:`reference_checker`, and counts agreement.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import reference_checker

from pytest_fncall.bfcl.convert import Entry, build_specs, read_entries
from pytest_fncall.loader import CaseDefinition, load_spec
from pytest_fncall.results import ModelTurn, ToolCall, Trajectory
from pytest_fncall.verdict import evaluate

DATA = Path(os.environ.get("FNCALL_BFCL_DATA", "/work/shared/data/bfcl"))
V4 = DATA / "v4"
CATEGORIES = (
    "simple_python",
    "multiple",
    "parallel",
    "parallel_multiple",
    "live_simple",
    "live_multiple",
    "irrelevance",
)

Output = list[dict[str, dict[str, Any]]]


def paths(category: str, root: Path = V4) -> tuple[Path, Path | None]:
    questions = root / f"BFCL_v4_{category}.json"
    answers = root / "possible_answer" / f"BFCL_v4_{category}.json"
    return questions, answers if answers.exists() else None


def import_category(
    category: str, out: Path, root: Path = V4
) -> tuple[list[Entry], dict[str, CaseDefinition]]:
    """Convert one category into ``out`` and load it: (entries, cases by id)."""
    questions, answers = paths(category, root)
    entries = read_entries(questions, answers)
    cases: dict[str, CaseDefinition] = {}
    for name, text in build_specs(questions, answers, entries):
        path = out / name
        path.write_text(text, encoding="utf-8")
        for case in load_spec(path).cases:
            cases[case.id] = case
    return entries, cases


# --- outputs ---------------------------------------------------------------------------


def _base(params: dict[str, list[Any]]) -> dict[str, Any]:
    return {
        p: next(x for x in alts if x != "")
        for p, alts in params.items()
        if any(x != "" for x in alts)
    }


def _swap_number(value: Any) -> Any:
    if type(value) is int:
        return float(value)
    if type(value) is float:
        return int(value) if value.is_integer() else round(value)
    return None


def _text_variants(text: str) -> list[str]:
    variants = [
        text.upper(),
        text.swapcase(),
        f" {text}-",
        text.replace(" ", ""),
        text + "!",
    ]
    if " " in text:
        variants.append(text.replace(" ", "_"))
    return [v for v in variants if v != text]


def _nested_variants(value: Any) -> Iterator[tuple[str, Any]]:
    """Changes inside a list or dict value: number swaps, text changes, reordering."""
    if isinstance(value, list):
        for i, element in enumerate(value):
            swapped = _swap_number(element)
            if swapped is not None:
                yield "nested int/float swap", [*value[:i], swapped, *value[i + 1 :]]
            if isinstance(element, str):
                for text in _text_variants(element)[:2]:
                    yield "nested string change", [*value[:i], text, *value[i + 1 :]]
            if isinstance(element, dict):
                for kind, changed in _nested_variants(element):
                    yield f"{kind} (in list)", [*value[:i], changed, *value[i + 1 :]]
        if len(value) > 1 and value[::-1] != value:
            yield "reordered list", value[::-1]
        if value:
            yield "shorter list", value[:-1]
    elif isinstance(value, dict):
        for key, item in value.items():
            swapped = _swap_number(item)
            if swapped is not None:
                yield "nested int/float swap", {**value, key: swapped}
            if isinstance(item, str):
                for text in _text_variants(item)[:2]:
                    yield "nested string change", {**value, key: text}
            if isinstance(item, list) and len(item) > 1:
                yield "reordered list (in dict)", {**value, key: item[::-1]}
            rest = {k: v for k, v in value.items() if k != key}
            yield "dict key missing", rest
        yield "dict key extra", {**value, "bfcl_extra_key": "x"}


def _value_variants(value: Any) -> Iterator[tuple[str, Any]]:
    swapped = _swap_number(value)
    if swapped is not None:
        yield "int/float swap", swapped
        yield "number as string", str(value)
    if type(value) is int:
        yield "bool for int", bool(value)
    if isinstance(value, bool):
        yield "bool flipped", not value
        yield "bool as string", str(value).lower()
    if isinstance(value, str):
        for text in _text_variants(value):
            yield "string case/punct/space", text
        yield "empty string", ""
    yield from _nested_variants(value)
    yield "null", None


def _call_variants(
    doc: dict[str, Any], params: dict[str, list[Any]], base: dict[str, Any]
) -> Iterator[tuple[str, dict[str, Any]]]:
    for param, alts in params.items():
        for alt in alts:
            if alt == "":
                if param in base:
                    yield (
                        "optional omitted",
                        {k: v for k, v in base.items() if k != param},
                    )
            elif alt is not base.get(param):
                yield "alternative value", {**base, param: alt}
        if param in base:
            for kind, value in _value_variants(base[param]):
                yield kind, {**base, param: value}
    properties = doc["parameters"]["properties"]
    for param in properties:
        if param not in base:
            yield "extra doc param", {**base, param: _sample(properties[param])}
        else:
            yield "param dropped", {k: v for k, v in base.items() if k != param}
    yield "extra undeclared param", {**base, "bfcl_extra": 1}


def _sample(prop: dict[str, Any]) -> Any:
    return {
        "string": "x",
        "integer": 1,
        "float": 1.5,
        "boolean": True,
        "array": [],
        "tuple": [],
        "dict": {},
    }.get(prop.get("type", ""), "x")


def outputs(entry: Entry) -> Iterator[tuple[str, Output]]:
    """(kind, decoded model output) pairs for one entry, the ground truth first."""
    docs = {doc["name"]: doc for doc in entry.functions}
    if entry.answer is None:
        yield "ground truth", []  # no call
        first = entry.functions[0]
        yield "a call", [{first["name"]: {}}]
        yield (
            "a call with arguments",
            [
                {
                    first["name"]: {
                        p: _sample(v)
                        for p, v in first["parameters"]["properties"].items()
                    }
                }
            ],
        )
        return
    calls = [next(iter(c.items())) for c in entry.answer]
    bases = [_base(params) for _, params in calls]
    truth = [{name: base} for (name, _), base in zip(calls, bases, strict=True)]
    yield "ground truth", truth
    for index, (name, params) in enumerate(calls):
        for kind, args in _call_variants(docs[name], params, bases[index]):
            output = copy.deepcopy(truth)
            output[index] = {name: args}
            yield kind, output
        others = [n for n in docs if n != name]
        wrong = others[0] if others else f"{name}_other"
        yield (
            "wrong function",
            [*truth[:index], {wrong: bases[index]}, *truth[index + 1 :]],
        )
    if len(truth) > 1:
        yield "reordered calls", truth[::-1]
        yield "rotated calls", truth[1:] + truth[:1]
        yield "dropped call", truth[:-1]
    yield "duplicated call", [*truth, truth[-1]]
    yield "no call", []


# --- verdicts --------------------------------------------------------------------------


def ours(case: CaseDefinition, output: Output) -> bool:
    calls = tuple(
        ToolCall.from_model_arguments(f"call_{i}", name, args)
        for i, call in enumerate(output)
        for name, args in call.items()
    )
    trajectory = Trajectory((ModelTurn(None, calls),))
    return not evaluate(case.expectation, trajectory, case.tools)


def reference(category: str, entry: Entry, output: Output) -> bool | None:
    """BFCL's verdict, or None where BFCL's own checker would crash."""
    try:
        return reference_checker.check(category, entry.functions, output, entry.answer)
    except reference_checker.CheckerCrash:
        return None


@dataclass
class Tally:
    outputs: int = 0
    agree: int = 0
    passed_ref: int = 0
    crashes: int = 0
    disagreements: list[tuple[str, str, Output, bool, bool | None]] = field(
        default_factory=list
    )
    by_kind: Counter[str] = field(default_factory=Counter)

    @property
    def ratio(self) -> float:
        return self.agree / self.outputs if self.outputs else 1.0


def _keep(entry_id: str, kind: str, index: int, sample: int | None) -> bool:
    if sample is None or kind == "ground truth":
        return True
    digest = hashlib.sha256(f"{entry_id}/{index}".encode()).digest()
    return digest[0] % sample == 0


def measure(
    category: str,
    entries: list[Entry],
    cases: dict[str, CaseDefinition],
    sample: int | None = None,
) -> Tally:
    """Agreement over every entry's outputs (about one in ``sample`` mutations when
    given; the ground truth and the three outputs of an irrelevance entry always)."""
    tally = Tally()
    for entry in entries:
        case = cases[entry.id]
        for index, (kind, output) in enumerate(outputs(entry)):
            if entry.answer is not None and not _keep(entry.id, kind, index, sample):
                continue
            expected = reference(category, entry, output)
            got = ours(case, output)
            tally.outputs += 1
            tally.passed_ref += bool(expected)
            if expected is None:
                tally.crashes += 1
                expected = False  # a crash gives no credit
            if got == expected:
                tally.agree += 1
            else:
                tally.by_kind[kind] += 1
                tally.disagreements.append((entry.id, kind, output, got, expected))
    return tally


# --- recorded model outputs ------------------------------------------------------------
#
# ``scripts/record-bfcl-sample`` runs a sample of every category through the imported
# specs against a real model (pytest-fncall with cassettes) and keeps, per entry, the tool
# calls the model returned: names as the spec spells them and the raw argument strings.

RECORDED = Path(__file__).parent / "fixtures" / "recorded"
SAMPLE_SIZES = {
    "simple_python": 40,
    "multiple": 40,
    "parallel": 25,
    "parallel_multiple": 25,
    "live_simple": 30,
    "live_multiple": 25,
    "irrelevance": 40,
}
"""Entries recorded per category: 225 in all, fewer where prompts or answers are long
(the local model took 4-10 s an answer on two shared cores)."""

RecordedCalls = list[dict[str, str]]
"""``[{"name": ..., "arguments": <raw JSON text as the model sent it>}, ...]``."""


def sample_ids(category: str, entries: list[Entry]) -> list[str]:
    """A deterministic sample: the :data:`SAMPLE_SIZES` ids whose SHA-256 sorts first,
    in data order."""
    size = SAMPLE_SIZES[category]
    ranked = sorted(entries, key=lambda e: hashlib.sha256(e.id.encode()).hexdigest())
    chosen = {entry.id for entry in ranked[:size]}
    return [entry.id for entry in entries if entry.id in chosen]


def load_recorded(category: str, root: Path = RECORDED) -> dict[str, Any]:
    """The recorded fixture of one category (``{"outputs": {id: calls}, ...}``)."""
    data: dict[str, Any] = json.loads(
        (root / f"{category}.json").read_text(encoding="utf-8")
    )
    return data


def bfcl_decode(calls: RecordedCalls) -> Output | None:
    """The output as BFCL decodes a native tool-calling (FC) model's: each call's raw
    arguments ``json.loads``-ed, ``[{name: args}]``; None where that raises (BFCL's
    ``ast_decoder:decoder_failed``). The arguments may decode to a non-object."""
    try:
        return [{call["name"]: json.loads(call["arguments"])} for call in calls]
    except ValueError:
        return None


def _is_call_list(output: Output) -> bool:
    """BFCL's ``is_function_calling_format_output``."""
    return all(
        type(call) is dict
        and len(call) == 1
        and type(next(iter(call.values()))) is dict
        for call in output
    )


def reference_recorded(
    category: str, entry: Entry, calls: RecordedCalls
) -> tuple[bool | None, Output | None]:
    """BFCL's verdict on a recorded output (None where its checker would crash), and the
    decoded output (None when BFCL cannot decode it)."""
    decoded = bfcl_decode(calls)
    if entry.answer is None:  # relevance check: an undecodable output is "no call"
        made_call = decoded is not None and _is_call_list(decoded) and bool(decoded)
        return not made_call, decoded
    if decoded is None or not _is_call_list(decoded):
        return False, decoded  # decoder_failed / decoder_wrong_output_format
    return reference(category, entry, decoded), decoded


def our_failures(case: CaseDefinition, calls: RecordedCalls) -> list[str]:
    """The failure codes of the imported spec on a recorded output (empty = pass): the
    calls are rebuilt from the raw argument strings exactly as a cassette replays them."""
    turn = ModelTurn(
        None,
        tuple(
            ToolCall.from_model_arguments(f"call_{i}", call["name"], call["arguments"])
            for i, call in enumerate(calls)
        ),
    )
    failures = evaluate(case.expectation, Trajectory((turn,)), case.tools)
    return sorted({failure.code for failure in failures})


def backtracking_passes(entry: Entry, output: Output) -> bool:
    """Would some assignment of calls to expected calls satisfy BFCL's per-call check?"""
    assert entry.answer is not None
    docs = {doc["name"]: doc for doc in entry.functions}
    if len(output) != len(entry.answer):
        return False
    for order in itertools.permutations(range(len(output))):
        if all(
            reference_checker.check_call(docs[next(iter(answer))], output[i], answer)
            for answer, i in zip(entry.answer, order, strict=True)
        ):
            return True
    return False


DIFFERENCES = {
    1: "parallel calls matched by search (BFCL: greedily)",
    2: "a call whose arguments BFCL cannot decode is a call",
    3: "the tool schema is checked",
}
"""The deliberate differences (README "Deliberate differences from BFCL") a recorded
output can show, by their number there."""


def classify(
    category: str,
    entry: Entry,
    decoded: Output | None,
    ours: list[str],
    bfcl: bool | None,
) -> int | None:
    """Which documented difference explains a disagreement (None: none does)."""
    passed = not ours
    if bfcl is None:
        return None  # BFCL would crash: no credit; we report a mismatch (difference 4)
    undecodable = decoded is None or not _is_call_list(decoded)
    if entry.answer is None and undecodable and bfcl and not passed:
        return 2  # relevance: BFCL reads "no call", we see a (malformed) call
    if (
        "parallel" in category
        and passed
        and not bfcl
        and decoded is not None
        and _is_call_list(decoded)
        and backtracking_passes(entry, decoded)
    ):
        return 1
    if bfcl and ours == ["schema_violation"]:
        return 3
    return None


@dataclass
class RecordedTally:
    entries: int = 0
    passed_ref: int = 0
    passed_ours: int = 0
    agree: int = 0
    crashes: int = 0
    undecodable: int = 0  # outputs with a call BFCL cannot decode
    unrecorded: int = 0  # sampled entries the model gave no answer for
    disagreements: list[
        tuple[str, int | None, RecordedCalls, list[str], bool | None]
    ] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.agree / self.entries if self.entries else 1.0

    def add(self, other: RecordedTally) -> None:
        for name in (
            "entries",
            "passed_ref",
            "passed_ours",
            "agree",
            "crashes",
            "undecodable",
            "unrecorded",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.disagreements += other.disagreements


def measure_recorded(
    category: str,
    entries: list[Entry],
    cases: dict[str, CaseDefinition],
    recorded: dict[str, Any],
) -> RecordedTally:
    """Agreement on each recorded output: the imported spec's verdict against BFCL's."""
    by_id = {entry.id: entry for entry in entries}
    tally = RecordedTally(unrecorded=len(recorded.get("unrecorded", {})))
    for entry_id, calls in recorded["outputs"].items():
        entry = by_id[entry_id]
        bfcl, decoded = reference_recorded(category, entry, calls)
        ours = our_failures(cases[entry_id], calls)
        tally.entries += 1
        tally.passed_ref += bool(bfcl)
        tally.passed_ours += not ours
        tally.crashes += bfcl is None
        tally.undecodable += decoded is None or not _is_call_list(decoded)
        if (not ours) == bool(bfcl):
            tally.agree += 1
        else:
            kind = classify(category, entry, decoded, ours, bfcl)
            tally.disagreements.append((entry_id, kind, calls, ours, bfcl))
    return tally
