"""``python/<module>:<callable>``: an in-process model or agent (DESIGN §2).

The callable (sync or async) gets the request as an OpenAI Chat Completions body and
returns an assistant message dict or a whole chat.completion dict.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import ProviderError
from ..results import ModelTurn
from .base import ModelRequest
from .openai_format import parse_openai_reply


class PythonProvider:
    def __init__(self, target: str, rootdir: Path) -> None:
        self.target = target
        self.function = _resolve(target, rootdir)

    async def complete(self, request: ModelRequest) -> ModelTurn:
        started = time.perf_counter()
        try:
            if inspect.iscoroutinefunction(self.function):
                reply = await self.function(request.to_openai())
            else:
                reply = await asyncio.to_thread(self.function, request.to_openai())
                if inspect.isawaitable(reply):
                    reply = await reply
        except Exception as exc:
            raise ProviderError(
                f"python/{self.target} raised {type(exc).__name__}: {exc}"
            ) from exc
        turn = parse_openai_reply(reply, f"python/{self.target}")
        return replace(turn, latency_s=time.perf_counter() - started, raw=reply)


def _resolve(target: str, rootdir: Path) -> Callable[[dict[str, Any]], Any]:
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise ProviderError(
            f"python/{target}: expected python/<module>:<callable>, "
            "e.g. python/myapp.agent:respond"
        )
    try:
        module = _import(module_name, rootdir)
    except ImportError as exc:
        raise ProviderError(
            f"python/{target}: cannot import {module_name!r} ({exc}); is it installed, "
            "or on the `pythonpath` ini option?"
        ) from None
    function: Any = module
    for part in attribute.split("."):
        function = getattr(function, part, None)
        if function is None:
            raise ProviderError(f"python/{target}: {module_name} has no {attribute!r}")
    if not callable(function):
        raise ProviderError(f"python/{target}: {attribute!r} is not callable")
    resolved: Callable[[dict[str, Any]], Any] = function
    return resolved


def _import(module_name: str, rootdir: Path) -> Any:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        top = module_name.split(".")[0]
        if exc.name != top or str(rootdir) in sys.path:
            raise
    # Like a conftest.py beside it, a model module in the project's rootdir is importable.
    sys.path.insert(0, str(rootdir))
    return importlib.import_module(module_name)
