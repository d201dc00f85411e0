"""One loop (a call, its simulated result, a final reply that uses it) over every wire
format: each mock API answers from the history it receives, in its own format, so the
test fails if a tool result does not come back where that API expects it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from pytest_fncall.loop import run_loop
from pytest_fncall.loop_plan import LoopPlan
from pytest_fncall.providers import Provider
from pytest_fncall.providers.anthropic import AnthropicProvider
from pytest_fncall.providers.mistral import MistralProvider
from pytest_fncall.providers.ollama import OllamaProvider
from pytest_fncall.providers.openai import OpenAIProvider
from pytest_fncall.results import Tool, ToolCall, ToolResult, Trajectory
from pytest_fncall.settings import Settings

WEATHER = Tool(
    "get_weather",
    "Current weather for a city.",
    {"type": "object", "properties": {"city": {"type": "string"}}},
)
PROMPT = ({"role": "user", "content": "Weather in Paris?"},)


class Weather:
    """A simulated tool: Paris is 18 degrees, anything else an error."""

    stateful = False

    def __init__(self) -> None:
        self.calls: list[ToolCall] = []

    def start(self) -> Weather:
        return self

    def execute(self, call: ToolCall) -> ToolResult:
        self.calls.append(call)
        if (call.arguments or {}).get("city") == "Paris":
            return ToolResult('{"temp": 18}', value={"temp": 18})
        return ToolResult("unknown city", is_error=True)

    def state(self) -> object:
        return None

    @property
    def unmatched(self) -> str | None:
        return None


Answer = Callable[[dict[str, Any]], dict[str, Any]]


def serve(answer: Answer) -> tuple[httpx.MockTransport, list[dict[str, Any]]]:
    bodies: list[dict[str, Any]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        bodies.append(body)
        return httpx.Response(200, json=answer(body))

    return httpx.MockTransport(handle), bodies


def settings(tmp_path: Path, **environment: str) -> Settings:
    return Settings(models=(), rootdir=tmp_path, environment=environment, max_retries=0)


def loop(provider: Provider, city: str = "Paris") -> tuple[Trajectory, Weather]:
    weather = Weather()
    prompt = ({"role": "user", "content": f"Weather in {city}?"},)
    trajectory = asyncio.run(
        run_loop(
            LoopPlan(simulation=weather),
            case_id="case",
            model="m",
            provider=provider,
            messages=prompt,
            tools=(WEATHER,),
            tool_choice="auto",
            settings={},
        )
    )
    return trajectory, weather


def openai_style(body: dict[str, Any], call_id: str) -> dict[str, Any]:
    """Mistral and OpenAI answer alike: a call first, then the tool text echoed."""
    tool = [m for m in body["messages"] if m["role"] == "tool"]
    if not tool:
        city = body["messages"][-1]["content"].split()[-1].rstrip("?")
        call = {
            "id": call_id,
            "type": "function",
            "function": {
                "name": "get_weather",
                "arguments": json.dumps({"city": city}),
            },
        }
        message = {"role": "assistant", "content": None, "tool_calls": [call]}
    else:
        message = {"role": "assistant", "content": f"Tool said: {tool[0]['content']}"}
    return {"choices": [{"message": message, "finish_reason": "stop"}]}


@pytest.mark.parametrize("city", ["Paris", "Lyon"])
def test_openai_wire(tmp_path: Path, city: str) -> None:
    transport, bodies = serve(lambda body: openai_style(body, "call_Xy1"))
    provider = OpenAIProvider(
        "gpt", settings(tmp_path, OPENAI_API_KEY="k"), transport=transport
    )
    trajectory, _ = loop(provider, city)
    assistant, tool = bodies[1]["messages"][1:]
    assert assistant["tool_calls"][0]["id"] == "call_Xy1"
    assert assistant["content"] == ""  # llama.cpp refuses null content
    expected = '{"temp": 18}' if city == "Paris" else "Error: unknown city"
    assert tool == {
        "role": "tool",
        "tool_call_id": "call_Xy1",
        "name": "get_weather",
        "content": expected,
    }
    assert trajectory.final_text == f"Tool said: {expected}"
    assert len(trajectory.steps) == 2
    assert trajectory.stopped is None


def test_mistral_wire_uses_nine_character_ids_both_ways(tmp_path: Path) -> None:
    transport, bodies = serve(lambda body: openai_style(body, "D681PevKs"))
    provider = MistralProvider(
        "mistral-large-latest", settings(tmp_path, MISTRAL_API_KEY="k"), transport
    )
    trajectory, weather = loop(provider, "Lyon")
    assistant, tool = bodies[1]["messages"][1:]
    assert assistant["tool_calls"][0]["id"] == "D681PevKs"
    assert tool["tool_call_id"] == "D681PevKs"
    assert tool["name"] == "get_weather"
    assert tool["content"] == "Error: unknown city"
    assert trajectory.final_text == "Tool said: Error: unknown city"
    assert weather.calls[0].arguments == {"city": "Lyon"}


def test_anthropic_wire_sends_tool_result_blocks_with_is_error(tmp_path: Path) -> None:
    def answer(body: dict[str, Any]) -> dict[str, Any]:
        last = body["messages"][-1]
        if last["role"] == "user" and isinstance(last["content"], list):
            result = last["content"][0]
            text = f"Tool said: {result['content']} (error: {result.get('is_error')})"
            content = [{"type": "text", "text": text}]
        else:
            content = [
                {
                    "type": "tool_use",
                    "id": "toolu_01A",
                    "name": "get_weather",
                    "input": {"city": "Lyon"},
                }
            ]
        return {
            "type": "message",
            "role": "assistant",
            "content": content,
            "stop_reason": "end_turn",
            "usage": {"input_tokens": 1, "output_tokens": 1},
        }

    transport, bodies = serve(answer)
    provider = AnthropicProvider(
        "claude", settings(tmp_path, ANTHROPIC_API_KEY="k"), transport=transport
    )
    trajectory, _ = loop(provider)
    assert bodies[1]["messages"][1:] == [
        {
            "role": "assistant",
            "content": [
                {
                    "type": "tool_use",
                    "id": "toolu_01A",
                    "name": "get_weather",
                    "input": {"city": "Lyon"},
                }
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_01A",
                    "content": "unknown city",
                    "is_error": True,
                }
            ],
        },
    ]
    assert trajectory.final_text == "Tool said: unknown city (error: True)"


def test_ollama_wire_names_the_tool_of_each_result(tmp_path: Path) -> None:
    def answer(body: dict[str, Any]) -> dict[str, Any]:
        tool = [m for m in body["messages"] if m["role"] == "tool"]
        message: dict[str, Any] = {"role": "assistant", "content": ""}
        if tool:
            message["content"] = f"{tool[0]['tool_name']} said {tool[0]['content']}"
        else:
            message["tool_calls"] = [
                {"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}
            ]
        return {"model": "llama3.2", "message": message, "done": True}

    transport, bodies = serve(answer)
    provider = OllamaProvider("llama3.2", settings(tmp_path), transport)
    trajectory, _ = loop(provider)
    tool = bodies[1]["messages"][-1]
    assert tool == {
        "role": "tool",
        "content": '{"temp": 18}',
        "tool_name": "get_weather",
    }
    assert bodies[1]["messages"][1]["tool_calls"][0]["function"] == {
        "name": "get_weather",
        "arguments": {"city": "Paris"},
    }
    assert trajectory.final_text == 'get_weather said {"temp": 18}'
