"""Unit tests of :mod:`pytest_fncall.coverage`: what the expectations exercise."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest

from pytest_fncall.coverage import (
    EnumValue,
    FileCoverage,
    coverage_document,
    file_coverage,
    render_coverage,
    suite_totals,
)
from pytest_fncall.loader import LoadedSpec, load_spec
from pytest_fncall.report_json import SCHEMA_PATH, build_report, report_text

TOOLS = """\
version: 1
tools:
  - name: get_weather
    description: Current weather for a city.
    parameters:
      type: object
      properties:
        city: {type: string}
        unit: {type: string, enum: [celsius, fahrenheit, kelvin]}
        days: {anyOf: [{type: integer, enum: [1, 3, 7]}, {type: "null"}]}
      required: [city]
  - name: get_time
    description: Current time in a time zone.
    parameters:
      type: object
      properties:
        tz: {type: string}
        format: {type: string, enum: ["12h", "24h"]}
      required: [tz]
  - name: send_sms
    description: Send a text message.
    parameters:
      type: object
      properties:
        to: {type: string}
      required: [to]
  - name: list_calendars
    description: The user's calendars.
    parameters: {type: object, properties: {}}
"""


def load(tmp_path: Path, cases: str, name: str = "s") -> LoadedSpec:
    path = tmp_path / f"{name}.fncall.yaml"
    path.write_text(TOOLS + textwrap.dedent(cases), encoding="utf-8")
    return load_spec(path)


def exercised(coverage: FileCoverage) -> dict[str, object]:
    """tool -> (exercised, forbidden, {parameter: (exercised, {enum value: hit})})."""
    return {
        tool.name: (
            tool.exercised,
            tool.forbidden,
            {
                p.name: (p.exercised, {v.shown(): v.exercised for v in p.enum})
                for p in tool.parameters
            },
        )
        for tool in coverage.tools
    }


def test_call_args_and_enum_literals(tmp_path):
    loaded = load(
        tmp_path,
        """\
        cases:
          - id: paris
            prompt: Weather in Paris?
            expect: {call: get_weather, args: {city: {$ieq: paris}, unit: celsius}}
        """,
    )
    coverage = file_coverage(loaded, name="s.fncall.yaml")
    assert coverage.file == "s.fncall.yaml"
    assert coverage.cases == 1
    assert exercised(coverage) == {
        "get_weather": (
            True,
            False,
            {
                "city": (True, {}),
                "unit": (True, {"celsius": True, "fahrenheit": False, "kelvin": False}),
                "days": (False, {"1": False, "3": False, "7": False}),
            },
        ),
        "get_time": (
            False,
            False,
            {"tz": (False, {}), "format": (False, {"12h": False, "24h": False})},
        ),
        "send_sms": (False, False, {"to": (False, {})}),
        "list_calendars": (False, False, {}),
    }
    assert {kind: str(count) for kind, count in coverage.counts.items()} == {
        "tools": "1/4",
        "parameters": "2/6",
        "enum_values": "1/8",
    }


def test_enum_values_named_by_eq_in_optional_and_numbers(tmp_path):
    loaded = load(
        tmp_path,
        """\
        cases:
          - id: a
            prompt: a
            expect:
              call: get_weather
              args: {unit: {$in: [fahrenheit, rankine]}, days: {$optional: 3.0}}
          - id: b
            prompt: b
            expect:
              call: get_weather
              args: {unit: {$eq: kelvin}, days: {$optional: {$in: [7]}}}
          - id: c
            prompt: c
            expect:
              call: get_time
              args: {tz: {$any_of: [UTC, CET]}, format: {$not: 12h}}
        """,
    )
    found = exercised(file_coverage(loaded))
    assert found["get_weather"] == (
        True,
        False,
        {
            "city": (False, {}),
            "unit": (True, {"celsius": False, "fahrenheit": True, "kelvin": True}),
            # 3.0 == 3 the JSON way; the anyOf branch's enum counts
            "days": (True, {"1": False, "3": True, "7": True}),
        },
    )
    # $not and $any_of name the parameter, not the values
    assert found["get_time"] == (
        True,
        False,
        {"tz": (True, {}), "format": (True, {"12h": False, "24h": False})},
    )


def test_calls_parallel_globs_turns_and_forbid(tmp_path):
    loaded = load(
        tmp_path,
        """\
        mocks:
          get_weather: [{return: {temp: 18}}]
          get_time: [{return: {time: "12:00"}}]
          send_sms: [{return: {ok: true}}]
        cases:
          - id: glob
            prompt: Everything about Paris.
            expect:
              calls:
                - parallel: [{tool: "get_*", args: {tz: CET}}]
              forbid_tools: [send_sms]
          - id: forbidden
            prompt: Text Bob.
            expect:
              no_call: true
              forbid: [{tool: list_calendars}]
          - id: turns
            prompt: Weather?
            turns:
              - expect: {call: send_sms, args: {to: Bob}}
        """,
    )
    found = exercised(file_coverage(loaded))
    # the glob names get_weather and get_time; its args name tz, which only get_time has
    assert found["get_weather"][:2] == (True, False)
    assert found["get_weather"][2]["city"] == (False, {})
    assert found["get_time"][2]["tz"] == (True, {})
    # send_sms: forbidden in one case, expected in a loop-mode turn of another
    assert found["send_sms"] == (True, True, {"to": (True, {})})
    assert found["list_calendars"] == (False, True, {})


def test_only_the_cases_given_count(tmp_path):
    loaded = load(
        tmp_path,
        """\
        cases:
          - id: weather
            prompt: Weather?
            expect: {call: get_weather, args: {city: Paris}}
          - id: time
            prompt: Time?
            expect: {call: get_time, args: {tz: UTC, format: 24h}}
        """,
    )
    time_only = file_coverage(loaded, [loaded.cases[1]], name="s.fncall.yaml")
    assert time_only.cases == 1
    assert render_coverage([time_only]) == [
        "s.fncall.yaml (1 case)",
        "  tools: 1/4 (untested: get_weather, send_sms, list_calendars)",
        "  parameters: 2/6 (untested: 4 in untested tools)",
        "  enum values: 1/8 (untested: get_time.format=12h; 6 more in untested tools)",
    ]


def test_render_lists_untested_and_totals_merge_shared_tools(tmp_path):
    first = load(
        tmp_path,
        """\
        cases:
          - id: paris
            prompt: Weather in Paris?
            expect: {call: get_weather, args: {city: Paris, unit: celsius}}
          - id: joke
            prompt: Tell me a joke.
            expect: {no_call: true, forbid_tools: [send_sms]}
        """,
        name="a",
    )
    second = load(
        tmp_path,
        """\
        cases:
          - id: tokyo
            prompt: Time in Tokyo?
            expect: {call: get_time, args: {tz: Asia/Tokyo}}
          - id: cold
            prompt: Is it cold in Oslo, in kelvin?
            expect: {call: get_weather, args: {unit: kelvin, days: 1}}
        """,
        name="b",
    )
    files = [
        file_coverage(first, name="a.fncall.yaml"),
        file_coverage(second, name="b.fncall.yaml"),
    ]
    assert render_coverage(files) == [
        "a.fncall.yaml (2 cases)",
        "  tools: 1/4 (untested: get_time, send_sms (forbidden only), list_calendars)",
        "  parameters: 2/6 (untested: get_weather.days; 3 more in untested tools)",
        "  enum values: 1/8 (untested: get_weather.unit=fahrenheit, "
        "get_weather.unit=kelvin, get_weather.days=1, get_weather.days=3, "
        "get_weather.days=7; 2 more in untested tools)",
        "b.fncall.yaml (2 cases)",
        "  tools: 2/4 (untested: send_sms, list_calendars)",
        "  parameters: 3/6 (untested: get_weather.city, get_time.format; "
        "1 more in untested tools)",
        "  enum values: 2/8 (untested: get_weather.unit=celsius, "
        "get_weather.unit=fahrenheit, get_weather.days=3, get_weather.days=7, "
        "get_time.format=12h, get_time.format=24h)",
        # merged by name: get_weather's city (a) and days (b) are both exercised
        "total (2 files, 4 cases): tools 2/4, parameters 4/6, enum values 3/8",
    ]
    totals = suite_totals(files)
    assert (totals["tools"].exercised, totals["tools"].total) == (2, 4)


def test_nothing_selected_and_nothing_untested(tmp_path):
    assert render_coverage([]) == ["no fncall cases selected"]
    path = tmp_path / "one.fncall.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            version: 1
            tools:
              - name: ping
                description: Ping.
                parameters: {type: object, properties: {host: {type: string}}}
            cases:
              - {id: p, prompt: ping it, expect: {call: ping, args: {host: a}}}
            """
        ),
        encoding="utf-8",
    )
    assert render_coverage([file_coverage(load_spec(path), name="one")]) == [
        "one (1 case)",
        "  tools: 1/1",
        "  parameters: 1/1",
    ]


