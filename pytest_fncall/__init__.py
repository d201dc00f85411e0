"""pytest-fncall: test how LLMs call tools; ``*.fncall.yaml`` specs become pytest items.

Names are imported on first use, so ``import pytest_fncall`` (which pytest does for
every run where the plugin is installed) stays cheap.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("pytest-fncall")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

_EXPORTS = {
    "Failure": "results",
    "Fncall": "api",
    "FncallError": "errors",
    "FncallFailure": "errors",
    "FncallResult": "api_result",
    "FncallUsageError": "api_tools",
    "ModelRequest": "providers.base",
    "ModelTurn": "results",
    "Provider": "providers.base",
    "ProviderError": "errors",
    "Settings": "settings",
    "Spec": "spec",
    "SpecError": "errors",
    "Tool": "results",
    "ToolCall": "results",
    "ToolResult": "results",
    "Trajectory": "results",
    "Usage": "results",
}

__all__ = [
    "Failure",
    "Fncall",
    "FncallError",
    "FncallFailure",
    "FncallResult",
    "FncallUsageError",
    "ModelRequest",
    "ModelTurn",
    "Provider",
    "ProviderError",
    "Settings",
    "Spec",
    "SpecError",
    "Tool",
    "ToolCall",
    "ToolResult",
    "Trajectory",
    "Usage",
    "__version__",
]

if TYPE_CHECKING:
    from .api import Fncall
    from .api_result import FncallResult
    from .api_tools import FncallUsageError
    from .errors import FncallError, FncallFailure, ProviderError, SpecError
    from .providers.base import ModelRequest, Provider
    from .results import (
        Failure,
        ModelTurn,
        Tool,
        ToolCall,
        ToolResult,
        Trajectory,
        Usage,
    )
    from .settings import Settings
    from .spec import Spec


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pytest_fncall' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
