"""Hostile, broken and mutated specs collected by real pytest runs.

Every one ends as a clean collection error naming ``file:line`` and the key path (or
the file alone, for a problem with the whole file), within seconds: never a traceback,
never INTERNALERROR. Many files go through one run.
"""

from __future__ import annotations

import json
import random
import re
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from pytest_fncall.errors import SpecError
from pytest_fncall.loader import INTERNAL_ERROR, load_spec

TOOLS = """\
version: 1
tools:
  - name: get_weather
    parameters:
      type: object
      properties:
        city: {type: string}
"""


def args_case(args: str) -> str:
    return TOOLS + (
        "cases:\n  - id: a\n    prompt: hi\n    expect:\n      call: get_weather\n"
        f"      args: {args}\n"
    )


LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
)

# name: (file content, the line its error names: `file:line: key.path: message`)
HOSTILE: dict[str, tuple[bytes, str]] = {
    "alias_bomb": (
        LAUGHS.encode(),
        r"alias_bomb\.fncall\.yaml:\d+: [a-i]\[\d+\].*: more than 200000 values "
        r"after expanding aliases \(an alias bomb\?\)",
    ),
    "deep": (
        args_case("{city: " + "[" * 900 + "]" * 900 + "}").encode(),
        r"deep\.fncall\.yaml:13: cases\[0\]\.expect\.args\.city\[0\]\[0\]\[0\]"
        r"\[0\]\[0\]<\d+ more>\[0\]\[0\]: nested more than 64 levels deep",
    ),
    "huge": (
        TOOLS.encode() + b"#" * 20_000_000,
        r"huge\.fncall\.yaml: the file is 20,000,\d+ bytes; files over 10 MB "
        r"\(10,000,000 bytes\) are refused: split it into several files",
    ),
    "latin1": (
        b"version: 1\ncases:\n  - id: a\n    prompt: caf\xe9\n",
        r"latin1\.fncall\.yaml: not UTF-8 text: 'utf-8' codec can't decode byte 0xe9 "
        r"in position \d+: .* \(line 4, column 16\)",
    ),
    "duplicate": (
        args_case("{city: Paris, city: Lyon}").encode(),
        r"duplicate\.fncall\.yaml:13: cases\[0\]\.expect\.args\.city: duplicate key "
        r"'city' \(first at line 13\)",
    ),
    "bad_schema": (
        (
            TOOLS.replace("{type: string}", "{type: strin}")
            + "cases: [{id: a, prompt: x}]\n"
        ).encode(),
        r"bad_schema\.fncall\.yaml:4: tools\[0\]\.parameters: get_weather: invalid "
        r"JSON Schema at properties/city/type: .*",
    ),
    "recursive_schema": (
        (
            b"version: 1\ntools:\n  - name: t\n    parameters:\n      type: object\n"
            b"      $defs: {x: {$ref: '#/$defs/y'}, y: {$ref: '#/$defs/x'}}\n"
            b"cases: [{id: a, prompt: x}]\n"
        ),
        r"recursive_schema\.fncall\.yaml:4: tools\[0\]\.parameters: t: the schema "
        r"loops without reaching into the value: #/\$defs/x -> #/\$defs/y -> "
        r"#/\$defs/x .*",
    ),
    "remote_ref": (
        (
            b"version: 1\ntools:\n  - name: t\n    parameters:\n      type: object\n"
            b"      properties: {a: {$ref: 'https://example.com/a.json'}}\n"
            b"cases: [{id: a, prompt: x}]\n"
        ),
        r"remote_ref\.fncall\.yaml:4: tools\[0\]\.parameters: t: cannot resolve \$ref "
        r"'https://example\.com/a\.json' at #/properties/a: remote and file "
        r"references are not fetched.*",
    ),
    "bad_regex": (
        args_case("{city: {$regex: '(unclosed'}}").encode(),
        r"bad_regex\.fncall\.yaml:13: cases\.a\.expect\.args\.city\.\$regex: invalid "
        r"regular expression for \$regex: missing \), unterminated subpattern.*",
    ),
    "catastrophic_regex": (
        args_case("{city: {$regex: '(a+)+$'}}").encode(),
        r"catastrophic_regex\.fncall\.yaml:13: cases\.a\.expect\.args\.city\.\$regex: "
        r"\$regex: nested quantifiers like \(a\+\)\+ .* can backtrack "
        r"catastrophically on long model output; .*",
    ),
    "wrong_type": (
        args_case("{city: {$in: Paris}}").encode(),
        r"wrong_type\.fncall\.yaml:13: cases\.a\.expect\.args\.city\.\$in: \$in needs "
        r"a non-empty list, got 'Paris'",
    ),
    "control_char": (
        b"version: 1\ncases:\n  - id: a\n    prompt: \x07\n",
        r"control_char\.fncall\.yaml:4: YAML error: unacceptable character #x0007: "
        r"control characters are not allowed",
    ),
    "python_tag": (
        b"version: 1\ncases: !!python/object/apply:os.system [echo]\n",
        r"python_tag\.fncall\.yaml:2: cases: unsupported YAML tag "
        r"tag:yaml\.org,2002:python/object/apply:os\.system",
    ),
}


