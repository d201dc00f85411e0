"""Reading an HTTP provider's reply without trusting it: a bounded body, decoded JSON,
the provider's own error message, and the wait ``Retry-After`` asks for.

A body over :data:`MAX_RESPONSE_BYTES`, or nested too deeply to decode, is reported
rather than raised; :mod:`.http` turns it into a :class:`~pytest_fncall.errors.ProviderError`.
"""

from __future__ import annotations

import email.utils
import json
import math
import time
from collections.abc import Mapping
from typing import Any

import httpx

__all__ = [
    "MAX_RESPONSE_BYTES",
    "MAX_RETRY_AFTER_S",
    "TOO_DEEP",
    "body_text",
    "decoded",
    "error_message",
    "provider_message",
    "quota_exhausted",
    "read_limited",
    "retry_after",
    "snippet",
]

MAX_RESPONSE_BYTES = 16 * 1024 * 1024
"""A larger body is a provider error: a real reply, even a long one, is far smaller."""
MAX_RETRY_AFTER_S = 120.0
_QUOTA_WORDS = ("quota", "billing", "credit", "spend", "insufficient")


async def read_limited(response: httpx.Response) -> bytes | None:
    """The body, or None when it is larger than :data:`MAX_RESPONSE_BYTES`."""
    try:
        declared = int(response.headers.get("content-length", "0"))
    except ValueError:
        declared = 0
    if declared > MAX_RESPONSE_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


TOO_DEEP = "it nests arrays or objects too deeply to decode"


def decoded(content: bytes) -> tuple[Any, str | None]:
    """The JSON in ``content``, or why there is none (no exception escapes)."""
    if not content.strip():
        return None, "empty body"
    try:
        return json.loads(content), None
    except RecursionError:
        return None, TOO_DEEP
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError included
        return None, snippet(str(exc), 80)


def body_text(content: bytes, response: httpx.Response) -> str:
    """The body as text, in its declared charset (UTF-8 when unknown)."""
    try:
        return content.decode(response.encoding or "utf-8", errors="replace")
    except LookupError:  # an unknown charset
        return content.decode("utf-8", errors="replace")


def provider_message(response: httpx.Response) -> str:
    """The provider's own error message, from the usual JSON error shapes."""
    data, problem = decoded(response.content)
    if problem is not None:
        return snippet(response.text) or "(empty body)"
    return error_message(data)


def error_message(data: Any) -> str:
    """The provider's message in a decoded error body, else the body itself, shortened."""
    found = _message_in(data)
    if found:
        return snippet(found, 1000)
    try:
        shown = json.dumps(data, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        shown = ""
    return snippet(shown) or "(empty body)"


def _message_in(data: Any, depth: int = 0) -> str | None:
    """OpenAI/Anthropic ``{"error": {"message"}}``, Mistral ``{"message"}`` or
    ``{"detail": [{"msg"}]}``, Ollama ``{"error": "..."}`` (looked for 8 levels deep)."""
    if isinstance(data, str):
        return data or None
    if depth >= 8:
        return None
    if isinstance(data, list):
        parts = [_message_in(item, depth + 1) for item in data[:3]]
        return "; ".join(part for part in parts if part) or None
    if not isinstance(data, Mapping):
        return None
    for key in ("error", "message", "detail", "msg"):
        found = _message_in(data.get(key), depth + 1)
        if found:
            kind = data.get("type") or data.get("code")
            if key == "message" and isinstance(kind, str) and kind != "error":
                return f"{found} ({kind})"
            return found
    kind = data.get("type") or data.get("code")  # an error with an empty message
    return kind if isinstance(kind, str) and kind and kind != "error" else None


def quota_exhausted(message: str) -> bool:
    """Whether the message says a quota or spend limit is exhausted (a retry won't help)."""
    lowered = message.lower()
    return any(word in lowered for word in _QUOTA_WORDS)


def retry_after(response: httpx.Response) -> float | None:
    """The wait the server asks for, in seconds (0 to MAX_RETRY_AFTER_S), or None."""
    milliseconds = response.headers.get("retry-after-ms")
    if milliseconds:
        seconds = _finite(milliseconds)
        if seconds is not None:
            return min(max(seconds / 1000, 0.0), MAX_RETRY_AFTER_S)
    value = response.headers.get("retry-after")
    if not value:
        return None
    seconds = _finite(value)
    if seconds is not None:
        return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)
    try:
        when = email.utils.parsedate_to_datetime(value)
        wait = when.timestamp() - time.time()
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    return min(max(wait, 0.0), MAX_RETRY_AFTER_S)


def _finite(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def snippet(text: str, limit: int = 200) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
