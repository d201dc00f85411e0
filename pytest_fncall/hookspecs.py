"""Hooks other plugins implement to extend pytest-fncall."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .providers import Provider
    from .settings import Settings


@pytest.hookspec(firstresult=True)
def pytest_fncall_make_provider(
    name: str, model: str, settings: Settings
) -> Provider | None:
    """Return a provider for ``--fncall-model=<name>/<model>``, or None if ``name`` is not yours.

    Called once per model and run, when the first case needs it. Raise
    :class:`pytest_fncall.ProviderError` with an actionable message when ``name`` is yours
    but ``model`` or the environment is wrong. Example, in a ``conftest.py`` or plugin::

        def pytest_fncall_make_provider(name, model, settings):
            if name == "mycorp":
                return MyCorpProvider(model)  # has `async def complete(request)`
            return None
    """
