"""``scripted/<path>``: canned assistant turns from a YAML file, for offline runs.

The file maps case ids to lists of turns (DESIGN §2)::

    picks_weather:
      - calls:
          - {name: get_weather, arguments: {city: Paris}}
      - text: "It is 18 degrees in Paris."
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ProviderError
from ..results import ModelTurn, ToolCall
from ..yamlfile import YamlDocument, YamlProblem, parse_yaml
from .base import ModelRequest

_TURN_KEYS = {"calls", "text"}
_CALL_KEYS = {"name", "arguments", "id"}


class ScriptedProvider:
    """Replays the turns scripted for each case; the n-th request of a trial gets turn n."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._turns: dict[str, list[ModelTurn]] | None = None

    async def complete(self, request: ModelRequest) -> ModelTurn:
        turns = self._load().get(request.case_id)
        if turns is None:
            raise ProviderError(
                f"{self.path.name} has no entry for case {request.case_id!r}: add "
                f"`{request.case_id}:` with a list of assistant turns"
            )
        if request.step >= len(turns):
            raise ProviderError(
                f"{self.path.name}: case {request.case_id!r} scripts {len(turns)} "
                f"turn(s); the run asked for turn {request.step + 1}"
            )
        return turns[request.step]

    def _load(self) -> dict[str, list[ModelTurn]]:
        if self._turns is None:
            self._turns = _read_script(self.path)
        return self._turns


def _read_script(path: Path) -> dict[str, list[ModelTurn]]:
    try:
        document = parse_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProviderError(f"script file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProviderError(f"cannot read script file {path}: {exc}") from None
    except YamlProblem as exc:
        raise ProviderError(f"{path.name}:{exc.line}: {exc.message}") from None
    if not isinstance(document.data, dict):
        raise ProviderError(
            f"{path.name}: expected a mapping of case ids to turn lists"
        )
    return {
        str(case_id): _turns(document, path, case_id, raw)
        for case_id, raw in document.data.items()
    }


def _turns(
    document: YamlDocument, path: Path, case_id: str, raw: Any
) -> list[ModelTurn]:
    def fail(key_path: tuple[str | int, ...], message: str) -> ProviderError:
        line = document.line_of((case_id, *key_path))
        shown = ".".join(str(part) for part in (case_id, *key_path))
        return ProviderError(f"{path.name}:{line}: {shown}: {message}")

    if not isinstance(raw, list):
        raise fail((), "expected a list of assistant turns")
    turns = []
    for index, turn in enumerate(raw):
        if not isinstance(turn, dict):
            raise fail((index,), "a turn is a mapping with 'calls' and/or 'text'")
        unknown = set(turn) - _TURN_KEYS
        if unknown:
            raise fail(
                (index,), f"unknown key(s) {sorted(unknown)}; use 'calls', 'text'"
            )
        text = turn.get("text")
        if text is not None and not isinstance(text, str):
            raise fail((index, "text"), "must be a string")
        raw_calls = turn.get("calls") or []
        if not isinstance(raw_calls, list):
            raise fail((index, "calls"), "must be a list")
        calls = []
        for number, call in enumerate(raw_calls):
            where = (index, "calls", number)
            if not isinstance(call, dict) or not isinstance(call.get("name"), str):
                raise fail(where, "a call is a mapping with 'name' and 'arguments'")
            unknown = set(call) - _CALL_KEYS
            if unknown:
                raise fail(
                    where, f"unknown key(s) {sorted(unknown)}; use name, arguments"
                )
            call_id = str(call.get("id") or f"call_{index}_{number}")
            calls.append(
                ToolCall.from_model_arguments(
                    call_id, call["name"], call.get("arguments", {})
                )
            )
        turns.append(ModelTurn(text=text, calls=tuple(calls), finish_reason="scripted"))
    return turns
