"""What every HTTP provider shares: one POST with retries, back-off and clean errors.

Retried: 429 (unless the provider says a quota or spend limit is exhausted), 5xx,
connection errors, read errors and timeouts; with exponential back-off and jitter, or as
long as ``Retry-After`` / ``retry-after-ms`` asks. Everything else ends in a
:class:`ProviderError` naming provider, status and the provider's own message.

Whatever the server sends, reading it is bounded: a body over :data:`MAX_RESPONSE_BYTES`
or nested too deeply to decode is a :class:`ProviderError`, and secrets (keys, tokens:
see :mod:`.redact`) are scrubbed from the decoded body before anything reads it, so an
echoed key reaches no message, trajectory, cassette or report.
"""

from __future__ import annotations

import asyncio
import contextvars
import email.utils
import functools
import json
import math
import random
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from ..errors import ProviderError
from ..settings import Settings
from .limiter import current_limiter
from .redact import scrub, scrub_json, secrets_in

MAX_RESPONSE_BYTES = 16 * 1024 * 1024
"""A larger body is a provider error: a real reply, even a long one, is far smaller."""
MAX_BACKOFF_S = 30.0
MAX_RETRY_AFTER_S = 120.0
_QUOTA_WORDS = ("quota", "billing", "credit", "spend", "insufficient")

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class HttpPolicy:
    """How requests are sent: timeout per attempt, retries, and the transport (tests)."""

    timeout_s: float
    max_retries: int
    transport: httpx.AsyncBaseTransport | None = None
    sleep: Sleep = asyncio.sleep
    backoff_base_s: float = 0.5


@dataclass(frozen=True)
class HttpReply:
    status: int
    data: Any
    latency_s: float
    attempts: int


async def post_json(
    provider: str,
    url: str,
    body: Mapping[str, Any],
    headers: Mapping[str, str],
    policy: HttpPolicy,
    secrets: Sequence[str] = (),
    hint: Callable[[int, str], str | None] | None = None,
) -> HttpReply:
    """POST ``body`` as JSON and return the decoded JSON of a 2xx answer.

    ``hint(status, message)`` may add advice to the final error (a known server quirk).
    """
    pool = current_client_pool.get()
    if pool is not None:
        client = pool.client(policy)
        return await _send(client, provider, url, body, headers, policy, secrets, hint)
    async with _new_client(policy) as client:
        return await _send(client, provider, url, body, headers, policy, secrets, hint)


class ClientPool:
    """Long-lived clients, so requests of one run reuse their connections (keep-alive).

    The scheduler makes one for its event loop and closes it when the run ends; without
    one (a direct call), each request gets a client of its own.
    """

    def __init__(self, connections: int = 20) -> None:
        self._connections = connections
        self._clients: dict[tuple[int, float], httpx.AsyncClient] = {}

    def client(self, policy: HttpPolicy) -> httpx.AsyncClient:
        key = (id(policy.transport), policy.timeout_s)
        if key not in self._clients:
            self._clients[key] = _new_client(policy, self._connections)
        return self._clients[key]

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()


current_client_pool: contextvars.ContextVar[ClientPool | None] = contextvars.ContextVar(
    "fncall_client_pool", default=None
)


def _new_client(policy: HttpPolicy, connections: int = 20) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=policy.transport,
        timeout=policy.timeout_s,
        follow_redirects=True,
        verify=_ssl_context(),
        limits=httpx.Limits(
            max_connections=None, max_keepalive_connections=max(20, connections)
        ),
    )


async def _send(
    client: httpx.AsyncClient,
    provider: str,
    url: str,
    body: Mapping[str, Any],
    headers: Mapping[str, str],
    policy: HttpPolicy,
    secrets: Sequence[str],
    hint: Callable[[int, str], str | None] | None,
) -> HttpReply:
    """Attempts, with back-off between them, until an answer or a final failure."""
    attempts = 0
    while True:
        attempts += 1
        outcome = await _limited_attempt(client, provider, url, body, headers, secrets)
        if not isinstance(outcome, _Failed):
            # the answering attempt's own time: not the wait for a free slot, not back-off
            return HttpReply(outcome.status, outcome.data, outcome.latency_s, attempts)
        if not outcome.retryable or attempts > policy.max_retries:
            text = outcome.message
            if attempts > 1:
                text += f" (after {attempts} attempts)"
            advice = hint(outcome.status, text) if hint and outcome.status else None
            if advice:
                text += f"; {advice}"
            raise ProviderError(scrub(text, secrets))
        delay = outcome.wait if outcome.wait is not None else _backoff(policy, attempts)
        limiter = current_limiter.get()
        if limiter is not None:
            limiter.note_retry()
        await policy.sleep(delay)


@dataclass(frozen=True)
class _Failed:
    message: str
    retryable: bool
    status: int | None = None
    wait: float | None = None  # what the server asked for (Retry-After)


async def _limited_attempt(
    client: httpx.AsyncClient,
    provider: str,
    url: str,
    body: Mapping[str, Any],
    headers: Mapping[str, str],
    secrets: Sequence[str] = (),
) -> HttpReply | _Failed:
    """One attempt inside the run's request budget (see :mod:`.limiter`)."""
    limiter = current_limiter.get()
    if limiter is None:
        return await _attempt(client, provider, url, body, headers, secrets)
    await limiter.acquire()
    outcome: HttpReply | _Failed | None = None
    try:
        outcome = await _attempt(client, provider, url, body, headers, secrets)
        return outcome
    finally:
        failed = outcome if isinstance(outcome, _Failed) else None
        await limiter.release(
            throttled=failed is not None and failed.status == 429,
            wait_s=failed.wait if failed is not None else None,
        )