def error_sections(output: str) -> dict[str, str]:
    """The text of each ``ERROR collecting <file>`` section, by file name."""
    parts = re.split(r"^_+ ERROR collecting (\S+) _+$", output, flags=re.M)
    sections = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        sections[Path(name).name] = body.split("\n=")[0]  # up to the next banner
    return sections


def assert_clean(output: str) -> None:
    assert "Traceback" not in output
    assert "INTERNALERROR" not in output
    assert INTERNAL_ERROR not in output


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_expected_lines_match_the_loader(tmp_path: Path, name: str) -> None:
    """Sanity: each pattern below matches what load_spec says of its file."""
    content, pattern = HOSTILE[name]
    path = tmp_path / f"{name}.fncall.yaml"
    path.write_bytes(content)
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert re.fullmatch(pattern, str(info.value), flags=re.S), str(info.value)


def test_hostile_specs_are_clean_collection_errors(
    pytester: pytest.Pytester, run_pytest: Any, plugin_args: list[str]
) -> None:
    for name, (content, _) in HOSTILE.items():
        (pytester.path / f"{name}.fncall.yaml").write_bytes(content)
    start = time.perf_counter()
    result = run_pytest(*plugin_args)
    elapsed = time.perf_counter() - start

    output = result.stdout.str()
    assert_clean(output + result.stderr.str())
    # Collection errors interrupt a serial run; under xdist they count as errors.
    expected = (
        pytest.ExitCode.TESTS_FAILED if plugin_args else pytest.ExitCode.INTERRUPTED
    )
    assert result.ret == expected
    sections = error_sections(output)
    assert set(sections) == {f"{name}.fncall.yaml" for name in HOSTILE}
    for name, (_, pattern) in HOSTILE.items():
        body = sections[f"{name}.fncall.yaml"].strip()
        assert re.fullmatch(pattern, body, flags=re.S), body
    assert elapsed < 60


def test_catastrophic_regex_is_refused_before_any_model_runs(
    make_spec: Any, make_script: Any, run_pytest: Any
) -> None:
    make_spec(
        body="cases:\n  - id: a\n    prompt: x\n    expect:\n"
        "      call: get_weather\n      args: {city: {$regex: '(a+)+$'}}\n"
    )
    make_script(
        "a: [{calls: [{name: get_weather, arguments: {city: " + "a" * 30 + "b}}]}]"
    )
    start = time.perf_counter()
    result = run_pytest("--fncall-model=scripted/script.yaml")

    assert time.perf_counter() - start < 5.0
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        ["weather.fncall.yaml:23: cases.a.expect.args.city.$regex: $regex: nested *"]
    )


def test_regexes_on_long_model_output_end_in_a_verdict(
    make_spec: Any, make_script: Any, run_pytest: Any, plugin_args: list[str]
) -> None:
    make_spec(
        body="""\
        cases:
          - id: too_long
            prompt: x
            expect: {call: get_weather, args: {city: {$regex: 'a*'}}}
          - id: polynomial
            prompt: x
            expect: {call: get_weather, args: {city: {$search: 'a.*a.*a.*b'}}}
          - id: fine
            prompt: x
            expect: {call: get_weather, args: {city: {$search: 'a+$'}}}
        """
    )
    long = "a" * 10_000
    script = {
        "too_long": [
            {"calls": [{"name": "get_weather", "arguments": {"city": long + "a"}}]}
        ],
        "polynomial": [
            {"calls": [{"name": "get_weather", "arguments": {"city": long}}]}
        ],
        "fine": [{"calls": [{"name": "get_weather", "arguments": {"city": long}}]}],
    }
    make_script(json.dumps(script))
    start = time.perf_counter()
    result = run_pytest("--fncall-model=scripted/script.yaml", *plugin_args)

    assert time.perf_counter() - start < 30
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        ["*10,001 characters, too long for a regex check (limit 10,000)*"]
    )
    result.stdout.fnmatch_lines(["*the regex check was stopped after 2 s*"])


