"""The one POST every HTTP provider sends: with retries, back-off and clean errors.

Retried: 429 (unless the provider says a quota or spend limit is exhausted), 5xx,
connection errors, read errors and timeouts; with exponential back-off and jitter, or as
long as ``Retry-After`` / ``retry-after-ms`` asks. Everything else ends in a
:class:`ProviderError` naming provider, status and the provider's own message.

Whatever the server sends, reading it is bounded: a body over :data:`MAX_RESPONSE_BYTES`
or nested too deeply to decode is a :class:`ProviderError`, and secrets (keys, tokens:
see :mod:`.redact`) are scrubbed from the decoded body before anything reads it, so an
echoed key reaches no message, trajectory, cassette or report. Reading the reply is
:mod:`.http_replies`' job; the clients come from :mod:`.http_pool`.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from ..errors import ProviderError
from .http_pool import current_client_pool, new_client
from .http_replies import (
    MAX_RESPONSE_BYTES,
    TOO_DEEP,
    body_text,
    decoded,
    error_message,
    quota_exhausted,
    read_limited,
    retry_after,
    snippet,
)
from .limiter import current_limiter
from .redact import scrub, scrub_json

__all__ = [
    "MAX_BACKOFF_S",
    "MAX_RESPONSE_BYTES",
    "HttpPolicy",
    "HttpReply",
    "Sleep",
    "post_json",
]

MAX_BACKOFF_S = 30.0

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
    async with new_client(policy) as client:
        return await _send(client, provider, url, body, headers, policy, secrets, hint)


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
            content = await read_limited(response)
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
    data, problem = decoded(content)
    if problem is None:
        data = scrub_json(data, secrets)
    if response.is_success:
        if problem is None:
            return HttpReply(status, data, time.perf_counter() - started, 1)
        shown = snippet(scrub(body_text(content, response), secrets))
        return _Failed(
            f"{provider}: HTTP {status}, but the body is not JSON: "
            f"{problem if problem == TOO_DEEP else shown or '(empty body)'}",
            False,
            status,
        )
    if problem is None:
        message = error_message(data)
    else:
        message = (
            snippet(scrub(body_text(content, response), secrets)) or "(empty body)"
        )
    text = f"{provider}: HTTP {status} {response.reason_phrase}: {message}"
    retryable = status >= 500 or (status == 429 and not quota_exhausted(message))
    return _Failed(text, retryable, status, retry_after(response))


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
