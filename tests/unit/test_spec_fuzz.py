"""Fuzzing specs, hostile specs, and matchers against a reference.

* Specs are generated from the shipped JSON Schema (``schema/fncall.schema.json``): a
  small generic generator walks it, with domain strategies for its free-form parts
  (tool names, argument matchers, tool schemas). They are dumped to YAML and mutated
  (keys dropped, renamed or duplicated, types swapped, garbage inserted, text cut).
  ``load_spec`` must load them or raise :class:`SpecError` whose problems each have a
  message and a line (None only for a problem with the whole file): never another
  exception, never the "internal error" safety net, and always within seconds.
* Hostile specs, one by one: alias bombs, deep nesting, huge files, bytes that are not
  UTF-8, duplicate keys, invalid and recursive schemas, regexes that do not compile or
  backtrack catastrophically, matchers given the wrong types, tool files escaping the
  project.
* Matchers that ``test_matchers.py`` does not yet check against a simple reference.

The default profile runs about 100 examples per property (the file takes a few
seconds); ``--hypothesis-profile=fuzz-long`` runs 20 times more (see the profile below).
"""

from __future__ import annotations

import copy
import importlib.resources
import json
import math
import operator
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from pytest_fncall import loader, regex_guard
from pytest_fncall.errors import SpecError, SpecProblem
from pytest_fncall.loader import INTERNAL_ERROR, load_spec
from pytest_fncall.matchers import MISSING, MatcherError, compile_matcher
from pytest_fncall.regex_guard import (
    MAX_REGEX_INPUT,
    regex_check,
    regex_problem,
)
from pytest_fncall.tool_sources import ALLOW_OUTSIDE_ROOT_OPTION
from pytest_fncall.validation import schema_issues, schema_problem
from pytest_fncall.yamlfile import MAX_DEPTH, MAX_FILE_BYTES, MAX_VALUES

# The profile for long CI runs. pytest's --hypothesis-profile loads profiles while
# pytest configures, before test modules are imported, so the option also needs this
# registration in tests/conftest.py; here it documents the profile and lets
# `settings.load_profile("fuzz-long")` work. The default profile is left alone.
FUZZ_LONG = {"max_examples": 2_000, "deadline": None}
try:
    settings.get_profile("fuzz-long")
except InvalidArgument:
    settings.register_profile("fuzz-long", **FUZZ_LONG)

# No max_examples here: it comes from the active profile (100 by default).
fuzz = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SECONDS = 5.0  # any one spec, however hostile, is loaded or refused within this

SCHEMA: dict[str, Any] = json.loads(
    importlib.resources.files("pytest_fncall")
    .joinpath("schema/fncall.schema.json")
    .read_text(encoding="utf-8")
)


# --- hostile specs, checked one by one -----------------------------------------------

TOOLS = """\
version: 1
tools:
  - name: get_weather
    parameters:
      type: object
      properties:
        city: {type: string}
"""


def write(tmp_path: Path, text: str | bytes, name: str = "s.fncall.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


def refused(path: Path, **kwargs: Any) -> list[SpecProblem]:
    """The problems of a spec that must be refused cleanly, within seconds."""
    start = time.perf_counter()
    with pytest.raises(SpecError) as info:
        load_spec(path, **kwargs)
    assert time.perf_counter() - start < SECONDS
    problems = list(info.value.problems)
    assert problems
    for problem in problems:
        assert INTERNAL_ERROR not in problem.message
    return problems


def only(path: Path, **kwargs: Any) -> SpecProblem:
    (problem,) = refused(path, **kwargs)
    return problem


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    (found,) = [n for n, text in enumerate(lines, 1) if needle in text]
    return found


def case(expect: str, extra: str = "") -> str:
    return TOOLS + "cases:\n  - id: a\n    prompt: hi\n" + extra + expect


BILLION_LAUGHS = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_alias_bomb_is_refused_within_seconds(tmp_path: Path) -> None:
    text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + BILLION_LAUGHS
    path = write(tmp_path, text)
    start = time.perf_counter()
    problem = only(path)

    assert time.perf_counter() - start < 2.0  # about 0.3 s: room for a loaded CI
    assert problem.line is not None
    assert "alias bomb" in problem.message


def test_merge_key_bomb_is_bounded(tmp_path: Path) -> None:
    lines = ["a0: &a0 {x: 1, y: 2}"] + [
        f"a{i}: &a{i} {{<<: [*a{i - 1}, *a{i - 1}]}}" for i in range(1, 40)
    ]
    path = write(tmp_path, "\n".join(lines) + "\n")
    start = time.perf_counter()
    problem = only(path)

    assert time.perf_counter() - start < 2.0
    assert problem.line == 1  # a0 is not a key of a spec


def _flatten_without_dropping_repeats(self: Any, node: Any) -> None:
    """``flatten_mapping`` as older PyYAML releases wrote it."""
    merge: list[Any] = []
    index = 0
    while index < len(node.value):
        key_node, value_node = node.value[index]
        if key_node.tag != "tag:yaml.org,2002:merge":
            index += 1
            continue
        del node.value[index]
        subnodes = value_node.value if isinstance(value_node.value, list) else []
        for subnode in reversed([s for s in subnodes if hasattr(s, "tag")]):
            self.flatten_mapping(subnode)
            merge.extend(subnode.value)
    node.value = merge + node.value


def test_merge_key_bomb_is_bounded_with_older_pyyaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        yaml.constructor.SafeConstructor,
        "flatten_mapping",
        _flatten_without_dropping_repeats,
    )
    # One value, so that a single flatten_mapping call meets the whole chain.
    chain = "&a0 {x: 1, y: 2}"
    for i in range(1, 40):
        chain = f"&a{i} {{<<: [{chain}, *a{i - 1}]}}"
    start = time.perf_counter()
    problem = only(write(tmp_path, f"bomb: {chain}\n"))

    assert time.perf_counter() - start < 2.0
    assert "alias bomb" in problem.message
    assert problem.line is not None


def test_recursive_alias_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\ncases:\n- &c\n  id: a\n  self: *c\n")

    problem = only(path)
    assert problem.line is not None
    assert f"nested more than {MAX_DEPTH} levels deep" in problem.message


def nested(depth: int) -> str:
    """A flow value whose deepest list is ``depth`` levels below ``args.city``."""
    return "[" * depth + "]" * depth


