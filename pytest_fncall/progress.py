"""A live status while an item waits for a slow model: requests done, in flight, retried.

Shown only on an interactive terminal, after the item has waited a while, at the end of
pytest's current line, and erased again before pytest writes the item's outcome, so the
dots of ``-q``, the lines of ``-v`` and non-TTY logs are untouched (nothing is written
to a file or a pipe). On a pytest-xdist worker nothing is shown.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, TypeVar

import pytest

from .providers.limiter import RequestStats

if TYPE_CHECKING:
    from _pytest._io import TerminalWriter

T = TypeVar("T")
QUIET_WAIT_S = 2.0
REFRESH_S = 0.5


def status_text(stats: RequestStats) -> str:
    text = f" [fncall: {stats.done} done, {stats.in_flight} in flight"
    if stats.retried:
        text += f", {stats.retried} retried"
    return text + "]"


def wait_with_progress(
    config: pytest.Config, future: concurrent.futures.Future[T], stats: RequestStats
) -> T:
    """``future.result()``, showing the run's request status while it takes long."""
    try:
        return future.result(timeout=QUIET_WAIT_S)
    except concurrent.futures.TimeoutError:
        pass
    if hasattr(config, "workerinput"):
        return future.result()
    writer = config.get_terminal_writer()
    shown = ""
    try:
        while True:
            text = status_text(stats)
            if text != shown:
                with _terminal(config, writer) as interactive:
                    if not interactive:
                        return future.result()
                    _replace(writer, shown, text)
                shown = text
            try:
                return future.result(timeout=REFRESH_S)
            except concurrent.futures.TimeoutError:
                continue
    finally:
        if shown:
            with _terminal(config, writer):
                _replace(writer, shown, "")


@contextlib.contextmanager
def _terminal(config: pytest.Config, writer: TerminalWriter) -> Iterator[bool]:
    """Output capture suspended (it redirects the terminal's file descriptor during a
    test's phases); yields whether that output is an interactive terminal."""
    capture = config.pluginmanager.getplugin("capturemanager")
    suspended = (
        capture.global_and_fixture_disabled() if capture else contextlib.nullcontext()
    )
    with suspended:
        output = getattr(writer, "_file", None)
        isatty = getattr(output, "isatty", None)
        yield bool(isatty()) if callable(isatty) else False


def _replace(writer: TerminalWriter, old: str, new: str) -> None:
    """Overwrite ``old`` (just written at the end of the line) with ``new``."""
    extra = max(0, len(old) - len(new))
    writer.write("\b" * len(old) + new + " " * extra + "\b" * extra)
    writer.flush()
