"""Imported BFCL specs judge a real model's recorded outputs as BFCL's checker does.

``fixtures/recorded/<category>.json`` holds the tool calls SmolLM2-135M (llama.cpp's
server) returned for a sample of every v4 category, recorded through pytest-fncall's
cassettes by ``scripts/record-bfcl-sample``: names as the spec spells them and the raw
argument strings. Each is judged by the imported spec (``load_spec`` +
``verdict.evaluate``, the calls rebuilt from the raw strings as a cassette replays them)
and by ``reference_checker`` after BFCL's decoding of a native tool-calling model's
output (``json.loads`` of each argument string; an output it cannot decode fails, or for
irrelevance counts as no call). Agreement must reach 99.5 % over the sample, and every
disagreement must be one of the documented deliberate differences.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from bfcl_agreement import (
    CATEGORIES,
    RECORDED,
    RecordedTally,
    _base,
    classify,
    import_category,
    load_recorded,
    measure_recorded,
    our_failures,
    paths,
    reference_recorded,
    sample_ids,
)
from conftest import FIXTURES

from pytest_fncall.bfcl.convert import Entry, read_entries

TARGET = 0.995


@pytest.fixture(scope="module")
def tallies(
    full_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, RecordedTally]:
    found = {}
    for category in CATEGORIES:
        out = tmp_path_factory.mktemp(category)
        entries, cases = import_category(category, out, full_data)
        found[category] = measure_recorded(
            category, entries, cases, load_recorded(category)
        )
    return found


def test_agreement_over_the_recorded_sample(tallies: dict[str, RecordedTally]) -> None:
    total = RecordedTally()
    for tally in tallies.values():
        total.add(tally)
    assert total.entries >= 200  # 25-40 a category, less what the server refused
    assert 0 < total.passed_ref < total.entries  # the model both passes and fails
    assert total.ratio >= TARGET, [d[:2] for d in total.disagreements]


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_disagreement_is_a_documented_difference(
    category: str, tallies: dict[str, RecordedTally]
) -> None:
    for entry_id, kind, calls, ours, bfcl in tallies[category].disagreements:
        assert kind is not None, (
            f"{entry_id}: ours {ours or 'pass'}, BFCL {bfcl}: {calls}"
        )


@pytest.mark.parametrize("category", CATEGORIES)
def test_the_fixture_is_the_current_sample(category: str, full_data: Path) -> None:
    recorded = load_recorded(category)
    sampled = sample_ids(category, read_entries(*paths(category, full_data)))
    assert set(recorded["outputs"]) | set(recorded["unrecorded"]) == set(sampled)
    assert list(recorded["outputs"]) == [i for i in sampled if i in recorded["outputs"]]


def test_the_fixtures_are_small_and_raw() -> None:
    files = sorted(RECORDED.glob("*.json"))
    assert {f.stem for f in files} == set(CATEGORIES)
    assert sum(f.stat().st_size for f in files) < 300_000
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        for calls in data["outputs"].values():
            for call in calls:
                assert set(call) == {"name", "arguments"}
                assert isinstance(call["arguments"], str)  # as the model sent it


# --- the decoding rules, on outputs the sample may lack (vendored entries) ------------


def _entry(category: str, entry_id: str, tmp_path: Path) -> tuple[Entry, Any]:
    entries, cases = import_category(category, tmp_path, FIXTURES)
    (entry,) = [e for e in entries if e.id == entry_id]
    return entry, cases[entry_id]


def _call(name: str, arguments: str) -> list[dict[str, str]]:
    return [{"name": name, "arguments": arguments}]


def test_undecodable_arguments_fail_an_ast_entry_on_both_sides(tmp_path: Path) -> None:
    entry, case = _entry("simple_python", "simple_python_0", tmp_path)
    for raw in ['{"base": 10, "height": 5', "[10, 5]", "10"]:
        calls = _call("calculate_triangle_area", raw)
        bfcl, _ = reference_recorded("simple_python", entry, calls)
        assert bfcl is False
        assert "malformed_args" in our_failures(case, calls)
    good = _call("calculate_triangle_area", '{"base": 10, "height": 5}')
    assert reference_recorded("simple_python", entry, good)[0] is True
    assert our_failures(case, good) == []


def test_an_undecodable_call_is_no_call_for_bfcl_and_a_call_for_us(
    tmp_path: Path,
) -> None:
    """Documented difference 2 (BFCL issue #1362), classified as such."""
    entries, cases = import_category("irrelevance", tmp_path, FIXTURES)
    entry = entries[0]
    name = entry.functions[0]["name"]
    for raw in ['{"a": ', "[]", ""]:
        calls = _call(name, raw)
        bfcl, decoded = reference_recorded("irrelevance", entry, calls)
        ours = our_failures(cases[entry.id], calls)
        assert bfcl is True
        assert "unexpected_call" in ours
        assert classify("irrelevance", entry, decoded, ours, bfcl) == 2
    calls = _call(name, "{}")
    bfcl, decoded = reference_recorded("irrelevance", entry, calls)
    assert bfcl is False
    assert "unexpected_call" in our_failures(cases[entry.id], calls)
    assert reference_recorded("irrelevance", entry, [])[0] is True
    assert our_failures(cases[entry.id], []) == []


def test_a_greedy_miss_is_difference_1(tmp_path: Path) -> None:
    """parallel_178 (see test_bfcl_agreement): its calls reversed, BFCL's greedy matching
    fails where a search finds the assignment."""
    entry, case = _entry("parallel", "parallel_178", tmp_path)
    assert entry.answer is not None
    calls = [
        {"name": name, "arguments": json.dumps(_base(params))}
        for answer in entry.answer
        for name, params in answer.items()
    ]
    bfcl, decoded = reference_recorded("parallel", entry, calls[::-1])
    ours = our_failures(case, calls[::-1])
    assert (bfcl, ours) == (False, [])
    assert classify("parallel", entry, decoded, ours, bfcl) == 1
