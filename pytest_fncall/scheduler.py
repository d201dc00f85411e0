"""Run many cases concurrently on one event loop, ahead of the items that need them.

The loop lives in a background thread. Every run started here shares the run's
:class:`~pytest_fncall.providers.limiter.RequestLimiter`, so at most
``--fncall-concurrency`` model requests are in flight across the pytest run, whatever
the number of cases, trials or providers. An item waits only for its own run.
``close()`` cancels what is still running (``-x``, ``--maxfail``, Ctrl-C), lets the
cancelled requests close their connections, and joins the thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import threading
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from .providers.http_pool import ClientPool, current_client_pool
from .providers.limiter import RequestLimiter, current_limiter

T = TypeVar("T")
_CLOSE_TIMEOUT_S = 10.0


class Scheduler:
    def __init__(self, concurrency: int) -> None:
        self.limiter = RequestLimiter(concurrency)
        self.clients = ClientPool(concurrency)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="pytest-fncall-scheduler", daemon=True
        )
        self._thread.start()
        self._closed = False

    def submit(self, start: Callable[[], Awaitable[T]]) -> concurrent.futures.Future[T]:
        """Start ``start()`` on the loop now; the future holds its result or error."""
        return self.submit_many([start])[0]

    def submit_many(
        self, starts: Sequence[Callable[[], Awaitable[T]]]
    ) -> list[concurrent.futures.Future[T]]:
        """Start every ``start()`` with one wake-up of the loop (thousands of items at
        once would otherwise each wake it and fight the main thread for the GIL)."""
        if self._closed:
            raise RuntimeError("the scheduler is closed")
        futures: list[concurrent.futures.Future[T]] = [
            concurrent.futures.Future() for _ in starts
        ]

        def launch() -> None:
            for start, future in zip(starts, futures, strict=True):
                task = self._loop.create_task(self._limited(start))
                task.add_done_callback(functools.partial(_settle, future))

        self._loop.call_soon_threadsafe(launch)
        return futures

    async def _limited(self, start: Callable[[], Awaitable[T]]) -> T:
        current_limiter.set(self.limiter)  # this task's own context
        current_client_pool.set(self.clients)
        return await start()

    def close(self) -> None:
        """Cancel outstanding runs, close the loop and join its thread (idempotent)."""
        if self._closed:
            return
        self._closed = True
        try:
            asyncio.run_coroutine_threadsafe(self._cancel_all(), self._loop).result(
                _CLOSE_TIMEOUT_S
            )
        except (concurrent.futures.TimeoutError, RuntimeError):
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(_CLOSE_TIMEOUT_S)
        if not self._thread.is_alive():
            self._loop.close()

    async def _cancel_all(self) -> None:
        await asyncio.sleep(0)  # let a pending launch() create its tasks first
        me = asyncio.current_task()
        tasks = [task for task in asyncio.all_tasks() if task is not me]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.clients.aclose()
        await self._loop.shutdown_default_executor()  # sync `python` providers' threads


def _settle(future: concurrent.futures.Future[T], task: asyncio.Task[T]) -> None:
    """Copy a finished task's outcome to the future the main thread waits on."""
    if task.cancelled():
        future.cancel()
    elif task.exception() is not None:
        future.set_exception(task.exception())
    else:
        future.set_result(task.result())
