"""Cassettes: keys, occurrences, modes, merging, scrubbing (no pytest run involved)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from pytest_fncall.cassettes import (
    Cassette,
    RecordingProvider,
    cassette_path,
    request_key,
    secrets_in,
    turn_from_json,
    turn_to_json,
)
from pytest_fncall.errors import ProviderError
from pytest_fncall.providers.base import ModelRequest
from pytest_fncall.results import ModelTurn, Tool, ToolCall, Usage

TOOL = Tool(
    "get_weather", "", {"type": "object", "properties": {"city": {"type": "string"}}}
)
REQUEST = ModelRequest("m", "case", ({"role": "user", "content": "Paris?"},), (TOOL,))


class CountingModel:
    def __init__(self) -> None:
        self.calls = 0

    async def complete(self, request: ModelRequest) -> ModelTurn:
        self.calls += 1
        call = ToolCall.from_model_arguments(
            "c1", "get_weather", f'{{"city": "P{self.calls}"}}'
        )
        return ModelTurn(
            None, (call,), "tool_calls", Usage(3, 4), 0.5, raw={"n": self.calls}
        )


def recorder(
    tmp_path: Path, mode: str, model: CountingModel, secrets=()
) -> RecordingProvider:
    cassette = Cassette(
        tmp_path / "__fncall_cassettes__" / "w.fncall.json", list(secrets)
    )
    return RecordingProvider(
        cassette, mode, "case", "openai/m", make_live=lambda: model
    )


def ask(provider: RecordingProvider, request: ModelRequest = REQUEST) -> ModelTurn:
    """One request, then the end of the "run": what was recorded reaches the file."""
    turn = asyncio.run(provider.complete(request))
    provider.cassette.flush()
    return turn


def test_cassette_path_sits_beside_the_spec():
    assert cassette_path(Path("a/b/weather.fncall.yaml")) == Path(
        "a/b/__fncall_cassettes__/weather.fncall.json"
    )


def test_key_ignores_dict_order_and_case_id_but_not_content():
    reordered = ModelRequest(
        "m", "other_case", REQUEST.messages, REQUEST.tools, settings={"b": 1, "a": 2}
    )
    same = ModelRequest(
        "m", "case", REQUEST.messages, REQUEST.tools, settings={"a": 2, "b": 1}
    )
    assert request_key("openai", reordered) == request_key("openai", same)
    assert request_key("openai", same) != request_key("mistral", same)
    changed = ModelRequest(
        "m", "case", ({"role": "user", "content": "Rome?"},), REQUEST.tools
    )
    assert request_key("openai", changed) != request_key("openai", REQUEST)


def test_turn_round_trips_through_json():
    call = ToolCall.from_model_arguments("c", "t", '{"a": [1, 2.5]}')
    broken = ToolCall.from_model_arguments("d", "t", '{"a": ')
    turn = ModelTurn("hi", (call, broken), "stop", Usage(1, 2), 0.25)
    again = turn_from_json(json.loads(json.dumps(turn_to_json(turn))))
    assert again == turn
    assert again.calls[1].arguments is None


def test_once_records_then_replays_without_the_model(tmp_path):
    model = CountingModel()
    first = ask(recorder(tmp_path, "once", model))
    replayed = ask(recorder(tmp_path, "once", model))
    assert model.calls == 1
    assert replayed.calls == first.calls
    document = json.loads(
        (tmp_path / "__fncall_cassettes__" / "w.fncall.json").read_text()
    )
    (exchange,) = document["exchanges"]
    assert exchange["case"] == "case"
    assert exchange["occurrence"] == 0
    assert exchange["response"] == {"n": 1}


def test_repeated_requests_are_separate_exchanges(tmp_path):
    model = CountingModel()
    provider = recorder(tmp_path, "once", model)
    answers = [ask(provider).calls[0].arguments for _ in range(3)]
    assert answers == [{"city": "P1"}, {"city": "P2"}, {"city": "P3"}]
    replay = recorder(tmp_path, "none", CountingModel())
    assert [ask(replay).calls[0].arguments for _ in range(3)] == answers


def test_none_never_asks_the_model_and_names_case_and_cassette(tmp_path):
    def no_live():
        raise AssertionError("replay must not build the live provider")

    cassette = Cassette(tmp_path / "__fncall_cassettes__" / "w.fncall.json", [])
    provider = RecordingProvider(
        cassette, "none", "case", "openai/m", make_live=no_live
    )
    with pytest.raises(ProviderError) as caught:
        ask(provider)
    assert str(caught.value) == (
        "no recorded exchange for case 'case' (openai/m, request #1) in "
        "__fncall_cassettes__/w.fncall.json: the request changed or was never recorded; "
        "record it against a live model with --fncall-record-mode=once"
    )


def test_new_adds_beside_old_and_all_replaces(tmp_path):
    model = CountingModel()
    ask(recorder(tmp_path, "once", model))
    ask(recorder(tmp_path, "new", model))
    path = tmp_path / "__fncall_cassettes__" / "w.fncall.json"
    assert [e["occurrence"] for e in json.loads(path.read_text())["exchanges"]] == [
        0,
        1,
    ]
    ask(recorder(tmp_path, "all", model))
    (only,) = json.loads(path.read_text())["exchanges"]
    assert json.loads(only["turn"]["calls"][0]["arguments"]) == {"city": "P3"}


def test_writes_merge_with_what_another_process_wrote(tmp_path):
    path = tmp_path / "__fncall_cassettes__" / "w.fncall.json"
    mine = Cassette(path, [])
    theirs = Cassette(path, [])
    mine.find("x", "m", "k", 0)  # loaded (empty) before the other process writes
    theirs.record("b", "openai/m", "k2", 0, REQUEST, ModelTurn("b"))
    theirs.flush()
    mine.record("a", "openai/m", "k1", 0, REQUEST, ModelTurn("a"))
    mine.flush()
    cases = [e["case"] for e in json.loads(path.read_text())["exchanges"]]
    assert cases == ["a", "b"]
    assert not [
        p for p in path.parent.iterdir() if p.name != path.name
    ]  # no temp or lock


def test_secrets_are_scrubbed_from_what_is_written(tmp_path):
    secret = "sk-CANARY-cassette-0000000"
    environment = {"OPENAI_API_KEY": secret, "HOME": "/root", "SHORT_TOKEN": "abc"}
    assert secrets_in(environment) == [secret]
    model = CountingModel()
    leaky = ModelRequest(
        "m", "case", ({"role": "user", "content": f"key {secret}"},), ()
    )
    ask(recorder(tmp_path, "once", model, secrets_in(environment)), leaky)
    text = (tmp_path / "__fncall_cassettes__" / "w.fncall.json").read_text()
    assert secret not in text
    assert "key ***" in text


def test_a_corrupt_cassette_is_a_clear_error(tmp_path):
    path = tmp_path / "__fncall_cassettes__" / "w.fncall.json"
    path.parent.mkdir()
    path.write_text("{not json")
    with pytest.raises(ProviderError, match=r"cannot read cassette .*w\.fncall\.json"):
        ask(recorder(tmp_path, "none", CountingModel()))


def test_recordings_wait_for_a_flush_then_all_arrive_in_one_write(tmp_path):
    path = tmp_path / "__fncall_cassettes__" / "w.fncall.json"
    cassette = Cassette(path, [])
    for number in range(50):
        cassette.record(
            f"case{number}", "openai/m", "k", 0, REQUEST, ModelTurn(str(number))
        )
    assert not path.exists()  # nothing written per exchange
    assert cassette.find("case7", "openai/m", "k", 0) == ModelTurn(
        "7"
    )  # but replayable
    cassette.flush()
    assert len(json.loads(path.read_text())["exchanges"]) == 50
