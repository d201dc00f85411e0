"""pytest hooks of pytest-fncall (the ``pytest11`` entry point).

Only hooks live here. Heavy libraries (pydantic, jsonschema, yaml, httpx, syrupy) load
when a ``*.fncall.yaml`` file is collected, never merely because the plugin is installed.
"""

from __future__ import annotations

import sys
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from . import hookspecs
from .config import add_options, settings_from_config, settings_key
from .reporting import FncallReporter, add_report_options

if TYPE_CHECKING:
    from .api import Fncall
    from .providers import Provider
    from .settings import Settings

SPEC_SUFFIXES = (".fncall.yaml", ".fncall.yml")

MARKERS = (
    "fncall: a pytest-fncall case from a Python test using the fncall fixture "
    "(on a test, class or module, fncall(model='PROVIDER/MODEL' or a list, "
    "tools=[...]) sets its models and fncall.run()'s default tools) or from a "
    "*.fncall.yaml spec",
    "fncall_tool_choice: an fncall case that checks which tools are called",
    "fncall_args: an fncall case that checks argument values",
    "fncall_order: an fncall case that checks call order or parallel batching",
    "fncall_loop: an fncall case run in loop mode (simulated tools answer)",
    "fncall_reply: an fncall case that checks the final reply's text",
    "fncall_state: an fncall case that checks a simulated environment's final state",
    "fncall_recovery: an fncall case that checks recovery after an injected fault",
    "fncall_perturbed: a perturbed variant of an fncall case (perturb:)",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)
    add_report_options(parser)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hookspecs)


def pytest_configure(config: pytest.Config) -> None:
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    settings = config.stash[settings_key] = settings_from_config(config)
    if settings.lint or settings.coverage:
        from .static_report import StaticReporter

        static = StaticReporter(config, lint=settings.lint, coverage=settings.coverage)
        config.pluginmanager.register(static, "fncall-static")
    config.pluginmanager.register(FncallReporter(config), "fncall-reporter")


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start every selected case's model run now, so that the runs overlap."""
    collection = sys.modules.get("pytest_fncall.collection")
    if collection is None or hasattr(session.config, "workerinput"):
        return  # no fncall items; or an xdist worker, which starts runs as items arrive
    collection.start_runs(
        [
            i
            for i in session.items
            if isinstance(i, collection.FncallItem) and not _skipped(i)
        ]
    )


@pytest.fixture
def fncall_model() -> str | None:
    """The PROVIDER/MODEL this test's ``fncall`` asks (tests using ``fncall`` are
    parametrised per model); None when no model is configured."""
    return None


@pytest.fixture
def fncall(request: pytest.FixtureRequest, fncall_model: str | None) -> Fncall:
    """Ask the model from Python: ``fncall.run(prompt=..., tools=[...])`` returns a
    result with ``calls``, ``text`` and ``assert_called(name, **args)``,
    ``assert_no_call()``, ``assert_calls([...])``, ``check(**expect)``."""
    from .api import make_fncall

    return make_fncall(request, fncall_model)


@pytest.hookimpl(trylast=True)  # after @parametrize: the model is the last id part
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "fncall_model" in metafunc.fixturenames:
        from .api import parametrize_models

        parametrize_models(metafunc)


def pytest_itemcollected(item: pytest.Item) -> None:
    """Tests using the ``fncall`` fixture carry the ``fncall`` mark, as spec items do."""
    if "fncall" in getattr(item, "fixturenames", ()) and not any(
        item.iter_markers("fncall")
    ):
        item.add_marker("fncall")


def pytest_report_teststatus(
    report: pytest.TestReport,
) -> tuple[str, str, str] | None:
    """A provider failure in a test using ``fncall`` is an error, as in spec items."""
    if (
        report.when == "call"
        and report.failed
        and getattr(report, "fncall_provider_error", False)
    ):
        return "error", "E", "ERROR"
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """On an xdist worker, start the runs of this item and of those queued behind it."""
    collection = sys.modules.get("pytest_fncall.collection")
    if collection is None or not hasattr(item.config, "workerinput"):
        return
    collection.start_runs(
        [
            upcoming
            for upcoming in (item, *_queued_on_this_worker(item.session))
            if isinstance(upcoming, collection.FncallItem) and not _skipped(upcoming)
        ]
    )


def pytest_sessionfinish(session: pytest.Session) -> None:
    if "pytest_fncall.resources" in sys.modules:
        from .resources import close

        close(session.config)


def _skipped(item: pytest.Item) -> bool:
    """Items that will surely not run need no model run (skip marks; skipif is lazy)."""
    return any(item.iter_markers("skip")) or any(item.iter_markers("skipif"))


def _queued_on_this_worker(session: pytest.Session) -> list[pytest.Item]:
    """Best effort: the items pytest-xdist has already sent to this worker."""
    for plugin in session.config.pluginmanager.get_plugins():
        queue: Any = getattr(plugin, "torun", None)
        if type(plugin).__name__ == "WorkerInteractor" and hasattr(queue, "lock"):
            with queue.lock() as pending:
                indices = [i for i in pending if isinstance(i, int)]
            return [session.items[i] for i in indices if i < len(session.items)]
    return []


def pytest_unconfigure(config: pytest.Config) -> None:
    for name in ("fncall-reporter", "fncall-static"):
        reporter = config.pluginmanager.get_plugin(name)
        if reporter is not None:
            config.pluginmanager.unregister(reporter)
    if "pytest_fncall.resources" in sys.modules:
        from .resources import close

        close(config)
    if settings_key in config.stash:
        del config.stash[settings_key]


def pytest_collect_file(
    file_path: Path, parent: pytest.Collector
) -> pytest.Collector | None:
    if file_path.name.endswith(SPEC_SUFFIXES):
        from .collection import FncallFile

        return FncallFile.from_parent(parent, path=file_path)
    return None


def pytest_report_header(config: pytest.Config) -> str:
    settings = config.stash[settings_key]
    if settings.lint:
        return "fncall: lint (specs are checked; no model is called)"
    if not settings.models:
        return "fncall: no model configured (fncall items skip; use --fncall-model)"
    header = f"fncall: models={', '.join(settings.models)}"
    if settings.record_mode != "off":
        header += f" record-mode={settings.record_mode}"
    return header


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    api = sys.modules.get("pytest_fncall.api")  # loaded iff a test used `fncall`
    if api is not None:
        api.annotate_report(item, call, report)
    lint_item = sys.modules.get("pytest_fncall.lint_item")
    if lint_item is not None and isinstance(item, lint_item.FncallLintItem):
        if report.when == "call":
            setattr(report, lint_item.LINT_ATTRIBUTE, item.lint_record())
        return report
    # Only fncall items get a record; pytest_fncall.collection is loaded iff there are some.
    collection = sys.modules.get("pytest_fncall.collection")
    if collection is None or not isinstance(item, collection.FncallItem):
        return report
    if report.when == "call" or (report.when == "setup" and not report.passed):
        from .records import RECORD_ATTRIBUTE
        from .reporting import junit_properties

        record = item.record(report)
        setattr(report, RECORD_ATTRIBUTE, record)
        item.user_properties.extend(junit_properties(record))
    return report


@pytest.hookimpl(trylast=True)
def pytest_fncall_make_provider(
    name: str, model: str, settings: Settings
) -> Provider | None:
    from .providers import make_builtin_provider

    return make_builtin_provider(name, model, settings)