def test_nesting_at_the_limit_loads_and_one_more_level_is_refused(
    tmp_path: Path,
) -> None:
    # Root mapping 1, cases 2, case 3, expect 4, args 5, city's value from 6.
    room = MAX_DEPTH - 5
    fits = write(
        tmp_path,
        case(
            f"    expect: {{call: get_weather, args: {{city: {{$eq: {nested(room - 1)}}}}}}}\n"
        ),
    )
    load_spec(fits)
    deep = write(
        tmp_path,
        case(
            f"    expect: {{call: get_weather, args: {{city: {nested(room + 1)}}}}}\n"
        ),
    )

    problem = only(deep)
    assert problem.line == line_of(deep, "expect:")
    assert problem.key_path.startswith("cases[0].expect.args.city[0][0]")
    assert "more>" in problem.key_path  # a long path is shown by its ends
    assert problem.message == f"nested more than {MAX_DEPTH} levels deep"


@pytest.mark.parametrize("opening", ["[", "{a: "])
def test_very_deep_flow_nesting_is_refused_with_a_line(
    tmp_path: Path, opening: str
) -> None:
    closing = "]" if opening == "[" else "}"
    value = opening * 900 + "1" + closing * 900
    path = write(tmp_path, case(f"    settings: {{x: {value}}}\n"))

    problem = only(path)
    assert problem.line == line_of(path, "settings:")
    assert "nest" in problem.message


def test_huge_file_is_refused_by_size_before_parsing(tmp_path: Path) -> None:
    path = write(tmp_path, TOOLS + "# padding\n" * 2_000_000)  # 20 MB
    start = time.perf_counter()
    problem = only(path)

    assert time.perf_counter() - start < 2.0
    assert (problem.line, problem.key_path) == (None, "")
    assert "files over 10 MB (10,000,000 bytes) are refused" in problem.message
    assert f"the file is {path.stat().st_size:,} bytes" in problem.message


def test_size_limit_is_inclusive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = case("")
    monkeypatch.setattr("pytest_fncall.yamlfile.MAX_FILE_BYTES", len(text))
    load_spec(write(tmp_path, text))

    problem = only(write(tmp_path, text + "#"))
    assert "are refused" in problem.message


def test_file_just_under_the_limit_with_too_many_values_is_refused_quickly(
    tmp_path: Path,
) -> None:
    items = "1," * ((MAX_FILE_BYTES - 1000) // 2)
    path = write(tmp_path, case(f"    settings: {{x: [{items}]}}\n"))
    start = time.perf_counter()
    problem = only(path)

    assert time.perf_counter() - start < 3.0
    assert problem.line == line_of(path, "settings:")
    assert f"more than {MAX_VALUES} values" in problem.message


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        (b"version: 1\ncases:\n  - id: a\n    prompt: caf\xe9\n", "line 4, column 16"),
        (b"\xff\xfev\x00e\x00r\x00", "line 1, column 1"),  # UTF-16
        (b"version: 1\n\x80\n", "line 2, column 1"),
    ],
)
def test_bytes_that_are_not_utf8_name_their_line(
    tmp_path: Path, raw: bytes, where: str
) -> None:
    problem = only(write(tmp_path, raw))

    assert problem.line is None  # the file as a whole is not text
    assert problem.message.startswith("not UTF-8 text: ")
    assert f"({where})" in problem.message


def test_control_character_names_its_line(tmp_path: Path) -> None:
    problem = only(write(tmp_path, case("    expect: {call: get_weather}\n\x00")))

    assert problem.line == 12
    assert "unacceptable character #x0000" in problem.message


@pytest.mark.parametrize(
    ("body", "key_path"),
    [
        ("version: 1\ncases: []\nversion: 1\n", "version"),
        (case("    prompt: again\n"), "cases[0].prompt"),
        (
            case(
                "    expect:\n      call: get_weather\n      args: {city: a, city: b}\n"
            ),
            "cases[0].expect.args.city",
        ),
        (
            TOOLS + "        city: {type: string}\ncases: [{id: a, prompt: x}]\n",
            "tools[0].parameters.properties.city",
        ),
    ],
)
def test_duplicate_keys_anywhere(tmp_path: Path, body: str, key_path: str) -> None:
    problem = only(write(tmp_path, body))

    assert problem.key_path == key_path
    assert re.fullmatch(r"duplicate key '\w+' \(first at line \d+\)", problem.message)


def test_integer_of_thousands_of_digits_is_a_spec_error(tmp_path: Path) -> None:
    path = write(tmp_path, case("    settings: {seed: " + "9" * 5000 + "}\n"))

    problem = only(path)
    assert (problem.line, problem.key_path) == (
        line_of(path, "seed"),
        "cases[0].settings.seed",
    )
    assert problem.message.startswith("unreadable value: ")


# -- JSON Schemas: invalid and recursive ----------------------------------------------

RECURSIVE_SCHEMAS = {
    "ref-cycle": (
        {"$defs": {"x": {"$ref": "#/$defs/y"}, "y": {"$ref": "#/$defs/x"}}},
        "#/$defs/x -> #/$defs/y -> #/$defs/x",
    ),
    "ref-to-itself": ({"$ref": "#"}, "# -> #"),
    "allOf-cycle": (
        {"$defs": {"x": {"allOf": [{"$ref": "#/$defs/x"}]}}},
        "#/$defs/x -> #/$defs/x/allOf/0 -> #/$defs/x",
    ),
    "not-cycle": ({"$defs": {"x": {"not": {"$ref": "#/$defs/x"}}}}, "#/$defs/x"),
    "draft-7": (
        {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "definitions": {"x": {"anyOf": [{"$ref": "#/definitions/x"}]}},
        },
        "#/definitions/x",
    ),
}


@pytest.mark.parametrize(
    ("schema", "shown"), RECURSIVE_SCHEMAS.values(), ids=RECURSIVE_SCHEMAS
)
def test_schema_loops_are_refused(schema: dict[str, Any], shown: str) -> None:
    start = time.perf_counter()
    problem = schema_problem({"type": "object", **schema})

    assert time.perf_counter() - start < 1.0
    assert problem is not None
    assert problem.startswith("the schema loops without reaching into the value: ")
    assert shown in problem


def test_recursive_schema_that_reaches_into_the_value_is_accepted_and_works() -> None:
    tree = {
        "type": "object",
        "properties": {"children": {"type": "array", "items": {"$ref": "#"}}},
        "additionalProperties": False,
    }
    assert schema_problem(tree) is None

    value: dict[str, Any] = {"children": []}
    for _ in range(30):
        value = {"children": [value]}
    assert schema_issues(value, tree) == []
    wrong = {"children": [{"children": [{"name": 1}]}]}
    (issue,) = schema_issues(wrong, tree)
    assert issue.json_path == "$.children[0].children[0]"


