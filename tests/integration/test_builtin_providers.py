"""The ``python`` provider contract (DESIGN §2) and the provider hook for plugins."""

from __future__ import annotations

import json

import pytest

CASE = """\
cases:
  - id: weather
    prompt: Weather in Paris?
    settings: {temperature: 0}
    expect:
      call: get_weather
      args: {city: Paris}
"""


@pytest.mark.parametrize(
    "model_source",
    [
        pytest.param(
            "def respond(request):\n"
            "    return {'content': None, 'tool_calls': [{'id': 'c1', 'type': 'function',"
            " 'function': {'name': 'get_weather', 'arguments': '{\"city\": \"Paris\"}'}}]}\n",
            id="sync-message-string-arguments",
        ),
        pytest.param(
            "async def respond(request):\n"
            "    return {'content': None, 'tool_calls': [{'id': 'c1', 'type': 'function',"
            " 'function': {'name': 'get_weather', 'arguments': {'city': 'Paris'}}}]}\n",
            id="async-message-dict-arguments",
        ),
        pytest.param(
            "def respond(request):\n"
            "    return {'object': 'chat.completion', 'choices': [{'index': 0,"
            " 'finish_reason': 'tool_calls', 'message': {'role': 'assistant',"
            " 'tool_calls': [{'id': 'c1', 'type': 'function', 'function':"
            " {'name': 'get_weather', 'arguments': '{\"city\": \"Paris\"}'}}]}}],"
            " 'usage': {'prompt_tokens': 10, 'completion_tokens': 5}}\n",
            id="whole-chat-completion",
        ),
    ],
)
def test_python_provider_shapes(make_spec, run_pytest, pytester, model_source):
    make_spec(body=CASE)
    pytester.makepyfile(my_model=model_source)
    result = run_pytest("--fncall-model=python/my_model:respond")
    result.assert_outcomes(passed=1)


def test_python_provider_receives_an_openai_request(make_spec, run_pytest, pytester):
    make_spec(
        body="defaults:\n  system: Be brief.\n  tool_choice: {name: get_weather}\n"
        + CASE
    )
    pytester.makepyfile(
        my_model="""
        import json, pathlib
        def respond(request):
            pathlib.Path("request.json").write_text(json.dumps(request))
            return {"content": "ok"}
        """
    )
    run_pytest("--fncall-model=python/my_model:respond")
    request = json.loads((pytester.path / "request.json").read_text())
    assert request["model"] == "my_model:respond"
    assert request["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris?"},
    ]
    assert request["tool_choice"] == {
        "type": "function",
        "function": {"name": "get_weather"},
    }
    assert request["temperature"] == 0
    assert [tool["function"]["name"] for tool in request["tools"]] == [
        "get_weather",
        "get_time",
    ]
    assert request["tools"][0]["type"] == "function"
    assert request["tools"][0]["function"]["parameters"]["required"] == ["city"]


@pytest.mark.parametrize(
    ("model_source", "message"),
    [
        (
            "def respond(request):\n    raise RuntimeError('model down')\n",
            "*provider error (python/my_model:respond): python/my_model:respond raised "
            "RuntimeError: model down",
        ),
        (
            "def respond(request):\n    return {'tool_calls': 'nope'}\n",
            "*python/my_model:respond: 'tool_calls' must be a list",
        ),
        (
            "def respond(request):\n    return 42\n",
            "*python/my_model:respond returned int; expected an assistant message dict "
            "or a chat.completion dict",
        ),
        ("x = 1\n", "*python/my_model:respond: my_model has no 'respond'"),
    ],
)
def test_python_provider_failures_are_errors(
    make_spec, run_pytest, pytester, model_source, message
):
    make_spec(body=CASE)
    pytester.makepyfile(my_model=model_source)
    result = run_pytest("--fncall-model=python/my_model:respond")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([message])
    result.stdout.no_fnmatch_line("*Traceback*")


def test_unknown_provider_is_an_error_naming_the_builtins(make_spec, run_pytest):
    make_spec(body=CASE)
    result = run_pytest("--fncall-model=nosuch/model")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*no provider named 'nosuch' (built in: anthropic, mistral, ollama, openai, "
            "python, scripted; plugins add providers with the pytest_fncall_make_provider "
            "hook)"
        ]
    )


def test_malformed_model_option_is_a_usage_error(make_spec, run_pytest):
    make_spec(body=CASE)
    result = run_pytest("--fncall-model=justaname")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--fncall-model 'justaname': expected PROVIDER/MODEL*"]
    )


def test_a_plugin_adds_a_provider_through_the_hook(make_spec, run_pytest, pytester):
    make_spec(body=CASE)
    pytester.makeconftest(
        """
        from pytest_fncall import ModelTurn, ToolCall

        class EchoProvider:
            def __init__(self, model):
                self.model = model

            async def complete(self, request):
                city = request.model.split("-")[-1]
                call = ToolCall.from_model_arguments("1", "get_weather", {"city": city})
                return ModelTurn(text=None, calls=(call,))

        def pytest_fncall_make_provider(name, model, settings):
            if name == "echo":
                return EchoProvider(model)
            return None
        """
    )
    result = run_pytest(
        "--fncall-model=echo/city-Paris", "--fncall-model=echo/city-Rome"
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*differs:  $.city: expected 'Paris', got 'Rome'"])


def test_scripted_file_mistake_names_line_and_key(make_spec, make_script, run_pytest):
    make_spec(body=CASE)
    make_script("weather:\n  - calls:\n      - {name: get_weather, argz: {}}\n")
    result = run_pytest("--fncall-model=scripted/script.yaml")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*script.yaml:3: weather.0.calls.0: unknown key(s) [[]'argz'[]]; use name, arguments"
        ]
    )
