"""The run's budget of model requests in flight, shared by every provider.

At most ``limit`` requests are in flight. A 429 (rate limited) halves the window and
pauses every new request for as long as the server asked; each success widens it again
(additive increase, multiplicative decrease), so a rate limit slows the whole run down,
not just the request that met it. The scheduler sets :data:`current_limiter` for the
runs it starts; without one (a direct call), requests are not limited.
"""

from __future__ import annotations

import asyncio
import contextvars
from dataclasses import dataclass


@dataclass
class RequestStats:
    done: int = 0
    in_flight: int = 0
    retried: int = 0
    throttled: int = 0


class RequestLimiter:
    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("the request limit must be at least 1")
        self.limit = limit
        self.window = float(limit)
        self.stats = RequestStats()
        self._paused_until = 0.0
        self._condition: asyncio.Condition | None = None

    @property
    def allowed(self) -> int:
        return max(1, int(self.window))

    def _cond(self) -> asyncio.Condition:
        if self._condition is None:  # created on the loop that uses it
            self._condition = asyncio.Condition()
        return self._condition

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        condition = self._cond()
        while True:
            async with condition:
                delay = self._paused_until - loop.time()
                if delay <= 0 and self.stats.in_flight < self.allowed:
                    self.stats.in_flight += 1
                    return
                if delay <= 0:
                    await condition.wait()
                    continue
            await asyncio.sleep(delay)

    async def release(
        self, *, throttled: bool = False, wait_s: float | None = None
    ) -> None:
        loop = asyncio.get_running_loop()
        condition = self._cond()
        async with condition:
            self.stats.in_flight -= 1
            self.stats.done += 1
            if throttled:
                self.stats.throttled += 1
                self.window = max(1.0, self.window / 2)
                if wait_s:
                    self._paused_until = max(self._paused_until, loop.time() + wait_s)
            else:
                self.window = min(float(self.limit), self.window + 1 / self.window)
            condition.notify(max(0, self.allowed - self.stats.in_flight))

    def note_retry(self) -> None:
        self.stats.retried += 1


current_limiter: contextvars.ContextVar[RequestLimiter | None] = contextvars.ContextVar(
    "fncall_request_limiter", default=None
)