def test_value_nested_beyond_the_stack_is_an_issue_not_a_crash() -> None:
    tree = {"type": "array", "items": {"$ref": "#"}}
    value: list[Any] = []
    for _ in range(5000):
        value = [value]

    (issue,) = schema_issues(value, tree)
    assert issue.message == "nested too deeply to check"


@pytest.mark.parametrize(
    ("ref", "phrase"),
    [
        ("#/$defs/nope", "no such place in this schema"),
        ("https://example.com/s.json", "remote and file references are not fetched"),
        ("other.json", "remote and file references are not fetched"),
        ("../../etc/passwd", "remote and file references are not fetched"),
    ],
)
def test_unresolvable_refs_are_refused_and_never_fetched(
    ref: str, phrase: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("a $ref was fetched")

    monkeypatch.setattr("urllib.request.urlopen", no_network)
    problem = schema_problem({"type": "object", "properties": {"a": {"$ref": ref}}})

    assert problem is not None
    assert problem.startswith(f"cannot resolve $ref {ref!r} at #/properties/a: ")
    assert phrase in problem


def test_meta_schema_refs_resolve_without_the_network() -> None:
    meta = {"$ref": "https://json-schema.org/draft/2020-12/schema"}
    assert schema_problem({"type": "object", "properties": {"s": meta}}) is None


@pytest.mark.parametrize(
    ("parameters", "phrase"),
    [
        ("{type: object, properties: {a: {type: strin}}}", "invalid JSON Schema at"),
        ("{type: object, required: a}", "invalid JSON Schema at required"),
        ("{type: object, properties: {a: {$ref: '#'}}, $ref: '#'}", "loops"),
        ("{type: object, properties: {a: {pattern: '(a+)+$'}}}", "catastrophically"),
        ("{type: object, patternProperties: {'(x|x)*': {}}}", "catastrophically"),
        ("{type: object, properties: {a: {$ref: 'http://x.invalid/a'}}}", "fetched"),
        ("{type: object, properties: {a: {pattern: '('}}}", "'(' is not a 'regex'"),
    ],
)
def test_tool_schema_problems_are_spec_errors(
    tmp_path: Path, parameters: str, phrase: str
) -> None:
    path = write(
        tmp_path,
        f"version: 1\ntools:\n  - name: t\n    parameters: {parameters}\n"
        "cases: [{id: a, prompt: x}]\n",
    )

    problem = only(path)
    assert (problem.line, problem.key_path) == (4, "tools[0].parameters")
    assert problem.message.startswith("t: ")
    assert phrase in problem.message


def test_schema_matcher_with_a_loop_is_a_spec_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        case("    expect: {call: get_weather, args: {city: {$schema: {$ref: '#'}}}}\n"),
    )

    problem = only(path)
    assert problem.key_path == "cases.a.expect.args.city.$schema"
    assert "loops" in problem.message


# -- regexes ----------------------------------------------------------------------------

CATASTROPHIC = [
    r"(a+)+$",
    r"(a*)*$",
    r"(a|a)*$",
    r"(a|aa)+$",
    r"^(\w+\s?)*$",
    r"(.*,)*x",
    r"(\d+|,)*$",
    r"(a{1,5})+$",
    r"(?:x(?:a|a)y)*z",
    r"(?i)(A+a)+$",
]
SAFE = [
    r"(?i)paris",
    r"\d{4}-\d{2}-\d{2}",
    r"^(\d+,)*\d+$",
    r"(x+y+)+$",
    r"(ab|a)*$",
    r"(?:[a-z]+\.)+com",
    r'"(?:[^"\\]|\\.)*"',
    r"(?:\s*,\s*\w+)*",
    r"(?>a+)+$",
    r".*",
    r"(foo|bar)*",
]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
@pytest.mark.parametrize("name", ["$regex", "$search"])
def test_catastrophic_regex_is_a_spec_error(
    tmp_path: Path, pattern: str, name: str
) -> None:
    path = write(
        tmp_path,
        case(
            f"    expect:\n      call: get_weather\n      args: {{city: {{{name}: '{pattern}'}}}}\n"
        ),
    )

    problem = only(path)
    assert (problem.line, problem.key_path) == (
        line_of(path, name),
        f"cases.a.expect.args.city.{name}",
    )
    assert problem.message.startswith(f"{name}: ")
    assert "backtrack catastrophically" in problem.message


@pytest.mark.parametrize("pattern", SAFE)
def test_usual_regexes_are_accepted(pattern: str) -> None:
    assert regex_problem(pattern) is None


def test_uncompilable_regex_is_a_spec_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        case(
            "    expect:\n      call: get_weather\n      args: {city: {$regex: '[a-'}}\n"
        ),
    )

    problem = only(path)
    assert problem.key_path == "cases.a.expect.args.city.$regex"
    assert problem.message.startswith("invalid regular expression for $regex: ")


