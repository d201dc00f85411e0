from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

WEATHER_TOOLS = """\
version: 1
tools:
  - name: get_weather
    description: Current weather for a city.
    parameters:
      type: object
      properties:
        city: {type: string}
        unit: {type: string, enum: [celsius, fahrenheit]}
      required: [city]
  - name: get_time
    description: Current time in a time zone.
    parameters:
      type: object
      properties:
        tz: {type: string}
      required: [tz]
"""

MakeFile = Callable[..., Path]


@pytest.fixture
def make_spec(pytester: pytest.Pytester) -> MakeFile:
    """Write ``<name>.fncall.yaml``; ``tools=True`` prepends the weather tools header."""

    def make(name: str = "weather", *, body: str, tools: bool = True) -> Path:
        text = textwrap.dedent(body)
        if tools:
            text = WEATHER_TOOLS + text
        path = pytester.path / f"{name}.fncall.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return make


@pytest.fixture
def make_script(pytester: pytest.Pytester) -> MakeFile:
    """Write the scripted provider's file ``script.yaml`` (canned assistant turns)."""

    def make(body: str, name: str = "script.yaml") -> Path:
        path = pytester.path / name
        path.write_text(textwrap.dedent(body), encoding="utf-8")
        return path

    return make


@pytest.fixture(params=[[], ["-n", "2"]], ids=["serial", "xdist"])
def plugin_args(request: pytest.FixtureRequest) -> list[str]:
    """Run an integration test serially and under pytest-xdist: the outcome must agree."""
    return list(request.param)


@pytest.fixture
def run_pytest(pytester: pytest.Pytester) -> Callable[..., pytest.RunResult]:
    """Run pytest in a subprocess when xdist is asked for, inline otherwise."""

    def run(*args: str) -> pytest.RunResult:
        if "-n" in args:
            return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)
        return pytester.runpytest("-p", "no:cacheprovider", *args)

    return run