def test_json_round_trip_and_report_schema(tmp_path):
    loaded = load(
        tmp_path,
        """\
        cases:
          - id: cold
            prompt: Cold?
            expect: {call: get_weather, args: {unit: kelvin, days: {$in: [1, null]}}}
        """,
    )
    coverage = file_coverage(loaded, name="s.fncall.yaml")
    document = json.loads(json.dumps(coverage.to_json()))
    assert FileCoverage.from_json(document) == coverage
    assert document["counts"] == {
        "tools": {"exercised": 1, "total": 4},
        "parameters": {"exercised": 2, "total": 6},
        "enum_values": {"exercised": 2, "total": 8},
    }
    assert document["tools"][0]["parameters"][1] == {
        "name": "unit",
        "exercised": True,
        "enum": [
            {"value": "celsius", "exercised": False},
            {"value": "fahrenheit", "exercised": False},
            {"value": "kelvin", "exercised": True},
        ],
    }
    report = json.loads(
        report_text(build_report([], coverage=coverage_document([coverage])))
    )
    assert report["coverage"]["total"]["tools"] == {"exercised": 1, "total": 4}
    jsonschema.validate(report, json.loads(SCHEMA_PATH.read_text()))
    assert "coverage" not in build_report([])
    broken = json.loads(json.dumps(report))
    del broken["coverage"]["files"][0]["tools"][0]["forbidden"]
    with pytest.raises(jsonschema.ValidationError, match="'forbidden' is a required"):
        jsonschema.validate(broken, json.loads(SCHEMA_PATH.read_text()))


def test_enum_values_are_shown_bare_or_as_json():
    assert EnumValue("fahrenheit", False).shown() == "fahrenheit"
    assert EnumValue(None, False).shown() == "null"
    assert EnumValue(2, True).shown() == "2"
    assert EnumValue("12h", True).shown() == "12h"
