"""Record and replay model exchanges, so behaviour specs run offline (DESIGN §5).

One JSON cassette per spec file, in ``__fncall_cassettes__/`` beside it. An exchange is
keyed by a hash of the canonical request (provider, model, messages, tools, tool_choice,
settings; keys sorted) and by the case and the occurrence of that request within the
case, so repeated trials are separate exchanges. It holds the neutral turn (what replay
returns) and the provider's raw response (for people reading the diff).

Modes: ``off`` (live, no cassette), ``none`` (replay only), ``once`` (replay what is
recorded, record what is missing), ``new`` (always ask the model; add the answers beside
the old ones), ``all`` (always ask the model; replace the case's old answers).

Writes are atomic (temporary file + rename) and serialised between pytest-xdist workers
by a lock on the cassette directory, each write merging into what is on disk; recorded
exchanges are written at most every two seconds and when the run ends, so an
interrupted run (Ctrl-C) leaves the cassette as it was or with whole exchanges added,
never half a file. Secrets from the environment (``*_API_KEY``, ``*_TOKEN``, ...) are
scrubbed from all it writes. A cassette that is not readable JSON of this shape (edited
by hand, say) is a :class:`ProviderError` naming it, never a crash.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .errors import ProviderError
from .files import locked_directory, write_atomically
from .providers.base import ModelRequest, Provider
from .providers.redact import scrub
from .providers.redact import secrets_in as secrets_in
from .results import ModelTurn, ToolCall, Usage, nesting_depth

CASSETTE_DIR = "__fncall_cassettes__"
FORMAT_VERSION = 1
FLUSH_INTERVAL_S = 2.0
MAX_RESPONSE_DEPTH = 100
"""A raw response nested deeper is not kept (the cassette keeps the turn it gave)."""


def cassette_path(spec_path: Path) -> Path:
    """``dir/weather.fncall.yaml`` -> ``dir/__fncall_cassettes__/weather.fncall.json``."""
    stem = spec_path.name.rsplit(".", 1)[0]
    return spec_path.parent / CASSETTE_DIR / f"{stem}.json"


def request_key(provider: str, request: ModelRequest) -> str:
    canonical = {
        "provider": provider,
        "model": request.model,
        "messages": list(request.messages),
        "tools": [
            {"name": t.name, "description": t.description, "parameters": t.parameters}
            for t in request.tools
        ],
        "tool_choice": request.tool_choice,
        "settings": dict(request.settings),
    }
    text = json.dumps(
        canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:32]


class Cassette:
    """The exchanges of one spec file, loaded once and merged into the file on write."""

    def __init__(self, path: Path, secrets: list[str]) -> None:
        self.path = path
        self.secrets = secrets
        self._exchanges: dict[tuple[str, str, str, int], dict[str, Any]] | None = None
        self._cleared: set[tuple[str, str]] = set()
        # Recorded exchanges wait here and reach the file at most every FLUSH_INTERVAL_S
        # and when the run ends (rewriting a big cassette per exchange would be quadratic).
        self._pending: dict[tuple[str, str, str, int], dict[str, Any]] = {}
        self._to_drop: set[tuple[str, str]] = set()
        self._last_flush = time.monotonic()

    def find(
        self, case: str, model: str, key: str, occurrence: int
    ) -> ModelTurn | None:
        exchange = self._load().get((case, model, key, occurrence))
        if not exchange:
            return None
        try:
            return turn_from_json(exchange["turn"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ProviderError(
                f"cassette {self.path}: the exchange of case {case!r} (request "
                f"#{occurrence + 1}) is damaged ({type(exc).__name__}: {exc}); delete "
                "it, or re-record with --fncall-record-mode=all"
            ) from None

    def next_free(self, case: str, model: str, key: str) -> int:
        taken = [o for (c, m, k, o) in self._load() if (c, m, k) == (case, model, key)]
        return max(taken, default=-1) + 1

    def record(
        self,
        case: str,
        model: str,
        key: str,
        occurrence: int,
        request: ModelRequest,
        turn: ModelTurn,
        replace_case: bool = False,
    ) -> None:
        exchange = {
            "case": case,
            "model": model,
            "key": key,
            "occurrence": occurrence,
            "request": {
                "messages": list(request.messages),
                "tools": [t.name for t in request.tools],
                "tool_choice": request.tool_choice,
                "settings": dict(request.settings),
            },
            "turn": turn_to_json(turn),
            "response": _recordable(turn.raw),
        }
        if replace_case and (case, model) not in self._cleared:
            self._cleared.add((case, model))
            self._to_drop.add((case, model))
        self._pending[(case, model, key, occurrence)] = exchange
        self._load()[(case, model, key, occurrence)] = exchange
        if time.monotonic() - self._last_flush >= FLUSH_INTERVAL_S:
            self.flush()

    def flush(self) -> None:
        """Merge the exchanges recorded since the last flush into the file on disk."""
        if not self._pending and not self._to_drop:
            return
        with locked_directory(self.path.parent):
            on_disk = self._read()
            if self._to_drop:
                on_disk = {
                    k: v for k, v in on_disk.items() if k[:2] not in self._to_drop
                }
            on_disk.update(self._pending)
            self._write(on_disk)
            self._exchanges = on_disk
        self._pending = {}
        self._to_drop = set()
        self._last_flush = time.monotonic()

    def _load(self) -> dict[tuple[str, str, str, int], dict[str, Any]]:
        if self._exchanges is None:
            self._exchanges = self._read()
        return self._exchanges

    def _read(self) -> dict[tuple[str, str, str, int], dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise ProviderError(f"cannot read cassette {self.path}: {exc}") from None
        except RecursionError:
            raise ProviderError(
                f"cannot read cassette {self.path}: nested too deeply"
            ) from None
        exchanges = data.get("exchanges") if isinstance(data, dict) else None
        if not isinstance(exchanges, list):
            raise ProviderError(f"cassette {self.path} has no 'exchanges' list")
        found = {}
        for index, exchange in enumerate(exchanges):
            try:
                identity = (
                    exchange["case"],
                    exchange["model"],
                    exchange["key"],
                    int(exchange["occurrence"]),
                )
                if not all(isinstance(part, str) for part in identity[:3]):
                    raise TypeError("case, model and key must be strings")
            except (KeyError, TypeError, ValueError) as exc:
                raise ProviderError(
                    f"cassette {self.path}: exchanges[{index}] is damaged "
                    f"({type(exc).__name__}: {exc}); delete the cassette or the "
                    "exchange and record again"
                ) from None
            found[identity] = exchange
        return found

    def _write(
        self, exchanges: Mapping[tuple[str, str, str, int], dict[str, Any]]
    ) -> None:
        document = {
            "version": FORMAT_VERSION,
            "comment": "Recorded by pytest-fncall; re-record with --fncall-record-mode.",
            "exchanges": [exchanges[k] for k in sorted(exchanges)],
        }
        text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        write_atomically(self.path, scrub(text, self.secrets))


class RecordingProvider:
    """A provider that answers from a cassette, asking the real one as the mode allows.

    ``make_live`` builds the real provider only when it is needed, so replaying needs
    no key and no server.
    """

    def __init__(
        self,
        cassette: Cassette,
        mode: str,
        case: str,
        model: str,
        make_live: Callable[[], Provider],
    ) -> None:
        self.cassette = cassette
        self.mode = mode
        self.case = case
        self.model = model
        self.make_live = make_live
        self._asked: dict[str, int] = {}

    async def complete(self, request: ModelRequest) -> ModelTurn:
        provider_name = self.model.split("/", 1)[0]
        key = request_key(provider_name, request)
        occurrence = self._asked.get(key, 0)
        self._asked[key] = occurrence + 1
        if self.mode in ("none", "once"):
            turn = self.cassette.find(self.case, self.model, key, occurrence)
            if turn is not None:
                return turn
            if self.mode == "none":
                raise ProviderError(
                    f"no recorded exchange for case {self.case!r} ({self.model}, request "
                    f"#{occurrence + 1}) in {_shown(self.cassette.path)}: the request "
                    "changed or was never recorded; record it against a live model with "
                    "--fncall-record-mode=once"
                )
        elif self.mode == "new":
            occurrence = self.cassette.next_free(self.case, self.model, key)
        turn = await self.make_live().complete(request)
        self.cassette.record(
            self.case,
            self.model,
            key,
            occurrence,
            request,
            turn,
            replace_case=self.mode == "all",
        )
        return turn


def turn_to_json(turn: ModelTurn) -> dict[str, Any]:
    return {
        "text": turn.text,
        "calls": [
            {"id": c.id, "name": c.name, "arguments": c.raw_arguments}
            for c in turn.calls
        ],
        "finish_reason": turn.finish_reason,
        "usage": {
            "input_tokens": turn.usage.input_tokens,
            "output_tokens": turn.usage.output_tokens,
        },
        "latency_s": None if turn.latency_s is None else round(turn.latency_s, 3),
    }


def turn_from_json(data: Mapping[str, Any]) -> ModelTurn:
    """A recorded turn; raw arguments are parsed again, exactly as a live answer is.

    A value of the wrong type raises TypeError or KeyError (the cassette is damaged).
    """
    usage = data.get("usage") or {}
    text = data.get("text")
    latency = data.get("latency_s")
    if text is not None and not isinstance(text, str):
        raise TypeError("'text' must be a string or null")
    if latency is not None and not isinstance(latency, (int, float)):
        raise TypeError("'latency_s' must be a number or null")
    calls = []
    for call in data.get("calls") or []:
        call_id, name, arguments = call["id"], call["name"], call["arguments"]
        if not isinstance(call_id, str) or not isinstance(name, str):
            raise TypeError("a call's 'id' and 'name' must be strings")
        calls.append(ToolCall.from_model_arguments(call_id, name, arguments))
    reason = data.get("finish_reason")
    return ModelTurn(
        text=text,
        calls=tuple(calls),
        finish_reason=reason if isinstance(reason, str) else None,
        usage=Usage(
            _count(usage.get("input_tokens")), _count(usage.get("output_tokens"))
        ),
        latency_s=latency,
    )


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _recordable(raw: Any) -> Any:
    """The raw response as the cassette can hold it: JSON, and not nested so deeply that
    writing the indented file would exhaust the stack; otherwise a note saying why."""
    if raw is None:
        return None
    if nesting_depth(raw, MAX_RESPONSE_DEPTH) > MAX_RESPONSE_DEPTH:
        return f"(not kept: nested deeper than {MAX_RESPONSE_DEPTH} levels)"
    try:
        json.dumps(raw)
    except (TypeError, ValueError, RecursionError) as exc:
        return f"(not kept: not JSON: {type(exc).__name__})"
    return raw


def _shown(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"
