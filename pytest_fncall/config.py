"""Command-line options and ini keys, resolved once into :class:`Settings` in the stash."""

from __future__ import annotations

import pytest

from .settings import Settings, split_model

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
    return Settings(models=tuple(models), rootdir=config.rootpath)


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
