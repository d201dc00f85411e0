"""Providers: one module per wire format, behind the :class:`Provider` protocol.

Built in: ``openai``, ``mistral``, ``anthropic``, ``ollama`` (over HTTP; the only modules
that import httpx), ``scripted/<path>`` and ``python/<module>:<callable>``. Plugins add
more through the ``pytest_fncall_make_provider`` hook.
"""

from __future__ import annotations

import importlib

from ..errors import ProviderError
from ..settings import Settings
from .base import ModelRequest, Provider

_HTTP_PROVIDERS = {
    "openai": "openai:OpenAIProvider",
    "mistral": "mistral:MistralProvider",
    "anthropic": "anthropic:AnthropicProvider",
    "ollama": "ollama:OllamaProvider",
}
BUILTIN_PROVIDERS = ("anthropic", "mistral", "ollama", "openai", "python", "scripted")


def make_builtin_provider(name: str, model: str, settings: Settings) -> Provider | None:
    """The built-in provider ``name`` for ``model``, or None when ``name`` is not built in."""
    if name not in BUILTIN_PROVIDERS:
        return None
    if not model:
        raise ProviderError(f"{name}/: the model part is empty (use {name}/<model>)")
    if name == "scripted":
        from .scripted import ScriptedProvider

        return ScriptedProvider(settings.rootdir / model)
    if name == "python":
        from .python import PythonProvider

        return PythonProvider(model, settings.rootdir)
    module_name, _, class_name = _HTTP_PROVIDERS[name].partition(":")
    module = importlib.import_module(f".{module_name}", __name__)
    provider: Provider = getattr(module, class_name)(model, settings)
    return provider


__all__ = ["BUILTIN_PROVIDERS", "ModelRequest", "Provider", "make_builtin_provider"]
