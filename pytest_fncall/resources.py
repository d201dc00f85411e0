"""What one pytest run shares between items: providers, cassettes and the scheduler.

Each lives in ``config.stash``, is made on first use, and is closed by :func:`close`
(``pytest_sessionfinish``), so ``-x``, ``--maxfail`` and Ctrl-C leave no thread behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .config import settings_key
from .errors import ProviderError
from .providers import BUILTIN_PROVIDERS, Provider
from .settings import split_model

if TYPE_CHECKING:
    from .cassettes import Cassette
    from .scheduler import Scheduler

_providers_key = pytest.StashKey[dict[str, Provider]]()
_cassettes_key = pytest.StashKey[dict[Path, "Cassette"]]()
_scheduler_key = pytest.StashKey["Scheduler"]()


def provider_for(config: pytest.Config, model: str) -> Provider:
    """The live provider for ``model``, made once per run through the hook."""
    cache = config.stash.setdefault(_providers_key, {})
    if model not in cache:
        name, model_name = split_model(model)
        provider = config.hook.pytest_fncall_make_provider(
            name=name, model=model_name, settings=config.stash[settings_key]
        )
        if provider is None:
            raise ProviderError(
                f"no provider named {name!r} (built in: {', '.join(BUILTIN_PROVIDERS)}; "
                "plugins add providers with the pytest_fncall_make_provider hook)"
            )
        if not isinstance(provider, Provider):
            raise ProviderError(
                f"pytest_fncall_make_provider returned {type(provider).__name__} for "
                f"{model!r}, which has no `async def complete(request)`"
            )
        cache[model] = provider
    return cache[model]


def item_provider(
    config: pytest.Config, spec_path: Path, case_id: str, model: str
) -> Provider:
    """The provider one item asks: the live one, or its cassette in a record mode."""
    mode = config.stash[settings_key].record_mode
    if mode == "off":
        return provider_for(config, model)
    from .cassettes import RecordingProvider

    return RecordingProvider(
        cassette_for(config, spec_path),
        mode,
        case_id,
        model,
        make_live=lambda: provider_for(config, model),
    )


def cassette_for(config: pytest.Config, spec_path: Path) -> Cassette:
    """The cassette of a spec file, loaded once per run and process."""
    from .cassettes import Cassette, cassette_path, secrets_in

    cassettes = config.stash.setdefault(_cassettes_key, {})
    if spec_path not in cassettes:
        environment = config.stash[settings_key].environment
        cassettes[spec_path] = Cassette(
            cassette_path(spec_path), secrets_in(environment)
        )
    return cassettes[spec_path]


def scheduler_for(config: pytest.Config) -> Scheduler:
    if _scheduler_key not in config.stash:
        from .scheduler import Scheduler

        config.stash[_scheduler_key] = Scheduler(config.stash[settings_key].concurrency)
    return config.stash[_scheduler_key]


def close(config: pytest.Config) -> None:
    """Cancel outstanding model requests, stop the scheduler's thread, then write what
    the cassettes recorded (after the thread, so that nothing records any more)."""
    scheduler = config.stash.get(_scheduler_key, None)
    if scheduler is not None:
        scheduler.close()
        del config.stash[_scheduler_key]
    for cassette in config.stash.get(_cassettes_key, {}).values():
        cassette.flush()