@pytest.fixture
def short_regex_timeout(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Stop child regex checks after 0.3 s; no results kept from before or for after
    (they are cached per pattern and value, the message naming the timeout)."""
    monkeypatch.setattr(regex_guard, "REGEX_SECONDS", 0.3)
    regex_guard._check.cache_clear()
    yield
    regex_guard._check.cache_clear()


@pytest.mark.usefixtures("short_regex_timeout")
def test_nested_quantifier_against_long_output_terminates() -> None:
    # Refused in specs; were it ever used, it would run in a child stopped in time.
    start = time.perf_counter()
    result = regex_check("(a+)+$", "a" * 30 + "b", search=False)

    assert time.perf_counter() - start < 5.0
    assert result == (
        "the regex check was stopped after 0.3 s: the pattern backtracks too much on "
        "this value"
    )


@pytest.mark.usefixtures("short_regex_timeout")
def test_polynomial_regex_on_long_output_is_stopped() -> None:
    # Three ambiguous quantifiers searched for: about n**4 steps, minutes at n=10,000.
    matcher = compile_matcher({"$search": "a.*a.*a.*b"})
    start = time.perf_counter()
    (mismatch,) = matcher.mismatches("a" * MAX_REGEX_INPUT)

    assert time.perf_counter() - start < 5.0
    assert "the regex check was stopped after 0.3 s" in mismatch.message


def test_slow_pattern_still_gives_the_right_answer_when_it_finishes() -> None:
    value = "a" * 2000 + "b"
    assert regex_check("a.*a.*b", value, search=True) is True  # in a child process
    assert regex_check("a.*a.*c", "a" * 100, search=True) is False


@pytest.mark.parametrize("name", ["$regex", "$search"])
def test_value_over_the_regex_limit_is_a_mismatch(name: str) -> None:
    matcher = compile_matcher({name: "a*"})

    assert matcher.matches("a" * MAX_REGEX_INPUT)
    (mismatch,) = matcher.mismatches("a" * (MAX_REGEX_INPUT + 1))
    assert "10,001 characters, too long for a regex check (limit 10,000)" in (
        mismatch.message
    )


def test_schema_pattern_is_bounded_too() -> None:
    schema = {"type": "object", "properties": {"a": {"pattern": "^a*$"}}}

    assert schema_issues({"a": "a" * MAX_REGEX_INPUT}, schema) == []
    (issue,) = schema_issues({"a": "a" * (MAX_REGEX_INPUT + 1)}, schema)
    assert "too long for a regex check" in issue.message
    (issue,) = schema_issues({"a": "ab"}, schema)
    assert issue.message == "'ab' does not match '^a*$'"


# -- matchers given the wrong types -----------------------------------------------------

WRONG_TYPES = [
    "{$regex: 5}",
    "{$search: [a]}",
    "{$regex: a, case: false}",
    "{$in: abc}",
    "{$in: []}",
    "{$type: 5}",
    "{$type: []}",
    "{$type: [string, {}]}",
    "{$schema: 5}",
    "{$schema: {type: 5}}",
    "{$len: -1}",
    "{$len: x}",
    "{$len: true}",
    "{$range: [1]}",
    "{$range: [b, a]}",
    "{$range: [3, 1]}",
    "{$approx: x}",
    "{$approx: 1, abs: -1}",
    "{$approx: 1, rel: x}",
    "{$gt: null}",
    "{$lte: true}",
    "{$set: 1}",
    "{$set: [1], split: ''}",
    "{$subset: [1]}",
    "{$any_of: 1}",
    "{$all_of: []}",
    "{$any: 1}",
    "{$absent: false}",
    "{$py: 1}",
    "{$py: nocolon}",
    "{$py: 'os:path', kwargs: 1}",
    "{$text: 1}",
    "{$text: a, whitespace: some}",
    "{$ieq: [1]}",
    "{$loose: {}}",
    "{$from: x}",
    "{$nope: 1}",
    "{$not: {$gt: x}}",
    "{$each: {$in: 1}}",
    "{$contains: [{$len: x}]}",
]


@pytest.mark.parametrize("matcher", WRONG_TYPES)
def test_matcher_given_the_wrong_type_is_a_spec_error(
    tmp_path: Path, matcher: str
) -> None:
    path = write(
        tmp_path,
        case(
            f"    expect:\n      call: get_weather\n      args:\n        city: {matcher}\n"
        ),
    )

    problem = only(path)
    assert problem.line == line_of(path, "city: {$")
    assert problem.key_path.startswith("cases.a.expect.args.city.")
    assert problem.message


# -- tools files ------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """``tmp_path/project``, the root, with ``specs/`` and ``tools.json`` inside it, and
    ``secret.json`` beside it, outside."""
    root = tmp_path / "project"
    (root / "specs").mkdir(parents=True)
    tool = json.dumps([{"name": "t", "parameters": {"type": "object"}}])
    (root / "tools.json").write_text(tool, encoding="utf-8")
    (tmp_path / "secret.json").write_text(tool, encoding="utf-8")
    return root


def spec_with_file(root: Path, file: str) -> Path:
    return write(
        root / "specs",
        f"version: 1\ntools:\n  - file: '{file}'\ncases: [{{id: a, prompt: x}}]\n",
    )


@pytest.mark.parametrize("file", ["../tools.json", "../specs/../tools.json"])
def test_tools_file_inside_the_root_is_read(project: Path, file: str) -> None:
    loaded = load_spec(spec_with_file(project, file), root=project)

    assert [tool.name for tool in loaded.tools] == ["t"]


@pytest.mark.parametrize("file", ["../../secret.json", "{secret}"])
def test_tools_file_outside_the_root_is_refused(project: Path, file: str) -> None:
    secret = project.parent / "secret.json"
    path = spec_with_file(project, file.format(secret=secret))

    problem = only(path, root=project)
    assert (problem.line, problem.key_path) == (3, "tools[0].file")
    assert problem.message == (
        f"tools file {secret} is outside the project root {project}; files outside "
        f"the root are refused unless the ini option {ALLOW_OUTSIDE_ROOT_OPTION} is "
        "true"
    )
    # Without a root (the default, as before) it is read.
    assert load_spec(path).tools[0].name == "t"


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges")
def test_symlink_out_of_the_root_is_refused(project: Path) -> None:
    (project / "link.json").symlink_to(project.parent / "secret.json")
    (project / "inner.json").symlink_to(project / "tools.json")

    problem = only(spec_with_file(project, "../link.json"), root=project)
    assert "leads through a symlink to" in problem.message
    assert str((project.parent / "secret.json").resolve()) in problem.message
    assert ALLOW_OUTSIDE_ROOT_OPTION in problem.message
    loaded = load_spec(spec_with_file(project, "../inner.json"), root=project)
    assert loaded.tools[0].name == "t"


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges")
def test_symlink_loop_is_a_spec_error(project: Path) -> None:
    (project / "loop.json").symlink_to(project / "loop.json")

    for root in (project, None):
        problem = only(spec_with_file(project, "../loop.json"), root=root)
        assert problem.key_path == "tools[0].file"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_fifo_is_not_read(project: Path) -> None:
    os.mkfifo(project / "fifo.json")
    start = time.perf_counter()
    problem = only(spec_with_file(project, "../fifo.json"), root=project)

    assert time.perf_counter() - start < 1.0
    assert problem.message.endswith("fifo.json: not a regular file")


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        ('{"name": "t", "name": "u"}', "duplicate key 'name'"),
        ("[" * 100 + "]" * 100, f"nested more than {MAX_DEPTH} levels deep"),
        ("[" + "0," * MAX_VALUES + "0]", f"more than {MAX_VALUES} values"),
        ("version: 1\ncases: \xff", "invalid JSON"),
    ],
)
def test_hostile_tools_json(project: Path, content: str, phrase: str) -> None:
    (project / "bad.json").write_text(content, encoding="utf-8")

    problem = only(spec_with_file(project, "../bad.json"), root=project)
    assert problem.key_path == "tools[0].file"
    assert phrase in problem.message


def test_huge_tools_file_is_refused(project: Path) -> None:
    (project / "big.yaml").write_bytes(b"#" * (MAX_FILE_BYTES + 1))

    problem = only(spec_with_file(project, "../big.yaml"), root=project)
    assert "files over 10 MB" in problem.message


def test_a_bug_is_a_spec_error_asking_for_a_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise TypeError("boom")

    monkeypatch.setattr(loader, "compile_expectation", broken)
    path = write(tmp_path, case(""))
    with pytest.raises(SpecError) as info:
        load_spec(path)

    (problem,) = info.value.problems
    assert problem.message == f"{INTERNAL_ERROR} (TypeError: boom); please report it"
    assert isinstance(info.value.__cause__, TypeError)


# --- specs generated from the spec's JSON Schema ---------------------------------------

TOOL_NAMES = ["get_weather", "get_time", "search", "t"]
IDS = ["a", "b", "c", "x.1", "y-2"]
KEYS = ["city", "unit", "days", "q", "tz"]
words = st.text(alphabet="abcxyz XYZ_.-:#'\"{}[]$\\é\t", max_size=12)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | words
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS) | words, inner, max_size=3)
    ),
    max_leaves=8,
)
safe_patterns = st.sampled_from([*SAFE, *CATASTROPHIC, "[a-", "(?P<x>a)(?P=x)", "\\"])


def matcher_values(depth: int = 2) -> st.SearchStrategy[Any]:
    """Argument values the way a spec writes them: literals and matchers, nested."""
    leaf = json_values | st.sampled_from(["$any", "$absent"])
    if depth == 0:
        return leaf
    inner = st.deferred(lambda: matcher_values(depth - 1))
    numbers = st.integers(-5, 5) | st.floats(-5, 5)
    ops: list[st.SearchStrategy[Any]] = [
        st.builds(lambda v: {"$eq": v}, json_values),
        st.builds(lambda v: {"$in": v}, st.lists(json_values, max_size=3)),
        st.builds(lambda v: {"$optional": v}, inner),
        st.builds(
            lambda v: {"$type": v},
            st.sampled_from(["string", "number", "array", ["null", "integer"], "x"]),
        ),
        st.builds(lambda v: {"$schema": v}, schemas(1)),
        st.builds(lambda v: {"$regex": v}, safe_patterns),
        st.builds(lambda v: {"$search": v}, safe_patterns),
        st.builds(
            lambda v, c, w: {"$text": v, "case": c, "whitespace": w},
            words,
            st.booleans(),
            st.sampled_from(["collapse", "exact", "ignore", "other"]),
        ),
        st.builds(lambda v: {"$ieq": v}, words),
        st.builds(lambda v: {"$loose": v}, words),
        st.builds(lambda v, a: {"$approx": v, "abs": a}, numbers, numbers),
        st.builds(lambda a, b: {"$range": [a, b]}, numbers | st.none(), numbers),
        st.builds(
            lambda op, v: {op: v},
            st.sampled_from(["$gt", "$gte", "$lt", "$lte"]),
            numbers,
        ),
        st.builds(lambda v: {"$len": v}, st.integers(-1, 4) | inner),
        st.builds(lambda v: {"$contains": v}, inner | st.lists(inner, max_size=3)),
        st.builds(
            lambda v, s: {"$set": v, "split": s},
            st.lists(inner, max_size=3),
            st.sampled_from([None, ",", ""]),
        ),
        st.builds(
            lambda v: {"$subset": v},
            st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
        ),
        st.builds(lambda v: {"$each": v}, inner),
        st.builds(lambda v: {"$not": v}, inner),
        st.builds(
            lambda op, v: {op: v},
            st.sampled_from(["$any_of", "$all_of"]),
            st.lists(inner, max_size=3),
        ),
        st.builds(
            lambda v: {"$py": v}, st.sampled_from(["os.path:isabs", "nope:x", "x"])
        ),
        st.builds(
            lambda k, v: {k: v},
            st.sampled_from(["$any", "$absent", "$from", "$bogus"]),
            json_values,
        ),
    ]
    return (
        leaf
        | st.one_of(ops)
        | st.dictionaries(st.sampled_from(KEYS), inner, max_size=2)
    )


def schemas(depth: int = 2) -> st.SearchStrategy[Any]:
    """Tool parameter schemas: mostly valid, some invalid, recursive or hostile."""
    simple = st.sampled_from(
        [
            {"type": "string"},
            {"type": "integer", "minimum": 0},
            {"type": "number"},
            {"type": "boolean"},
            {"type": "string", "enum": ["celsius", "fahrenheit"]},
            {"type": "string", "pattern": "^[A-Z]"},
            {"type": "strin"},
            {"$ref": "#"},
            {"$ref": "#/$defs/missing"},
            {"$ref": "https://example.invalid/s.json"},
            {"pattern": "(a+)+$"},
            True,
            False,
        ]
    )
    if depth == 0:
        return simple
    inner = st.deferred(lambda: schemas(depth - 1))
    return simple | st.fixed_dictionaries(
        {"type": st.just("object")},
        optional={
            "properties": st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
            "required": st.lists(st.sampled_from(KEYS), max_size=2, unique=True),
            "additionalProperties": st.booleans(),
            "$defs": st.dictionaries(st.sampled_from(["d", "e"]), inner, max_size=2),
            "allOf": st.lists(inner, max_size=2),
            "items": inner,
        },
    )


# Strategies for the schema's free-form parts (and a few names worth clashing), by
# property name; everything else follows the schema.
OVERRIDES: dict[str, st.SearchStrategy[Any]] = {
    "tool": st.sampled_from([*TOOL_NAMES, "get_*", "nope"]),
    "call": st.sampled_from([*TOOL_NAMES, "get_*", "nope"]),
    "name": st.sampled_from([*TOOL_NAMES, "nope"]),
    "file": st.sampled_from(
        ["tools.json", "tools.yaml", "../outside.json", "missing.json", "."]
    ),
    "id": st.sampled_from(IDS) | st.from_regex(r"[A-Za-z0-9_.-]{1,6}", fullmatch=True),
    "args": st.dictionaries(st.sampled_from(KEYS), matcher_values(), max_size=3),
    "parameters": schemas(),
    "settings": st.dictionaries(
        st.sampled_from(["temperature", "seed"]), json_values, max_size=2
    ),
    "before": st.lists(
        st.lists(st.sampled_from(IDS), min_size=2, max_size=2), max_size=2
    ),
    "include": st.lists(st.sampled_from([*TOOL_NAMES, "get_*"]), max_size=2),
    "exclude": st.lists(st.sampled_from([*TOOL_NAMES, "get_*"]), max_size=2),
    "forbid_tools": st.lists(st.sampled_from([*TOOL_NAMES, "get_*"]), max_size=2),
    "marks": st.lists(
        st.sampled_from(
            [
                "slow",
                "bad-name",
                {"skip": "why"},
                {"xfail": {"strict": True}},
                {"a": 1, "b": 2},
            ]
        ),
        max_size=2,
    ),
    "tool_calls": st.lists(st.dictionaries(words, json_values, max_size=2), max_size=2),
}


def _one_input(case: dict[str, Any], messages: bool) -> dict[str, Any]:
    if messages and case.get("messages") is not None:
        case.pop("prompt", None)
    else:
        case.pop("messages", None)
        case["prompt"] = case.get("prompt") or "hi"
    case.setdefault("expect", {"call": "get_weather"})
    return case


def _one_expectation(expect: dict[str, Any], single: bool) -> dict[str, Any]:
    if expect.get("no_call"):
        keep = ("no_call", "forbid", "forbid_tools")
        return {key: value for key, value in expect.items() if key in keep}
    if expect.get("call") is not None and expect.get("calls") is not None:
        expect.pop("calls" if single else "call")
    if expect.get("call") is None and expect.get("calls") is None:
        expect["call"] = "get_time"
    if expect.get("call") is None:
        expect.pop("args", None)
        expect.pop("args_mode", None)
    if expect.get("calls") is None:
        expect.pop("match", None)
        expect.pop("before", None)
    return expect


def _one_source(tool: dict[str, Any], file: bool) -> dict[str, Any]:
    if file and tool.get("file") is not None:
        return {"file": tool["file"]}
    tool.pop("file", None)
    tool["name"] = tool.get("name") or "t"
    return tool


def _one_threshold(repeat: dict[str, Any], which: bool) -> dict[str, Any]:
    thresholds = ["min_pass_rate", "max_failures", "pass_hat_k"]
    given = [key for key in thresholds if repeat.get(key) is not None]
    for key in given[1:] if which else given[:-1]:
        del repeat[key]
    hat = repeat.get("pass_hat_k")
    if hat and hat["k"] > repeat["n"]:
        del repeat["pass_hat_k"]
    return repeat


def _declare_tools(spec: dict[str, Any], search: bool) -> dict[str, Any]:
    """Declare the tools that patterns name most (``search`` comes from tools files)."""
    declared = {t.get("name") for t in spec.get("tools") or () if isinstance(t, dict)}
    needed = ["get_weather", "get_time", "t", *(["search"] * search)]
    spec["tools"] = (spec.get("tools") or []) + [
        {"name": name, "parameters": {"type": "object"}}
        for name in needed
        if name not in declared
    ]
    return spec


# Rules the JSON Schema cannot express (one of prompt/messages, of call/calls...),
# applied to most generated definitions so that many specs are valid; the rest are
# left as the schema allows, and mutations break them anyway.
FIXES: dict[str, Callable[[dict[str, Any], bool], dict[str, Any]]] = {
    "Case": _one_input,
    "Expect": _one_expectation,
    "ToolSource": _one_source,
    "RepeatOptions": _one_threshold,
    "Spec": _declare_tools,
}


def _fixed(name: str, strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    fix = FIXES[name]
    return st.builds(
        lambda value, flag, apply: fix(value, flag) if apply else value,
        strategy,
        st.booleans(),
        st.integers(0, 9).map(lambda n: n < 9),  # fixed 9 times in 10
    )


def from_schema(node: Any, name: str | None = None) -> st.SearchStrategy[Any]:
    """A strategy for values of one node of the shipped JSON Schema."""
    if name in OVERRIDES:
        return OVERRIDES[name]
    if "$ref" in node:
        definition = node["$ref"].rsplit("/", 1)[1]
        target = SCHEMA["$defs"][definition]
        if definition in FIXES:
            return st.deferred(lambda: _fixed(definition, from_schema(target)))
        return st.deferred(lambda: from_schema(target))
    for keyword in ("anyOf", "oneOf"):
        if keyword in node:
            return st.one_of([from_schema(sub, name) for sub in node[keyword]])
    if "const" in node:
        return st.just(node["const"])
    if "enum" in node:
        return st.sampled_from(node["enum"])
    kind = node.get("type")
    if kind == "object":
        properties = node.get("properties")
        if not properties:
            return st.dictionaries(words, json_values, max_size=2)
        required = set(node.get("required", ()))
        strategies = {key: from_schema(sub, key) for key, sub in properties.items()}
        return st.fixed_dictionaries(
            {key: s for key, s in strategies.items() if key in required},
            optional={key: s for key, s in strategies.items() if key not in required},
        )
    if kind == "array":
        if "prefixItems" in node:
            return st.tuples(*map(from_schema, node["prefixItems"])).map(list)
        low = node.get("minItems", 0)
        return st.lists(
            from_schema(node.get("items", {})), min_size=low, max_size=low + 2
        )
    if kind == "string":
        if "pattern" in node:
            return st.from_regex(node["pattern"].strip("^$").join("^$"), fullmatch=True)
        return words
    if kind == "integer":
        return st.integers(node.get("minimum", -3), min(node.get("maximum", 5), 5))
    if kind == "number":
        return st.floats(node.get("minimum", -2), node.get("maximum", 2))
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    return json_values


specs = _fixed("Spec", from_schema(SCHEMA))


# --- mutations ---------------------------------------------------------------------------


def locations(data: Any) -> list[tuple[Any, Any]]:
    """Every (container, key or index) in ``data``."""
    found: list[tuple[Any, Any]] = []
    stack = [data]
    seen: set[int] = set()
    while stack:
        value = stack.pop()
        if id(value) in seen:  # a shared or cyclic value (an alias)
            continue
        seen.add(id(value))
        if isinstance(value, dict):
            found += [(value, key) for key in value]
            stack += value.values()
        elif isinstance(value, list):
            found += [(value, index) for index in range(len(value))]
            stack += value
    return found


OTHER_TYPES = st.sampled_from(
    [None, True, 0, -1, 2.5, "", "text", "$regex", [], [1, "a"], {}, {"$in": 1}, "{["]
)


@st.composite
def mutate_data(draw: st.DrawFn, data: Any) -> Any:
    """One change to the data: a key dropped or renamed, a value of another type,
    garbage inserted, an item duplicated, a value shared (an alias) or cyclic."""
    spots = locations(data)
    if not spots:
        return copy.deepcopy(draw(OTHER_TYPES))
    parent, key = draw(st.sampled_from(spots))
    action = draw(
        st.sampled_from(["drop", "retype", "rename", "insert", "duplicate", "share"])
    )
    if action == "drop":
        del parent[key]
    elif action == "retype":
        parent[key] = copy.deepcopy(draw(OTHER_TYPES | json_values))
    elif action == "rename" and isinstance(parent, dict):
        new = draw(
            st.sampled_from(
                [key[:-1], key + "x", key.upper(), "$" + key, "cases", "tools"]
            )
            | words
        )
        parent[new] = parent.pop(key)
    elif action == "insert":
        garbage = copy.deepcopy(draw(OTHER_TYPES | json_values))
        if isinstance(parent, dict):
            parent[
                draw(words | st.sampled_from(["mocks", "expcet", "$eq", "version"]))
            ] = garbage
        else:
            parent.insert(key, garbage)
    elif action == "duplicate" and isinstance(parent, list):
        parent.insert(key, parent[key])
    elif action == "share":  # the same object twice: an anchor and an alias
        other, other_key = draw(st.sampled_from(spots))
        parent[key] = other[other_key]  # maybe an ancestor: a cycle
    return data


GARBAGE = [
    b"\xff",
    b"\x00",
    b"\t",
    b"\xef\xbb\xbf",
    b"&a ",
    b"*a",
    b"*undefined",
    b"!!python/object/apply:os.system ['echo']",
    b"!!binary x",
    b"<<: *a\n",
    b"{",
    b"]",
    b"'",
    b'"',
    b"%YAML 1.2\n",
    b"---\n",
    b"...\n",
    b": ",
    b"- ",
    b"? ",
    b"|\n",
    b"#",
    b"@",
    b"9" * 5000,
    b"[" * 200,
]


@st.composite
def mutate_text(draw: st.DrawFn, raw: bytes) -> bytes:
    """One change to the text: cut, a line duplicated (duplicate keys), dropped or
    re-indented, lines swapped, garbage bytes inserted."""
    lines = raw.splitlines(keepends=True) or [b""]
    index = draw(st.integers(0, len(lines) - 1))
    action = draw(
        st.sampled_from(["cut", "twice", "drop", "indent", "swap", "garbage"])
    )
    if action == "cut":
        return raw[: draw(st.integers(0, len(raw)))]
    if action == "twice":
        lines.insert(index, lines[index])
    elif action == "drop":
        del lines[index]
    elif action == "indent":
        lines[index] = b" " * draw(st.integers(0, 5)) + lines[index].lstrip(b" ")
    elif action == "swap":
        other = draw(st.integers(0, len(lines) - 1))
        lines[index], lines[other] = lines[other], lines[index]
    else:
        at = draw(st.integers(0, len(lines[index])))
        piece = draw(st.sampled_from(GARBAGE) | st.binary(max_size=4))
        lines[index] = lines[index][:at] + piece + lines[index][at:]
    return b"".join(lines)


@st.composite
def mutated_specs(draw: st.DrawFn) -> bytes:
    data = copy.deepcopy(draw(specs))  # strategies share constants: never mutate them
    for _ in range(draw(st.integers(0, 3))):
        data = draw(mutate_data(data))
    raw = dump(data)
    for _ in range(draw(st.integers(0, 2))):
        raw = draw(mutate_text(raw))
    return raw


def dump(data: Any) -> bytes:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=60).encode(
        "utf-8", "surrogatepass"
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project root of fuzzed specs, with the tools files they name; a tools file
    outside it, too."""
    base = tmp_path_factory.mktemp("fuzz")
    root = base / "project"
    root.mkdir()
    tools = [{"name": "search", "parameters": {"type": "object"}}]
    (root / "tools.json").write_text(json.dumps(tools), encoding="utf-8")
    (root / "tools.yaml").write_text(yaml.safe_dump({"tools": tools}), encoding="utf-8")
    (base / "outside.json").write_text(json.dumps(tools), encoding="utf-8")
    return root


def load_or_refuse_cleanly(root: Path, raw: bytes) -> Any:
    """Load ``raw`` as a spec under ``root``; the loaded spec, or None when refused,
    asserting everything the refusal promises."""
    path = root / "s.fncall.yaml"
    path.write_bytes(raw)
    start = time.perf_counter()
    try:
        return load_spec(path, {"slow", "skip", "xfail"}, root=root)
    except SpecError as exc:
        error = exc
    finally:
        assert time.perf_counter() - start < SECONDS
    line_count = raw.count(b"\n") + 1
    assert error.problems
    for problem in error.problems:
        assert problem.path == path
        assert isinstance(problem.message, str)
        assert problem.message.strip()
        assert INTERNAL_ERROR not in problem.message
        if problem.line is None:
            assert problem.key_path == ""  # only the file as a whole has no line
        else:
            assert 1 <= problem.line <= line_count
        where = f"{path.name}:{problem.line}" if problem.line else path.name
        assert str(problem).startswith(where + ": ")
    return None


@fuzz
@given(specs)
def test_generated_specs_load_or_are_refused_cleanly(workdir: Path, data: Any) -> None:
    load_or_refuse_cleanly(workdir, dump(data))


@fuzz
@given(mutated_specs())
def test_mutated_specs_load_or_are_refused_cleanly(workdir: Path, raw: bytes) -> None:
    load_or_refuse_cleanly(workdir, raw)


@fuzz
@given(specs, st.data())
def test_loaded_matchers_never_raise_on_any_arguments(
    workdir: Path, data: Any, draw: st.DataObject
) -> None:
    loaded = load_or_refuse_cleanly(workdir, dump(data))
    if loaded is None:
        return
    arguments = draw.draw(
        st.dictionaries(st.sampled_from(KEYS), json_values, max_size=4)
    )
    for case_definition in loaded.cases:
        expectation = case_definition.expectation
        for pattern in (*expectation.patterns, *expectation.forbid):
            if pattern.arguments is not None:
                for mismatch in pattern.arguments.mismatches(
                    arguments, exact=pattern.exact
                ):
                    assert mismatch.path.startswith("$.")
                assert pattern.describe()


def test_the_generator_reaches_valid_specs(workdir: Path) -> None:
    """Without valid specs among the generated ones, the fuzz would test errors only."""
    loaded: list[Any] = []

    @settings(fuzz, max_examples=60)
    @given(specs)
    def collect(data: Any) -> None:
        spec = load_or_refuse_cleanly(workdir, dump(data))
        if spec is not None and any(c.expectation.patterns for c in spec.cases):
            loaded.append(spec)

    collect()
    assert len(loaded) >= 5


# --- matchers against a simple reference -------------------------------------------------

numbers = st.integers(-10, 10) | st.floats(-10, 10, allow_nan=False)
any_values = json_values | st.just(MISSING)


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "$gt": operator.gt,
    "$gte": operator.ge,
    "$lt": operator.lt,
    "$lte": operator.le,
}