def test_nesting_up_to_the_limit_runs_to_a_verdict(
    make_spec: Any, make_script: Any, run_pytest: Any, plugin_args: list[str]
) -> None:
    schema: dict[str, Any] = {"type": "string"}
    value: Any = "x"
    for _ in range(28):
        schema = {"type": "object", "properties": {"k": schema}, "required": ["k"]}
        value = {"k": value}
    spec = {
        "version": 1,
        "tools": [
            {"name": "t", "parameters": {"type": "object", "properties": {"a": schema}}}
        ],
        "cases": [
            {
                "id": "args",
                "prompt": "x",
                "expect": {"call": "t", "args": {"a": value}},
            },
            {
                "id": "schema",
                "prompt": "x",
                "expect": {"call": "t", "args": {"a": {"$schema": schema}}},
            },
        ],
    }
    make_spec(body=json.dumps(spec), tools=False)
    call = [{"calls": [{"name": "t", "arguments": {"a": value}}]}]
    make_script(json.dumps({"args": call, "schema": call}))
    result = run_pytest("--fncall-model=scripted/script.yaml", *plugin_args)

    assert_clean(result.stdout.str())
    result.assert_outcomes(passed=2)


def outside_tools(pytester: pytest.Pytester, ini: str = "") -> Path:
    """A spec whose ``file:`` leads out of the rootdir (pytester.path) to a tools file."""
    outside = pytester.path.parent / f"{pytester.path.name}-outside.json"
    outside.write_text(json.dumps([{"name": "t"}]), encoding="utf-8")
    pytester.makeini(f"[pytest]\n{ini}")
    (pytester.path / "escape.fncall.yaml").write_text(
        f"version: 1\ntools:\n  - file: ../{outside.name}\n"
        "cases: [{id: a, prompt: x}]\n",
        encoding="utf-8",
    )
    return outside


def test_tools_file_outside_the_rootdir_is_refused(
    pytester: pytest.Pytester, run_pytest: Any
) -> None:
    outside = outside_tools(pytester)
    result = run_pytest()

    assert_clean(result.stdout.str())
    result.stdout.fnmatch_lines(
        [
            f"escape.fncall.yaml:3: tools[[]0[]].file: tools file {outside} is outside "
            f"the project root {pytester.path}; files outside the root are refused "
            "unless the ini option fncall_allow_outside_root is true"
        ]
    )


def test_tools_file_outside_the_rootdir_is_read_when_allowed(
    pytester: pytest.Pytester, run_pytest: Any
) -> None:
    outside_tools(pytester, ini="fncall_allow_outside_root = true\n")
    result = run_pytest()

    assert_clean(result.stdout.str())
    result.assert_outcomes(skipped=1)  # collected; no model configured


# --- a few hundred mutated specs ------------------------------------------------------

BASES = [
    TOOLS
    + textwrap.dedent(
        """\
        defaults:
          system: Be brief.
          repeat: {n: 3, min_pass_rate: 0.6}
        cases:
          - id: weather
            prompt: Weather in Paris?
            marks: [slow, {xfail: flaky}]
            expect:
              call: get_weather
              args: {city: {$ieq: paris}, unit: {$optional: {$in: [c, f]}}}
          - id: many
            messages:
              - {role: user, content: one}
              - {role: assistant, content: two}
            tools: {include: ["get_*"]}
            expect:
              match: unordered
              calls:
                - {tool: get_weather, id: w, times: {min: 1, max: 2}}
                - parallel:
                    - {tool: get_weather, args: {city: {$regex: "[A-Z].*"}}}
                  exclusive: true
              forbid_tools: [nope*]
        """
    ),
    textwrap.dedent(
        """\
        version: 1
        tools:
          - name: search
            description: Search the web.
            inputSchema:
              type: object
              properties:
                q: {type: string, pattern: "^[a-z ]+$"}
                n: {type: integer, minimum: 1}
              required: [q]
              $defs:
                tree:
                  type: object
                  properties: {kids: {type: array, items: {$ref: "#/$defs/tree"}}}
        cases:
          - id: s
            prompt: Find cats.
            tool_choice: {name: search}
            snapshot: {text: true}
            expect:
              calls:
                - tool: search
                  args_mode: exact
                  args:
                    q: {$all_of: [{$len: {$range: [1, 20]}}, {$not: {$contains: dog}}]}
                    n: {$any_of: [{$gte: 1}, $absent]}
              before: []
          - id: none
            prompt: Hello.
            expect: {no_call: true}
        """
    ),
]
GARBAGE = [
    "\t",
    "&x ",
    "*x",
    "*nope",
    "!!binary ",
    "<<: *x",
    "{",
    "]",
    "'",
    '"',
    ": ",
    "- ",
    "? ",
    "|",
    "#",
    "@",
    "%",
    "$regex",
    "9" * 5000,
    "[" * 300,
    "\x00",
    "\x85",
]
OTHER = [
    None,
    True,
    0,
    -1,
    2.5,
    "",
    "text",
    "$any",
    [],
    [1, "a"],
    {},
    {"$in": 1},
    {"$regex": "(a|a)*"},
    {"$schema": {"$ref": "#"}},
    {"$type": "strin"},
]


