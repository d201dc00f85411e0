"""Unit tests of pytest_fncall.matchers: semantics, messages, errors, properties."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_fncall.matchers import (
    MISSING,
    Matcher,
    MatcherError,
    Mismatch,
    compile_arguments,
    compile_matcher,
)

quick = settings(database=None, deadline=None, max_examples=80)


def matches(raw: object, value: object) -> bool:
    return compile_matcher(raw).mismatches(value) == []


# Functions reached through $py; the module is importable under its own __name__.
def py_even(value: object) -> bool:
    return isinstance(value, int) and value % 2 == 0


def py_below(value: object, *, limit: int = 3) -> tuple[bool, str]:
    ok = isinstance(value, int) and value < limit
    return ok, "" if ok else f"{value} is not below {limit}"


def py_raises(value: object) -> bool:
    raise ValueError("boom")


def py_says_yes(value: object) -> str:
    return "yes"


NOT_CALLABLE = 3
HERE = __name__

# --- pass / fail tables -------------------------------------------------------------

PASS = [
    # literals and numeric rules
    ("Paris", "Paris"),
    (1, 1.0),
    (1.0, 1),
    (0, 0.0),
    (True, True),
    (None, None),
    ([1, "a", None], [1.0, "a", None]),
    ({"a": 1, "b": [True]}, {"b": [True], "a": 1}),
    ({}, {}),
    ("$anything", "$anything"),  # only $any and $absent are bare matchers
    # nesting inside literals
    ({"city": {"$ieq": "paris"}, "n": 2}, {"city": "PARIS", "n": 2}),
    ([{"$ieq": "a"}, 2], ["A", 2]),
    ({"a": {"$optional": 1}}, {}),
    # $eq
    ({"$eq": "$any"}, "$any"),
    ({"$eq": {"$regex": "x"}}, {"$regex": "x"}),
    ({"$eq": [1, 2]}, [1.0, 2]),
    # $in
    ({"$in": ["celsius", "fahrenheit"]}, "celsius"),
    ({"$in": [1, 2]}, 2.0),
    ({"$in": [[1], {"a": 1}]}, {"a": 1}),
    # $any
    ("$any", None),
    ({"$any": True}, [1]),
    # $optional
    ({"$optional": "x"}, "x"),
    ({"$optional": {"$gt": 1}}, 2),
    # $type
    ({"$type": "integer"}, 3),
    ({"$type": "number"}, 3),
    ({"$type": "number"}, 3.5),
    ({"$type": "boolean"}, False),
    ({"$type": "string"}, ""),
    ({"$type": "array"}, []),
    ({"$type": "object"}, {}),
    ({"$type": "null"}, None),
    ({"$type": ["integer", "null"]}, None),
    # $schema
    ({"$schema": {"type": "array", "items": {"type": "integer"}}}, [1, 2]),
    ({"$schema": True}, "anything"),
    # $regex / $search
    ({"$regex": "[A-Z]{3}"}, "ABC"),
    ({"$search": "b+"}, "abbbc"),
    # $text / $ieq / $loose
    ({"$text": "New York"}, "  New   York "),
    ({"$text": "New York", "case": False}, "new york"),
    ({"$text": "New York", "whitespace": "ignore"}, "NewYork"),
    ({"$text": "New York", "whitespace": "exact"}, "New York"),
    ({"$text": "New York!", "punct": "ignore"}, "New, York"),
    ({"$ieq": "paris"}, " PaRiS "),
    ({"$loose": "New York, NY"}, "new-york ny."),
    ({"$loose": "it's"}, 'IT"S'),
    # numbers
    ({"$approx": 3.1, "abs": 0.01}, 3.105),
    ({"$approx": 100, "rel": 0.01}, 101),
    ({"$approx": 0.3}, 0.1 + 0.2),
    ({"$approx": 1, "abs": 0, "rel": 0.5}, 1.4),
    ({"$range": [2, 5]}, 2),
    ({"$range": [2, 5]}, 5.0),
    ({"$range": [None, 5]}, -100),
    ({"$range": [2, None]}, 1e9),
    ({"$range": [None, None]}, 0),
    ({"$gt": 1}, 1.5),
    ({"$gte": 1}, 1),
    ({"$lt": 1}, 0),
    ({"$lte": 1}, 1.0),
    ({"$gte": 1, "$lt": 10}, 9),
    # $len
    ({"$len": 3}, "abc"),
    ({"$len": 2}, [1, 2]),
    ({"$len": 1}, {"a": 1}),
    ({"$len": {"$range": [1, 5]}}, [1, 2, 3]),
    # $contains
    ({"$contains": "b"}, ["a", "b"]),
    ({"$contains": ["York", "New"]}, "New York"),
    ({"$contains": [{"$regex": "a.*"}, "ab"]}, ["ab", "ac"]),
    ({"$contains": [1, 1]}, [1, 2, 1]),
    ({"$contains": []}, []),
    ({"$contains": {"$gt": 2}}, [1, 3]),
    # $set
    ({"$set": ["a", "b"]}, ["b", "a"]),
    ({"$set": [1, 1, 2]}, [1, 2, 1]),
    ({"$set": [{"$regex": "a.*"}, "ab"]}, ["ab", "ac"]),
    ({"$set": ["a", "b"], "split": ","}, "b , a"),
    ({"$set": ["a", "b"], "split": ","}, ["a", "b"]),
    # $subset / $each
    ({"$subset": {"a": 1}}, {"a": 1, "b": 2}),
    ({"$subset": {"a": {"$gt": 0}, "z": "$absent"}}, {"a": 1}),
    ({"$each": {"$type": "integer"}}, [1, 2]),
    ({"$each": 1}, []),
    # combinators
    ({"$not": 3}, 4),
    ({"$not": {"$regex": "a"}}, 1),
    ({"$any_of": [1, {"$regex": "x+"}]}, "xx"),
    ({"$all_of": [{"$type": "integer"}, {"$gt": 0}]}, 3),
    # $py
    ({"$py": f"{HERE}:py_even"}, 4),
    ({"$py": f"{HERE}:py_below"}, 2),
    ({"$py": f"{HERE}:py_below", "kwargs": {"limit": 10}}, 9),
    ({"$py": "os.path:isabs"}, "/tmp"),
]

FAIL = [
    ("Paris", "paris"),
    (1, True),
    (True, 1),
    (0, False),
    (1, "1"),
    (None, 0),
    (None, "null"),
    ([1, 2], [2, 1]),
    ([1, 2], [1, 2, 3]),
    ([1], 1),
    ({"a": 1}, {"a": 1, "b": 2}),
    ({"a": 1}, {}),
    ({"a": 1}, [1]),
    ({"$eq": "$any"}, "x"),
    ({"$eq": 1}, True),
    ({"$in": [1, 2]}, True),
    ({"$in": ["c", "f"]}, "k"),
    ({"$type": "integer"}, 3.0),
    ({"$type": "integer"}, True),
    ({"$type": "number"}, False),
    ({"$type": "number"}, "1"),
    ({"$type": "boolean"}, 0),
    ({"$type": "array"}, {}),
    ({"$type": "object"}, []),
    ({"$type": "null"}, 0),
    ({"$schema": {"type": "array", "items": {"type": "integer"}}}, [1, "2"]),
    ({"$regex": "[A-Z]{3}"}, "ABCD"),
    ({"$regex": "1"}, 1),
    ({"$search": "z"}, "abc"),
    ({"$text": "New York"}, "new york"),
    ({"$text": "New York", "whitespace": "exact"}, "New  York"),
    ({"$text": "New York"}, "New-York"),
    ({"$ieq": "paris"}, "London"),
    ({"$ieq": "1"}, 1),
    ({"$loose": "ab"}, "a b c"),
    ({"$approx": 3.1, "abs": 0.01}, 3.2),
    ({"$approx": 1}, 1.001),
    ({"$approx": 1}, True),
    ({"$approx": 3.0}, 10**400),  # beyond float range: not close, and no OverflowError
    ({"$range": [2, 5]}, 7),
    ({"$range": [2, 5]}, 1.99),
    ({"$range": [None, None]}, "1"),
    ({"$range": [0, 1]}, True),
    ({"$gt": 1}, 1),
    ({"$gte": 1}, 0.5),
    ({"$lt": 1}, 1),
    ({"$lte": 1}, 2),
    ({"$gte": 0}, None),
    ({"$gte": 1, "$lt": 10}, 10),
    ({"$len": 3}, "ab"),
    ({"$len": 1}, 1),
    ({"$len": {"$range": [1, 5]}}, []),
    ({"$contains": "c"}, ["a", "b"]),
    ({"$contains": "Boston"}, "New York"),
    ({"$contains": [1, 1]}, [1, 2]),
    ({"$contains": [{"$gt": 0}]}, "abc"),
    ({"$contains": 1}, 1),
    ({"$set": ["a", "b"]}, ["a", "a"]),
    ({"$set": ["a", "b"]}, ["a", "b", "c"]),
    ({"$set": ["a"]}, "a"),
    ({"$set": ["a", "b"], "split": ","}, "a; b"),
    ({"$subset": {"a": 1}}, {"b": 1}),
    ({"$subset": {"a": 1}}, "a"),
    ({"$subset": {"z": "$absent"}}, {"z": None}),
    ({"$each": {"$type": "integer"}}, [1, "2"]),
    ({"$each": 1}, {"a": 1}),
    ({"$not": 3}, 3.0),
    ({"$any_of": [1, 2]}, 3),
    ({"$all_of": [{"$type": "integer"}, {"$gt": 0}]}, -1),
    ({"$py": f"{HERE}:py_even"}, 3),
    ({"$py": f"{HERE}:py_below", "kwargs": {"limit": 1}}, 2),
    ({"$py": f"{HERE}:py_raises"}, 1),
    ({"$py": f"{HERE}:py_says_yes"}, 1),
    ("$absent", None),
]


@pytest.mark.parametrize(("raw", "value"), PASS, ids=repr)
def test_matches(raw, value):
    assert compile_matcher(raw).mismatches(value) == []


@pytest.mark.parametrize(("raw", "value"), FAIL, ids=repr)
def test_mismatches(raw, value):
    found = compile_matcher(raw).mismatches(value)
    assert found
    assert all(isinstance(m, Mismatch) and m.path.startswith("$") for m in found)


# --- messages -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value", "expected"),
    [
        ({"$ieq": "paris"}, "London", [("$", "expected ieq 'paris', got 'London'")]),
        (
            {"$in": ["celsius", "fahrenheit"]},
            "kelvin",
            [("$", "expected one of ['celsius', 'fahrenheit'], got 'kelvin'")],
        ),
        ({"$range": [2, 5]}, 7, [("$", "expected 2 <= x <= 5, got 7")]),
        ({"$gt": 1}, "a", [("$", "expected x > 1, got 'a' (not a number)")]),
        ({"$regex": "a"}, 1, [("$", "expected regex 'a', got 1 (not a string)")]),
        ({"$type": "integer"}, 3.0, [("$", "expected type integer, got 3.0 (number)")]),
        ("Paris", None, [("$", "expected 'Paris', got null")]),
        (True, 1, [("$", "expected true, got 1")]),
        (
            {"a": {"b": 1}, "c": [1, {"$ieq": "x"}]},
            {"a": {"b": 2}, "c": [1, "y"], "d": None},
            [
                ("$.a.b", "expected 1, got 2"),
                ("$.c[1]", "expected ieq 'x', got 'y'"),
                ("$.d", "unexpected key (value null)"),
            ],
        ),
        ({"a": 1}, {}, [("$.a", "missing (expected 1)")]),
        ([1, 2], [1], [("$", "expected [1, 2], got [1] (1 items)")]),
        ({"$each": {"$gt": 0}}, [1, 0], [("$[1]", "expected x > 0, got 0")]),
        ({"$subset": {"a": 1}}, {"a": 2, "b": 3}, [("$.a", "expected 1, got 2")]),
        (
            {"$len": 2},
            "abc",
            [("$", "expected len 2, got 'abc' (length 3)")],
        ),
        (
            {"$contains": [{"$regex": "a.*"}, "ab"]},
            ["ab", "b"],
            [
                (
                    "$",
                    "expected contains [regex 'a.*', 'ab'], got ['ab', 'b'] "
                    "(no distinct element for 'ab')",
                )
            ],
        ),
        (
            {"$schema": {"type": "object", "properties": {"n": {"type": "integer"}}}},
            {"n": "x"},
            [("$.n", "schema: 'x' is not of type 'integer'")],
        ),
        (
            {"$py": f"{HERE}:py_below"},
            5,
            [("$", f"expected py {HERE}:py_below, got 5 (5 is not below 3)")],
        ),
        ({"$not": 3}, 3, [("$", "expected not 3, got 3")]),
        ("$absent", 1, [("$", "expected absent, got 1")]),
    ],
)
def test_messages(raw, value, expected):
    found = compile_matcher(raw).mismatches(value)
    assert [(m.path, m.message) for m in found] == expected


def test_message_names_the_exception_of_py():
    [found] = compile_matcher({"$py": f"{HERE}:py_raises"}).mismatches(1)
    assert "raised ValueError: boom" in found.message
    [found] = compile_matcher({"$py": f"{HERE}:py_says_yes"}).mismatches(1)
    assert "returned 'yes', not a bool" in found.message


def test_long_values_are_truncated():
    [found] = compile_matcher("short").mismatches("x" * 500)
    assert found.message.endswith("…")
    assert len(found.message) < 120


def test_paths_nest_through_subset_each_and_lists():
    raw = {"$subset": {"stops": {"$each": {"name": {"$ieq": "a"}}}}}
    value = {"stops": [{"name": "A"}, {"name": "B"}], "extra": 1}
    [found] = compile_matcher(raw).mismatches(value, "$.route")
    assert found.path == "$.route.stops[1].name"


def test_mismatch_str():
    assert str(Mismatch("$.a", "nope")) == "$.a: nope"


# --- describe -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("Paris", "'Paris'"),
        ({"$ieq": "paris"}, "ieq 'paris'"),
        ({"$in": ["c", "f"]}, "one of ['c', 'f']"),
        ("$any", "any"),
        ({"$any": True}, "any"),
        ("$absent", "absent"),
        ({"$optional": "celsius"}, "optional 'celsius'"),
        ({"$gte": 1, "$lt": 10}, "x >= 1 and x < 10"),
        ({"$range": [None, 5]}, "x <= 5"),
        ({"$range": [0, None]}, "0 <= x"),
        ({"$range": [None, None]}, "any number"),
        ({"$approx": 3.1, "abs": 0.01}, "approx 3.1 (abs 0.01)"),
        ({"$approx": 2}, "approx 2 (rel 1e-09)"),
        (
            {"$text": "A", "case": False, "punct": "ignore"},
            "text 'A' (case-insensitive, punct ignore)",
        ),
        ({"$type": ["string", "null"]}, "type string or null"),
        ({"$len": {"$gt": 1}}, "len x > 1"),
        ({"$set": ["a"], "split": ","}, "set ['a'] (split ',')"),
        ({"$contains": "a"}, "contains ['a']"),
        ({"$any_of": [1, "$absent"]}, "any of [1, absent]"),
        ({"$all_of": [1, 2]}, "all of [1, 2]"),
        ({"$not": None}, "not null"),
        ({"$each": True}, "each true"),
        ({"$subset": {"a": 1}}, "subset {'a': 1}"),
        ({"a": [1, {"$regex": "x"}]}, "{'a': [1, regex 'x']}"),
        ({"$py": "os.path:isabs"}, "py os.path:isabs"),
    ],
)
def test_describe(raw, text):
    assert compile_matcher(raw).describe() == text


# --- MISSING ------------------------------------------------------------------------

ACCEPT_MISSING = [
    "$absent",
    {"$absent": True},
    {"$optional": 1},
    {"$optional": {"$gt": 3}},
    {"$any_of": [1, "$absent"]},
    {"$any_of": [{"$optional": 1}, 2]},
    {"$all_of": ["$absent", {"$optional": 2}]},
]
REJECT_MISSING = [
    "$any",
    1,
    None,
    {"a": 1},
    [1],
    {"$eq": None},
    {"$in": [None]},
    {"$type": "null"},
    {"$regex": ".*"},
    {"$len": 0},
    {"$not": 1},
    {"$not": "$absent"},
    {"$not": {"$optional": 1}},
    {"$any_of": [1, 2]},
    {"$all_of": ["$absent", 1]},
    {"$py": f"{HERE}:py_even"},
]


@pytest.mark.parametrize("raw", ACCEPT_MISSING, ids=repr)
def test_accepts_missing(raw):
    matcher = compile_matcher(raw)
    assert matcher.accepts_missing
    assert matcher.mismatches(MISSING) == []


@pytest.mark.parametrize("raw", REJECT_MISSING, ids=repr)
def test_rejects_missing(raw):
    matcher = compile_matcher(raw)
    assert not matcher.accepts_missing
    [found] = matcher.mismatches(MISSING, "$.k")
    assert found == Mismatch("$.k", f"missing (expected {matcher.describe()})")


def test_missing_repr():
    assert repr(MISSING) == "<missing>"


def test_py_is_not_called_with_missing():
    # py_raises would turn a call into a different message
    [found] = compile_matcher({"$py": f"{HERE}:py_raises"}).mismatches(MISSING)
    assert found.message.startswith("missing")


# --- arguments ----------------------------------------------------------------------


def test_arguments_matcher():
    args = compile_arguments(
        {"city": {"$ieq": "paris"}, "unit": {"$optional": "celsius"}, "x": "$absent"}
    )
    assert args.keys == ("city", "unit", "x")
    assert args.describe() == [
        "city=ieq 'paris'",
        "unit=optional 'celsius'",
        "x=absent",
    ]
    assert args.mismatches({"city": "Paris"}) == []
    assert args.mismatches({"city": "Paris", "unit": "celsius", "more": 1}) == []
    assert args.mismatches({"unit": "kelvin", "x": 0}) == [
        Mismatch("$.city", "missing (expected ieq 'paris')"),
        Mismatch("$.unit", "expected 'celsius', got 'kelvin'"),
        Mismatch("$.x", "expected absent, got 0"),
    ]


def test_arguments_exact_mode():
    args = compile_arguments({"a": 1, "b": {"$optional": 2}})
    assert args.mismatches({"a": 1, "c": 3, "d": 4}, exact=True) == [
        Mismatch("$.c", "unexpected argument (args_mode: exact)"),
        Mismatch("$.d", "unexpected argument (args_mode: exact)"),
    ]
    assert args.mismatches({"a": 1, "b": 2}, exact=True) == []


def test_empty_arguments():
    args = compile_arguments({})
    assert args.keys == ()
    assert args.mismatches({"a": 1}) == []
    assert len(args.mismatches({"a": 1}, exact=True)) == 1


# --- compile errors -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "location", "fragment"),
    [
        (
            {"$regx": "a"},
            ("$regx",),
            "unknown matcher '$regx' (did you mean '$regex'?)",
        ),
        ({"$zzz": 1}, ("$zzz",), "unknown matcher '$zzz'"),
        (
            {"$approx": 1, "ab": 0.1},
            ("ab",),
            "unknown option 'ab' for $approx (did you mean 'abs'?)",
        ),
        ({"$gte": 1, "foo": 2}, ("foo",), "unknown option 'foo' for $gte (no options)"),
        ({"$text": "a", "cse": True}, ("cse",), "did you mean 'case'?"),
        ({"$text": "a", "case": "no"}, ("case",), "option case needs true or false"),
        (
            {"$text": "a", "whitespace": "x"},
            ("whitespace",),
            "collapse, exact or ignore",
        ),
        ({"$text": "a", "punct": 1}, ("punct",), "keep or ignore"),
        ({"$approx": 1, "abs": -1}, ("abs",), "a number >= 0"),
        ({"$approx": "1"}, ("$approx",), "$approx needs a finite number"),
        ({"$approx": float("nan")}, ("$approx",), "$approx needs a finite number"),
        ({"$lt": float("inf")}, ("$lt",), "$lt needs a finite number, got"),
        ({"$set": [1], "split": ""}, ("split",), "a non-empty string"),
        ({"$py": "os.path:isabs", "kwargs": [1]}, ("kwargs",), "a mapping"),
        ({"$in": 3}, ("$in",), "$in needs a non-empty list"),
        ({"$in": []}, ("$in",), "$in needs a non-empty list"),
        ({"$regex": 5}, ("$regex",), "$regex needs a regular expression"),
        (
            {"$search": "("},
            ("$search",),
            "invalid regular expression for $search: missing )",
        ),
        ({"$range": [1]}, ("$range",), "$range needs [low, high]"),
        ({"$range": [1, "a"]}, ("$range",), "$range needs [low, high]"),
        ({"$range": [5, 1]}, ("$range",), "above high"),
        ({"$len": "x"}, ("$len",), "$len needs a non-negative integer or a matcher"),
        ({"$len": -1}, ("$len",), "$len needs"),
        ({"$len": {"a": 1}}, ("$len",), "$len needs"),
        ({"$gt": True}, ("$gt",), "$gt needs a finite number"),
        ({"$ieq": 1}, ("$ieq",), "$ieq needs a string"),
        ({"$loose": None}, ("$loose",), "$loose needs a string"),
        ({"$text": ["a"]}, ("$text",), "$text needs a string"),
        (
            {"$type": "integr"},
            ("$type",),
            "unknown type 'integr' for $type (did you mean 'integer'?)",
        ),
        ({"$type": ["string", "nul"]}, ("$type", 1), "did you mean 'null'?"),
        ({"$type": []}, ("$type",), "$type needs a type name"),
        ({"$schema": {"type": 5}}, ("$schema",), "$schema: invalid JSON Schema"),
        ({"$schema": "x"}, ("$schema",), "$schema: a JSON Schema must be an object"),
        ({"$set": "ab"}, ("$set",), "$set needs a list"),
        ({"$subset": [1]}, ("$subset",), "$subset needs a mapping"),
        ({"$any_of": []}, ("$any_of",), "$any_of needs a non-empty list"),
        ({"$all_of": 1}, ("$all_of",), "$all_of needs a non-empty list"),
        ({"$any": 1}, ("$any",), "$any takes true"),
        ({"$absent": False}, ("$absent",), "$absent takes true"),
        (
            {"$from": "step1"},
            ("$from",),
            "'step1' is not a reference: write <pattern id>.result<path> or "
            "<pattern id>.args<path>, e.g. search.result.flights[0].id",
        ),
        (
            {"$from": 3},
            ("$from",),
            "$from takes a reference such as search.result.id",
        ),
        ({"$py": "os.path.isabs"}, ("$py",), "$py needs 'package.module:function'"),
        ({"$py": 3}, ("$py",), "$py needs 'package.module:function'"),
        ({"$py": "no_such_module_xyz:f"}, ("$py",), "pythonpath"),
        ({"$py": "os.path:no_such_fn"}, ("$py",), "has no attribute 'no_such_fn'"),
        ({"$py": f"{HERE}:NOT_CALLABLE"}, ("$py",), "is not callable"),
        # locations nest through every container
        ({"a": [0, {"$regx": 1}]}, ("a", 1, "$regx"), "unknown matcher"),
        ({"$any_of": [1, {"$in": 2}]}, ("$any_of", 1, "$in"), "$in needs"),
        ({"$contains": [{"$bad": 1}]}, ("$contains", 0, "$bad"), "unknown matcher"),
        ({"$contains": {"$bad": 1}}, ("$contains", "$bad"), "unknown matcher"),
        ({"$subset": {"k": {"$bad": 1}}}, ("$subset", "k", "$bad"), "unknown matcher"),
        (
            {"$optional": {"$each": {"$bad": 1}}},
            ("$optional", "$each", "$bad"),
            "unknown",
        ),
        (
            {"$not": {"$len": {"$gt": "x"}}},
            ("$not", "$len", "$gt"),
            "$gt needs a finite number",
        ),
        ({1: "a"}, ("1",), "keys must be strings"),
    ],
)
def test_matcher_errors(raw, location, fragment):
    with pytest.raises(MatcherError) as info:
        compile_matcher(raw)
    assert info.value.location == location
    assert fragment in info.value.message
    assert str(info.value) == info.value.message


def test_eq_does_not_interpret_its_value():
    assert matches({"$eq": {"$regx": 1}}, {"$regx": 1})


def test_argument_errors_locate_from_the_argument_name():
    with pytest.raises(MatcherError) as info:
        compile_arguments({"city": {"$regx": "a"}})
    assert info.value.location == ("city", "$regx")
    with pytest.raises(MatcherError) as info:
        compile_arguments({"x": {"$any_of": ["a", {"$regex": "("}]}})
    assert info.value.location == ("x", "$any_of", 1, "$regex")
    with pytest.raises(MatcherError) as info:
        compile_arguments({"$subset": {"a": 1}})
    assert info.value.location == ("$subset",)


# --- properties ---------------------------------------------------------------------

plain_text = st.text(max_size=8).filter(lambda s: not s.startswith("$"))


def json_values(
    text: st.SearchStrategy[str], max_leaves: int = 10
) -> st.SearchStrategy[object]:
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | text
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4)
        ),
        max_leaves=max_leaves,
    )


@quick
@given(json_values(plain_text))
def test_literal_matches_itself(value):
    assert compile_matcher(value).mismatches(value) == []


@quick
@given(json_values(st.text(max_size=8)))
def test_eq_matches_itself(value):
    assert matches({"$eq": value}, value)


@quick
@given(st.lists(json_values(plain_text, max_leaves=3), max_size=6), st.randoms())
def test_set_matches_any_shuffle(items, rng):
    shuffled = list(items)
    rng.shuffle(shuffled)
    assert matches({"$set": items}, shuffled)


# Small domains, so that a greedy assignment often picks the wrong element.
small_matchers = st.one_of(
    st.integers(0, 3),
    st.builds(lambda n: {"$gte": n}, st.integers(0, 3)),
    st.builds(lambda n: {"$lte": n}, st.integers(0, 3)),
    st.builds(lambda ns: {"$in": ns}, st.lists(st.integers(0, 3), min_size=1)),
)


@settings(quick, max_examples=150)
@given(
    st.lists(small_matchers, min_size=1, max_size=4),
    st.lists(st.integers(0, 3), min_size=1, max_size=5),
)
def test_contains_agrees_with_brute_force(raws, values):
    matchers = [compile_matcher(raw) for raw in raws]
    expected = any(
        all(m.matches(values[j]) for m, j in zip(matchers, chosen, strict=True))
        for chosen in itertools.permutations(range(len(values)), len(matchers))
    )
    assert matches({"$contains": raws}, values) == expected


@quick
@given(
    st.sampled_from(
        [
            1,
            "a",
            None,
            [1, 2],
            {"$gt": 0},
            {"$type": "string"},
            {"$regex": "a.*"},
            {"$len": 2},
            {"$in": [1, "a", None]},
            {"$contains": 1},
            {"$any_of": [{"$lt": 0}, "a"]},
        ]
    ),
    json_values(st.sampled_from(["a", "b", "ab", ""])),
)
def test_not_inverts(raw, value):
    assert matches({"$not": raw}, value) != matches(raw, value)


def test_compiled_matchers_are_matchers():
    assert isinstance(compile_matcher({"$gt": 1}), Matcher)
    assert "x > 1" in repr(compile_matcher({"$gt": 1}))