@fuzz
@given(st.sampled_from(sorted(COMPARE)), numbers, numbers | any_values)
def test_comparisons_agree_with_python(name: str, bound: float, value: Any) -> None:
    expected = is_number(value) and COMPARE[name](value, bound)
    assert compile_matcher({name: bound}).matches(value) == expected


@fuzz
@given(st.none() | numbers, st.none() | numbers, numbers | any_values)
def test_range_agrees_with_two_comparisons(low: Any, high: Any, value: Any) -> None:
    if low is not None and high is not None and low > high:
        with pytest.raises(MatcherError):
            compile_matcher({"$range": [low, high]})
        return
    expected = (
        is_number(value)
        and (low is None or value >= low)
        and (high is None or value <= high)
    )
    assert compile_matcher({"$range": [low, high]}).matches(value) == expected


@fuzz
@given(numbers, st.floats(0, 3), numbers | any_values)
def test_approx_with_abs_agrees_with_isclose(
    target: float, tolerance: float, value: Any
) -> None:
    expected = is_number(value) and math.isclose(
        value, target, rel_tol=0, abs_tol=tolerance
    )
    matcher = compile_matcher({"$approx": target, "abs": tolerance})
    if is_number(value) and abs(abs(value - target) - tolerance) < 1e-9:
        return  # on the boundary, rounding decides
    assert matcher.matches(value) == expected


