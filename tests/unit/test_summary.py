"""Per-model statistics (scoreboard) and the terminal summary's lines (summary)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from record_factory import A, B, record, turn

from pytest_fncall.scoreboard import (
    case_key,
    disagreements,
    model_summary,
    ordered_models,
    percentile,
    shown_outcome,
    trial_counts,
    verdict,
)
from pytest_fncall.summary import (
    format_count,
    format_duration,
    shorten,
    summary_lines,
)

# --- scoreboard --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "xfail", "shown", "judged"),
    [
        ("passed", None, "passed", "passed"),
        ("failed", None, "failed", "failed"),
        ("error", None, "error", "error"),
        ("skipped", None, "skipped", "skipped"),
        ("skipped", "known", "xfailed", "failed"),
        ("passed", "known", "xpassed", "passed"),
    ],
)
def test_outcomes_and_verdicts(outcome, xfail, shown, judged):
    item = record("c", outcome=outcome, xfail=xfail)
    assert shown_outcome(item) == shown
    assert verdict(item) == judged


def test_model_summary_counts_rates_codes_tokens_and_latency():
    records = [
        record("a", tokens=(100, 20), latency=0.2),
        record("b", tokens=(50, 5), latency=0.4),
        record(
            "c", "scripted/a.yaml", "failed", codes=("arg_mismatch", "arg_mismatch")
        ),
        record("d", outcome="failed", codes=("unknown_tool", "missing_call")),
        record("e", outcome="skipped", xfail="known", codes=("arg_mismatch",)),
        record("f", outcome="error", error="provider error: 503"),
        record("g", outcome="skipped"),
    ]
    stats = model_summary(records)
    assert stats["cases"] == 7
    assert (stats["passed"], stats["failed"], stats["errors"]) == (2, 2, 1)
    assert (stats["skipped"], stats["xfailed"], stats["xpassed"]) == (1, 1, 0)
    # judged: 2 passed + 2 failed + 1 xfailed; errors and skips are left out
    assert stats["pass_rate"] == 0.4
    # a case counts once per code; most frequent first
    assert stats["codes"] == {"arg_mismatch": 2, "missing_call": 1, "unknown_tool": 1}
    # cases without usage count nothing; cases with some do
    assert stats["usage"] == {"input_tokens": 150, "output_tokens": 25}
    assert stats["latency_s"]["p50"] == 0.5
    assert stats["latency_s"]["p95"] == 0.5
    assert stats["trials"] == 5
    assert stats["trials_passed"] == 2


def test_model_summary_without_judged_cases_or_usage():
    stats = model_summary(
        [record("a", outcome="error"), record("b", outcome="skipped")]
    )
    assert stats["pass_rate"] is None
    assert stats["usage"] == {"input_tokens": None, "output_tokens": None}
    assert stats["latency_s"] == {"p50": None, "p95": None, "total": None}


def test_trial_counts_prefer_the_reliability_summary():
    item = record("a", trials=3)
    assert trial_counts(item) == (3, 3)
    item["reliability"] = {"n": 5, "c": 2, "pass_hat_k": {}, "pass_at_k": {}}
    assert trial_counts(item) == (2, 5)


def test_percentile_is_nearest_rank():
    values = [0.1 * n for n in range(1, 21)]  # 0.1 .. 2.0
    assert percentile(values, 0.5) == pytest.approx(1.0)
    assert percentile(values, 0.95) == pytest.approx(1.9)
    assert percentile([3.0], 0.95) == 3.0
    assert percentile([], 0.5) is None


@given(st.lists(st.floats(0, 1e6), min_size=1), st.floats(0.01, 1))
def test_percentile_is_an_observed_value_and_monotonic(values, fraction):
    found = percentile(values, fraction)
    assert found in values
    assert percentile(values, 1.0) == max(values)
    assert found <= percentile(values, 1.0)


def test_models_follow_the_run_order_then_sort():
    records = [record("a", "z/m"), record("a", B), record("a", A), record("a", None)]
    assert ordered_models(records, [B, "missing/model"]) == [B, A, "z/m"]


@pytest.mark.parametrize(
    ("nodeid", "model", "key"),
    [
        ("w.fncall.yaml::paris[scripted/a.yaml]", A, "w.fncall.yaml::paris"),
        ("w.fncall.yaml::paris[scripted/a.yaml-row1]", A, "w.fncall.yaml::paris[row1]"),
        ("w.fncall.yaml::paris[row1-scripted/a.yaml]", A, "w.fncall.yaml::paris[row1]"),
        ("w.fncall.yaml::paris", None, "w.fncall.yaml::paris"),
        ("w.fncall.yaml::paris[other]", A, "w.fncall.yaml::paris[other]"),
    ],
)
def test_case_key_drops_the_model(nodeid, model, key):
    assert case_key({"nodeid": nodeid, "model": model}) == key


def test_disagreements_compare_verdicts_of_cases_that_ran():
    records = [
        record("same", A),
        record("same", B),
        record("differs", A),
        record("differs", B, "failed", codes=("wrong_tool",)),
        record("xfail_is_failure", A, "failed", codes=("arg_mismatch",)),
        record(
            "xfail_is_failure", B, "skipped", xfail="known", codes=("arg_mismatch",)
        ),
        record("skip_is_not_compared", A),
        record("skip_is_not_compared", B, "skipped"),
        record("error", A, "error"),
        record("error", B),
    ]
    found = disagreements(records, [A, B])
    assert [entry["case"] for entry in found] == [
        "weather.fncall.yaml::differs",
        "weather.fncall.yaml::error",
    ]
    assert found[0]["outcomes"] == {A: "passed", B: "failed"}
    assert found[0]["codes"] == {A: [], B: ["wrong_tool"]}
    assert found[0]["nodeids"][B] == f"weather.fncall.yaml::differs[{B}]"
    assert disagreements(records, [A]) == []


# --- summary lines -----------------------------------------------------------------------

TWO_MODELS = [
    record("paris", A, tokens=(1200, 30), latency=0.8),
    record("tokyo", A, tokens=(1100, 25), latency=1.6),
    record("joke", A, tokens=(900, 40), latency=0.4),
    record("paris", B, "failed", codes=("unknown_tool", "missing_call"), latency=2.5),
    record("tokyo", B, "failed", codes=("arg_mismatch",), latency=3.0),
    record("joke", B, latency=1.0),
]


def test_no_records_print_nothing():
    assert summary_lines([]) == []


def test_two_models_table_codes_and_disagreements():
    lines = summary_lines(TWO_MODELS, [A, B])
    assert lines[:3] == [
        "model           cases  pass  fail error  skip xfail   rate  tok in tok out"
        "     p50     p95",
        "scripted/a.yaml     3     3     0     0     0     0 100.0%   3,200      95"
        "   800ms   1.60s",
        "scripted/b.yaml     3     1     2     0     0     0  33.3%       -       -"
        "   2.50s   3.00s",
    ]
    text = "\n".join(lines)
    assert "code          scripted/a.yaml  scripted/b.yaml" in text
    assert "arg_mismatch                0                1" in text
    assert "models disagree on 2 of 3 cases:" in text
    assert "  weather.fncall.yaml::paris" in lines
    assert "      failed  scripted/b.yaml  (unknown_tool, missing_call)" in lines
    assert all(len(line) <= 100 for line in lines)
    assert "\x1b" not in text


def test_one_model_has_no_disagreement_section():
    lines = summary_lines([r for r in TWO_MODELS if r["model"] == A], [A])
    assert not any("disagree" in line or "agree" in line for line in lines)
    assert "failure codes: none" in lines


def test_models_that_agree_say_so():
    records = [record("a", A), record("a", B)]
    assert summary_lines(records, [A, B])[-1] == "the models agree on all 1 cases"


@pytest.mark.parametrize("width", [80, 100, 200])
def test_long_model_names_fit_the_width(width):
    long_a = "openai/" + "a-very-long-fine-tuned-model-name-" * 3
    long_b = "python/" + "agents.production.routing:" * 3
    records = [
        record("x", long_a),
        record("x", long_b, "failed", codes=("wrong_tool",)),
        *[record(f"c{n}", long_b, "failed", codes=("extra_call",)) for n in range(15)],
        *[record(f"c{n}", long_a) for n in range(15)],
    ]
    lines = summary_lines(records, [], width)
    assert all(len(line) <= min(width, 100) for line in lines), max(lines, key=len)
    text = "\n".join(lines)
    assert "wrong_tool 1" in text  # the per-model list replaces the matrix
    assert "... and 6 more (--fncall-html / --fncall-report list all)" in text


def test_repeated_trials_get_a_line():
    records = [
        record("a", A, trials=5),
        record("b", A, "failed", codes=("x",), trials=5),
    ]
    lines = summary_lines(records, [A])
    assert "  scripted/a.yaml: 5 of 10 (50.0%)" in lines


def test_cases_without_a_model_are_counted():
    lines = summary_lines([record("a", None, "skipped"), record("b", None, "skipped")])
    assert lines == ["2 fncall cases without a model (skipped: use --fncall-model)"]


def test_unparsed_arguments_and_text_only_turns_are_fine():
    steps = (turn(("get_weather", '{"city": "Par'), text="hm"),)
    lines = summary_lines(
        [record("a", A, "failed", codes=("malformed_args",), steps=steps)]
    )
    assert any("malformed_args" in line for line in lines)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "-"), (0.0012, "1.2ms"), (0.25, "250ms"), (2.414, "2.41s"), (63, "1m03s")],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (None, "-"),
        (812, "812"),
        (45120, "45,120"),
        (450_000, "450k"),
        (12_300_000, "12.3M"),
    ],
)
def test_format_count(count, text):
    assert format_count(count) == text


@given(st.text(min_size=0, max_size=300), st.integers(5, 120))
def test_shorten_fits_and_keeps_both_ends(text, width):
    short = shorten(text, width)
    assert len(short) <= width
    if len(text) <= width:
        assert short == text
    else:
        assert short[0] == text[0]
        assert short[-1] == text[-1]
