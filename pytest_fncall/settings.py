"""The run's settings as one frozen object (built from CLI and ini by :mod:`config`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    models: tuple[str, ...]
    rootdir: Path


def split_model(model: str) -> tuple[str, str]:
    """``"openai/gpt-4o"`` -> ``("openai", "gpt-4o")``; the model part may contain ``/``."""
    provider, _, name = model.partition("/")
    return provider, name