text_values = st.text(alphabet="aAbB .,-_'\"\t\nÉé", max_size=10)


@fuzz
@given(text_values, text_values | any_values)
def test_text_matchers_agree_with_normalising_by_hand(want: str, value: Any) -> None:
    def collapse(s: str) -> str:
        return " ".join(s.split())

    is_text = isinstance(value, str)
    assert compile_matcher({"$text": want}).matches(value) == (
        is_text and collapse(value) == collapse(want)
    )
    assert compile_matcher({"$ieq": want}).matches(value) == (
        is_text and collapse(value).casefold() == collapse(want).casefold()
    )
    exact = compile_matcher({"$text": want, "whitespace": "exact", "case": False})
    assert exact.matches(value) == (is_text and value.casefold() == want.casefold())


@fuzz
@given(st.lists(json_values, min_size=1, max_size=4), json_values | any_values)
def test_in_agrees_with_any_equal(options: list[Any], value: Any) -> None:
    expected = any(
        compile_matcher({"$eq": option}).matches(value) for option in options
    )
    assert compile_matcher({"$in": options}).matches(value) == expected


REFERENCE_TYPES: dict[str, Callable[[Any], bool]] = {
    "null": lambda v: v is None,
    "boolean": lambda v: type(v) is bool,
    "integer": lambda v: type(v) is int,
    "number": lambda v: type(v) in (int, float),
    "string": lambda v: type(v) is str,
    "array": lambda v: type(v) is list,
    "object": lambda v: type(v) is dict,
}


