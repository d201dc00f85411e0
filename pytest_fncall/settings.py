"""The run's settings as one frozen object (built from CLI and ini by :mod:`config`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MAX_RETRIES = 3
DEFAULT_CONCURRENCY = 8
RECORD_MODES = ("off", "none", "once", "new", "all")


@dataclass(frozen=True)
class Settings:
    models: tuple[str, ...]
    rootdir: Path
    base_url: str | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    max_retries: int = DEFAULT_MAX_RETRIES
    record_mode: str = "off"
    snapshot_all: bool = False
    allow_outside_root: bool = False  # `file:` tool sources outside the rootdir
    concurrency: int = DEFAULT_CONCURRENCY
    repeat: int | None = None  # --fncall-repeat: trials per case, overriding the specs
    lint: bool = False  # --fncall-lint: one lint item per spec file, not its cases
    coverage: bool = False  # --fncall-coverage: what the selected cases exercise
    environment: dict[str, str] = field(default_factory=dict, repr=False)
    """Environment variables providers read (keys, base URLs); never printed."""


def split_model(model: str) -> tuple[str, str]:
    """``"openai/gpt-4o"`` -> ``("openai", "gpt-4o")``; the model part may contain ``/``."""
    provider, _, name = model.partition("/")
    return provider, name
