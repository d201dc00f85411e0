"""The ``$bfcl`` matcher on BFCL's corner cases, and its spec errors."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_fncall.matchers import MISSING, MatcherError, compile_matcher


def bfcl(kind: str, allowed: list[Any], items: str | None = None) -> Any:
    spec: dict[str, Any] = {"type": kind, "in": allowed}
    if items:
        spec["items"] = items
    return compile_matcher({"$bfcl": spec})


@pytest.mark.parametrize(
    ("matcher", "value", "passes"),
    [
        (bfcl("float", [2.0]), 2, True),  # int for float at the top level
        (bfcl("integer", [2]), 2.0, False),  # never float for int
        (bfcl("integer", [1]), True, False),  # a bool is no integer
        (bfcl("array", [[1.0, 3.0]], "float"), [1, 3], False),  # not inside arrays
        (bfcl("array", [[1.0, 3.0], ""], "float"), [1, 3], True),  # unless "" allowed
        (bfcl("array", [[1.0, 3.0], ""], "float"), [], True),  # "" also allows []
        (bfcl("array", [["a", "b"]], "string"), ["B", "A"], False),  # order counts
        (bfcl("array", [["New York"]], "string"), ["new-york"], True),
        (bfcl("string", ["", None]), None, True),  # a "variable": null passes
        (bfcl("string", ["", None]), " ", False),  # a variable: no normalisation
        (bfcl("string", ["", None]), "x", False),
        (bfcl("integer", ["x", ""]), "X", False),  # variables compare exactly
        (bfcl("any", ["5"]), 5, False),  # any is a string in BFCL
        (bfcl("dict", [{"a": ["X y"], "b": ["", 1]}]), {"a": "xy"}, True),
        (bfcl("dict", [{"a": ["x"]}]), {"a": "x", "c": 1}, False),
        (bfcl("dict", [{"a": ["x"], "b": [1]}]), {"a": "x"}, False),
        (
            bfcl("array", [[{"k": [1]}, {"k": [2]}]], "dict"),
            [{"k": 2}, {"k": 1}],
            False,
        ),
        (
            bfcl("array", [[{"k": [1]}, {"k": [2]}]], "dict"),
            [{"k": 1}, {"k": 2.0}],
            True,
        ),
        (bfcl("integer", []), 1, False),  # BFCL data fault: nothing passes
    ],
)
def test_bfcl_rules(matcher: Any, value: object, passes: bool) -> None:
    assert matcher.matches(value) is passes


def test_missing_passes_only_when_optional() -> None:
    assert bfcl("integer", [1, ""]).matches(MISSING)
    (mismatch,) = bfcl("integer", [1]).mismatches(MISSING, "$.n")
    assert mismatch.path == "$.n"
    assert "not optional" in mismatch.message


def test_mismatch_names_bfcl_error_type() -> None:
    (mismatch,) = bfcl("array", [[1.0]], "float").mismatches([1], "$.xs")
    assert "type_error:nested" in mismatch.message
    assert "bfcl array<float>" in mismatch.message


@pytest.mark.parametrize(
    ("raw", "where", "message"),
    [
        ({"$bfcl": [1]}, ("$bfcl",), "needs a mapping"),
        (
            {"$bfcl": {"type": "float", "in": [1], "x": 1}},
            ("$bfcl",),
            "needs a mapping",
        ),
        ({"$bfcl": {"type": "long", "in": [1]}}, ("$bfcl", "type"), "must be one of"),
        (
            {"$bfcl": {"type": "float", "items": "float", "in": [1]}},
            ("$bfcl", "items"),
            "goes with",
        ),
        ({"$bfcl": {"type": "float", "in": 1}}, ("$bfcl", "in"), "list of allowed"),
    ],
)
def test_spec_errors(raw: object, where: tuple[str, ...], message: str) -> None:
    with pytest.raises(MatcherError) as caught:
        compile_matcher(raw)
    assert caught.value.location == where
    assert message in caught.value.message