@fuzz
@given(
    st.lists(st.sampled_from(sorted(REFERENCE_TYPES)), min_size=1, max_size=3),
    any_values,
)
def test_type_agrees_with_python_types(names: list[str], value: Any) -> None:
    expected = value is not MISSING and any(REFERENCE_TYPES[n](value) for n in names)
    assert compile_matcher({"$type": names}).matches(value) == expected


@fuzz
@given(st.lists(st.integers(-2, 2), min_size=1, max_size=3), any_values)
def test_logical_matchers_agree_with_all_and_any(bounds: list[int], value: Any) -> None:
    parts = [{"$gte": bound} for bound in bounds]
    results = [compile_matcher(part).matches(value) for part in parts]
    assert compile_matcher({"$all_of": parts}).matches(value) == all(results)
    assert compile_matcher({"$any_of": parts}).matches(value) == any(results)
    assert compile_matcher({"$not": parts[0]}).matches(value) == (
        value is not MISSING and not results[0]
    )
    each = compile_matcher({"$each": parts[0]})
    assert each.matches([value]) == results[0]
    assert compile_matcher({"$len": len(bounds)}).matches(bounds)


@fuzz
@given(
    st.dictionaries(st.sampled_from(KEYS), json_values, max_size=3),
    st.dictionaries(st.sampled_from(KEYS), json_values, max_size=4),
)
def test_subset_agrees_with_key_by_key_equality(
    want: dict[str, Any], value: dict[str, Any]
) -> None:
    expected = all(
        key in value and compile_matcher({"$eq": item}).matches(value[key])
        for key, item in want.items()
    )
    assert (
        compile_matcher({"$subset": {k: {"$eq": v} for k, v in want.items()}}).matches(
            value
        )
        == expected
    )


