"""Command-line options and ini keys, resolved once into :class:`Settings` in the stash."""

from __future__ import annotations

import os
from typing import TypeVar

import pytest

from .settings import (
    DEFAULT_CONCURRENCY,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT_S,
    RECORD_MODES,
    Settings,
    split_model,
)

N = TypeVar("N", int, float)

settings_key = pytest.StashKey[Settings]()


NO_MODEL_REASON = "no model configured (use --fncall-model)"

_MODEL_HELP = (
    "Model to test as PROVIDER/MODEL, e.g. scripted/script.yaml, python/pkg.mod:fn "
    "(repeat to test several; each case runs against each). Default: ini fncall_model, "
    "else items skip."
)


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("fncall", "LLM function-call specs")
    group.addoption(
        "--fncall-model",
        action="append",
        dest="fncall_model",
        default=None,
        metavar="PROVIDER/MODEL",
        help=_MODEL_HELP,
    )
    parser.addini(
        "fncall_model",
        type="linelist",
        default=[],
        help="Model(s) to test, one PROVIDER/MODEL per line (--fncall-model wins).",
    )
    group.addoption(
        "--fncall-base-url",
        dest="fncall_base_url",
        default=None,
        metavar="URL",
        help="Server URL for HTTP providers, as in the provider's official SDK (OpenAI's "
        "includes /v1). Default: ini fncall_base_url, else the provider's environment "
        "variable, else its public URL.",
    )
    parser.addini(
        "fncall_base_url", type="string", default="", help="See --fncall-base-url."
    )
    group.addoption(
        "--fncall-timeout",
        dest="fncall_timeout",
        default=None,
        metavar="SECONDS",
        help=f"Seconds per model request. Default: ini fncall_timeout, else {DEFAULT_TIMEOUT_S:g}.",
    )
    parser.addini(
        "fncall_timeout", type="string", default="", help="See --fncall-timeout."
    )
    group.addoption(
        "--fncall-max-retries",
        dest="fncall_max_retries",
        default=None,
        metavar="N",
        help="Retries on 429, 5xx, timeouts and connection errors. Default: ini "
        f"fncall_max_retries, else {DEFAULT_MAX_RETRIES}.",
    )
    parser.addini(
        "fncall_max_retries",
        type="string",
        default="",
        help="See --fncall-max-retries.",
    )
    group.addoption(
        "--fncall-record-mode",
        dest="fncall_record_mode",
        default=None,
        choices=RECORD_MODES,
        help="Cassettes of model exchanges: off (live), none (replay only), once (record "
        "what is missing), new (record new answers beside old), all (re-record). "
        "Default: ini fncall_record_mode, else off.",
    )
    parser.addini(
        "fncall_record_mode",
        type="string",
        default="",
        help="See --fncall-record-mode.",
    )
    group.addoption(
        "--fncall-snapshot",
        dest="fncall_snapshot",
        action="store_true",
        default=None,
        help="Snapshot every case's trajectory, not only those with `snapshot: true` "
        "(syrupy's --snapshot-update writes them). Default: ini fncall_snapshot, else off.",
    )
    parser.addini(
        "fncall_snapshot", type="bool", default=False, help="See --fncall-snapshot."
    )
    parser.addini(
        "fncall_allow_outside_root",
        type="bool",
        default=False,
        help="Allow `file:` tool sources outside pytest's rootdir (through .. or a symlink).",
    )
    group.addoption(
        "--fncall-concurrency",
        dest="fncall_concurrency",
        default=None,
        metavar="N",
        help="Model requests in flight across the run. Default: ini fncall_concurrency, "
        f"else {DEFAULT_CONCURRENCY}.",
    )
    parser.addini(
        "fncall_concurrency",
        type="string",
        default="",
        help="See --fncall-concurrency.",
    )
    group.addoption(
        "--fncall-repeat",
        dest="fncall_repeat",
        default=None,
        metavar="N",
        help="Trials per case, overriding `repeat` in the specs (their thresholds stay). "
        "Default: ini fncall_repeat, else each spec's own.",
    )
    parser.addini(
        "fncall_repeat", type="string", default="", help="See --fncall-repeat."
    )
    group.addoption(
        "--fncall-lint",
        dest="fncall_lint",
        action="store_true",
        default=None,
        help="Check specs and tools without calling a model: each spec file becomes one "
        "item, PATH::fncall-lint, failing on lint errors; warnings are listed at the end. "
        "Default: ini fncall_lint, else off.",
    )
    parser.addini("fncall_lint", type="bool", default=False, help="See --fncall-lint.")
    group.addoption(
        "--fncall-coverage",
        dest="fncall_coverage",
        action="store_true",
        default=None,
        help="Report which declared tools, parameters and enum values the selected "
        "cases' expectations exercise, and which none does (needs no model). Default: "
        "ini fncall_coverage, else off.",
    )
    parser.addini(
        "fncall_coverage", type="bool", default=False, help="See --fncall-coverage."
    )


