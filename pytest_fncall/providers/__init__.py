"""Providers: one module per wire format, behind the :class:`Provider` protocol.

Built in: ``scripted/<path>`` and ``python/<module>:<callable>``. Plugins add more through
the ``pytest_fncall_make_provider`` hook.
"""

from __future__ import annotations

from ..errors import ProviderError
from ..settings import Settings
from .base import ModelRequest, Provider

BUILTIN_PROVIDERS = ("python", "scripted")


def make_builtin_provider(name: str, model: str, settings: Settings) -> Provider | None:
    """The built-in provider ``name`` for ``model``, or None when ``name`` is not built in."""
    if not model:
        raise ProviderError(f"{name}/: the model part is empty (use {name}/<model>)")
    if name == "scripted":
        from .scripted import ScriptedProvider

        return ScriptedProvider(settings.rootdir / model)
    if name == "python":
        from .python import PythonProvider

        return PythonProvider(model, settings.rootdir)
    return None


__all__ = ["BUILTIN_PROVIDERS", "ModelRequest", "Provider", "make_builtin_provider"]