# Small regexes over a two-letter alphabet, so that quantifiers and alternatives meet.
atoms = st.sampled_from(
    ["a", "b", ".", "[ab]", "[^a]", "\\w", "(?:ab)", "(?:a|b)", "(?:a|ab)"]
)
quantifiers = st.sampled_from(["", "", "*", "+", "?", "{1,3}", "*?"])
regexes = st.lists(
    st.tuples(atoms, quantifiers).map("".join), min_size=1, max_size=4
).map("".join) | st.builds(
    lambda a, q, b: f"(?:{a}{q}){b}",
    atoms,
    quantifiers,
    st.sampled_from(["*", "+", "{2}"]),
)


@fuzz
@given(regexes, st.text(alphabet="ab", max_size=16), st.booleans())
def test_bounded_regex_agrees_with_re(pattern: str, value: str, search: bool) -> None:
    if regex_problem(pattern) is not None:
        return  # refused at collection; see the next property
    compiled = re.compile(pattern)
    expected = bool((compiled.search if search else compiled.fullmatch)(value))
    assert regex_check(pattern, value, search=search) is expected


@fuzz
@given(atoms, st.sampled_from(["*", "+", "{1,9}"]), st.sampled_from(["*", "+", "{2,}"]))
def test_nested_variable_quantifiers_without_separator_are_refused(
    atom: str, inner: str, outer: str
) -> None:
    problem = regex_problem(f"(?:{atom}{inner}){outer}$")
    assert problem is not None
    assert "catastrophically" in problem