def settings_from_config(config: pytest.Config) -> Settings:
    """Resolve CLI over ini; raise :class:`pytest.UsageError` on a malformed value."""
    given = config.getoption("fncall_model") or config.getini("fncall_model")
    models: list[str] = []
    for model in given:
        model = model.strip()
        provider, name = split_model(model)
        if not provider or not name:
            raise pytest.UsageError(
                f"--fncall-model {model!r}: expected PROVIDER/MODEL, for example "
                "scripted/tests/script.yaml or python/myapp.agent:respond"
            )
        if model not in models:
            models.append(model)
    timeout = _number(config, "fncall_timeout", float, DEFAULT_TIMEOUT_S)
    if timeout <= 0:
        raise pytest.UsageError(f"--fncall-timeout must be > 0, got {timeout:g}")
    retries = _number(config, "fncall_max_retries", int, DEFAULT_MAX_RETRIES)
    if retries < 0:
        raise pytest.UsageError(f"--fncall-max-retries must be >= 0, got {retries}")
    concurrency = _number(config, "fncall_concurrency", int, DEFAULT_CONCURRENCY)
    if concurrency < 1:
        raise pytest.UsageError(f"--fncall-concurrency must be >= 1, got {concurrency}")
    repeat = _number(config, "fncall_repeat", int, 0) or None
    if repeat is not None and repeat < 1:
        raise pytest.UsageError(f"--fncall-repeat must be >= 1, got {repeat}")
    record_mode = _option_or_ini(config, "fncall_record_mode") or "off"
    if record_mode not in RECORD_MODES:
        raise pytest.UsageError(
            f"{record_mode!r} is not a valid fncall_record_mode. "
            f"Valid values: {', '.join(RECORD_MODES)}."
        )
    return Settings(
        allow_outside_root=bool(config.getini("fncall_allow_outside_root")),
        models=tuple(models),
        record_mode=record_mode,
        concurrency=concurrency,
        repeat=repeat,
        snapshot_all=bool(
            config.getoption("fncall_snapshot") or config.getini("fncall_snapshot")
        ),
        lint=_flag(config, "fncall_lint"),
        coverage=_flag(config, "fncall_coverage"),
        rootdir=config.rootpath,
        base_url=_option_or_ini(config, "fncall_base_url") or None,
        timeout_s=timeout,
        max_retries=retries,
        environment=dict(os.environ),
    )


def _flag(config: pytest.Config, name: str) -> bool:
    """A store_true option or its bool ini twin (the option can only turn it on)."""
    return bool(config.getoption(name) or config.getini(name))


def _option_or_ini(config: pytest.Config, name: str) -> str:
    value = config.getoption(name)
    if value is None:
        value = config.getini(name)
    return str(value).strip()


def _number(config: pytest.Config, name: str, kind: type[N], default: N) -> N:
    text = _option_or_ini(config, name)
    if not text:
        return default
    try:
        return kind(text)
    except ValueError:
        option = "--" + name.replace("_", "-")
        raise pytest.UsageError(
            f"{option} / ini {name}: {text!r} is not a valid {kind.__name__}"
        ) from None


def strict_markers(config: pytest.Config) -> bool:
    """Whether --strict-markers (or ini strict_markers / strict) is on, in pytest 8 and 9."""
    if getattr(config.option, "strict_markers", False):
        return True
    for name in ("strict_markers", "strict"):
        try:
            value = config.getini(name)
        except ValueError:  # not an ini key in this pytest version
            continue
        if value is not None:
            return bool(value)
    return False


def registered_marks(config: pytest.Config) -> frozenset[str]:
    names = set()
    for line in config.getini("markers"):
        names.add(line.split(":")[0].split("(")[0].strip())
    return frozenset(names)