def mutate(base: str, rng: random.Random) -> bytes:
    """``base`` with a few random changes to its data, then to its text."""
    data = yaml.safe_load(base)
    for _ in range(rng.randint(0, 3)):
        spots: list[tuple[Any, Any]] = []
        stack, seen = [data], set()
        while stack:
            value = stack.pop()
            if id(value) in seen:  # shared, maybe cyclic: an alias
                continue
            seen.add(id(value))
            if isinstance(value, dict):
                spots += [(value, key) for key in value]
                stack += value.values()
            elif isinstance(value, list):
                spots += [(value, index) for index in range(len(value))]
                stack += value
        if not spots:
            break
        parent, key = rng.choice(spots)
        action = rng.choice(["drop", "retype", "rename", "insert", "share"])
        if action == "drop":
            del parent[key]
        elif action == "retype":
            parent[key] = json.loads(json.dumps(rng.choice(OTHER)))
        elif action == "rename" and isinstance(parent, dict):
            parent[rng.choice([key[:-1], key + "x", "$" + key, "cases", "mocks"])] = (
                parent.pop(key)
            )
        elif action == "insert" and isinstance(parent, list):
            parent.insert(key, json.loads(json.dumps(rng.choice(OTHER))))
        elif action == "share":
            other, other_key = rng.choice(spots)
            parent[key] = other[other_key]
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    lines = text.splitlines(keepends=True) or [""]
    for _ in range(rng.randint(0, 2)):
        index = rng.randrange(len(lines))
        action = rng.choice(["twice", "drop", "indent", "garbage", "cut"])
        if action == "twice":
            lines.insert(index, lines[index])
        elif action == "drop" and len(lines) > 1:
            del lines[index]
        elif action == "indent":
            lines[index] = " " * rng.randint(0, 4) + lines[index].lstrip(" ")
        elif action == "garbage":
            at = rng.randint(0, len(lines[index]))
            lines[index] = lines[index][:at] + rng.choice(GARBAGE) + lines[index][at:]
        else:
            lines = [*lines[:index], lines[index][: rng.randint(0, len(lines[index]))]]
    raw = "".join(lines).encode("utf-8", "surrogatepass")
    if rng.random() < 0.05:
        raw = raw.replace(b"e", b"\xe9", 1)  # not UTF-8
    return raw


def test_a_few_hundred_mutated_specs_are_clean_collection_errors(
    pytester: pytest.Pytester, run_pytest: Any
) -> None:
    rng = random.Random(9)
    refused: dict[str, SpecError] = {}
    for index in range(300):
        path = pytester.path / f"m{index:03}.fncall.yaml"
        path.write_bytes(mutate(BASES[index % len(BASES)], rng))
        try:
            load_spec(path)
        except SpecError as exc:
            refused[path.name] = exc
    assert len(refused) > 200  # most mutations break the spec
    start = time.perf_counter()
    # Marks a mutation renamed are pytest's business (a warning), not the loader's.
    result = run_pytest(
        "--continue-on-collection-errors",
        "-W",
        "ignore::pytest.PytestUnknownMarkWarning",
    )
    elapsed = time.perf_counter() - start

    output = result.stdout.str()
    assert_clean(output + result.stderr.str())
    sections = error_sections(output)
    assert set(sections) == set(refused)
    for name, error in refused.items():
        lines = sections[name].strip().splitlines()
        assert lines == str(error).splitlines()
        for problem, text in zip(error.problems, lines, strict=True):
            where = f"{name}:{problem.line}: " if problem.line else f"{name}: "
            assert text.startswith(where)
    assert elapsed < 60