async def _attempt(
    client: httpx.AsyncClient,
    provider: str,
    url: str,
    body: Mapping[str, Any],
    headers: Mapping[str, str],
    secrets: Sequence[str] = (),
) -> HttpReply | _Failed:
    started = time.perf_counter()
    try:
        async with client.stream(
            "POST", url, json=body, headers=dict(headers)
        ) as response:
            content = await _read_limited(response)
    except httpx.TimeoutException as exc:
        kind = type(exc).__name__
        return _Failed(f"{provider}: request timed out ({kind}) at {_where(url)}", True)
    except httpx.TransportError as exc:
        cause = str(exc) or type(exc).__name__
        return _Failed(f"{provider}: connection failed to {_where(url)}: {cause}", True)
    except (httpx.RequestError, httpx.InvalidURL) as exc:  # redirects, bad encodings
        cause = str(exc) or type(exc).__name__
        return _Failed(f"{provider}: request to {_where(url)} failed: {cause}", False)
    status = response.status_code
    if content is None:
        size = MAX_RESPONSE_BYTES // (1024 * 1024)
        return _Failed(
            f"{provider}: HTTP {status}, but the body is larger than {size} MiB",
            False,
            status,
        )
    data, problem = _decoded(content)
    if problem is None:
        data = scrub_json(data, secrets)
    if response.is_success:
        if problem is None:
            return HttpReply(status, data, time.perf_counter() - started, 1)
        snippet = _snippet(scrub(_text(content, response), secrets))
        return _Failed(
            f"{provider}: HTTP {status}, but the body is not JSON: "
            f"{problem if problem == _TOO_DEEP else snippet or '(empty body)'}",
            False,
            status,
        )
    if problem is None:
        message = _error_message(data)
    else:
        message = _snippet(scrub(_text(content, response), secrets)) or "(empty body)"
    text = f"{provider}: HTTP {status} {response.reason_phrase}: {message}"
    retryable = status >= 500 or (status == 429 and not _quota_exhausted(message))
    return _Failed(text, retryable, status, _retry_after(response))


async def _read_limited(response: httpx.Response) -> bytes | None:
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


_TOO_DEEP = "it nests arrays or objects too deeply to decode"


def _decoded(content: bytes) -> tuple[Any, str | None]:
    """The JSON in ``content``, or why there is none (no exception escapes)."""
    if not content.strip():
        return None, "empty body"
    try:
        return json.loads(content), None
    except RecursionError:
        return None, _TOO_DEEP
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError included
        return None, _snippet(str(exc), 80)


def _text(content: bytes, response: httpx.Response) -> str:
    try:
        return content.decode(response.encoding or "utf-8", errors="replace")
    except LookupError:  # an unknown charset
        return content.decode("utf-8", errors="replace")


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One TLS context for the run: building one per client costs ~25 ms (certificates)."""
    return httpx.create_ssl_context()


def provider_message(response: httpx.Response) -> str:
    """The provider's own error message, from the usual JSON error shapes."""
    data, problem = _decoded(response.content)
    if problem is not None:
        return _snippet(response.text) or "(empty body)"
    return _error_message(data)


def _error_message(data: Any) -> str:
    found = _message_in(data)
    if found:
        return _snippet(found, 1000)
    try:
        shown = json.dumps(data, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        shown = ""
    return _snippet(shown) or "(empty body)"


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


def _quota_exhausted(message: str) -> bool:
    lowered = message.lower()
    return any(word in lowered for word in _QUOTA_WORDS)


def _retry_after(response: httpx.Response) -> float | None:
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


def _backoff(policy: HttpPolicy, attempt: int) -> float:
    ceiling: float = min(policy.backoff_base_s * 2.0 ** (attempt - 1), MAX_BACKOFF_S)
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # "equal jitter"


def _where(url: str) -> str:
    """Scheme, host and port of ``url`` (never its path, query or credentials)."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return "an invalid URL"
    return f"{parsed.scheme}://{parsed.host}{':' + str(parsed.port) if parsed.port else ''}"


def _snippet(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class KeyedHttpProvider:
    """The connection part every keyed HTTP provider shares: base URL and key.

    Base URL: ``--fncall-base-url``, else the provider's environment variable, else its
    public URL. The key comes from the environment; it is required only for the public
    URL (a local server usually needs none).
    """

    name: str
    key_variable: str
    base_url_variable: str
    public_base_url: str

    def __init__(
        self,
        model: str,
        settings: Settings,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.model = model
        environment = settings.environment
        base = settings.base_url or environment.get(self.base_url_variable)
        self.base_url = (base or self.public_base_url).rstrip("/")
        self.key = environment.get(self.key_variable) or None
        if self.key is None and self.base_url == self.public_base_url.rstrip("/"):
            raise ProviderError(
                f"{self.name}: {self.key_variable} is not set; export it, or point "
                f"--fncall-base-url at a server that needs no key"
            )
        self.secrets = secrets_in(environment, self.key)
        self.policy = HttpPolicy(settings.timeout_s, settings.max_retries, transport)
