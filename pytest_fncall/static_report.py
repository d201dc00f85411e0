"""The ``fncall lint`` and ``fncall coverage`` terminal sections (``--fncall-lint``,
``--fncall-coverage``), and the coverage entry of the JSON report.

Cheap to import (pytest and the standard library): the analysis modules load when
there is something to analyse. Registered by the plugin as ``"fncall-static"`` when
either option is on.

Under pytest-xdist the controller collects nothing: each worker collects (and
deselects) the same items, so each worker works out the coverage of the final items
and sends it in ``config.workeroutput``; the controller keeps the first that arrives.
Lint warnings travel on the lint items' reports (``report.fncall_lint``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, Final

import pytest

COVERAGE_OUTPUT: Final = "fncall_coverage"
"""The ``workeroutput`` key of a worker's coverage (a list of file documents)."""


class StaticReporter:
    """Hooks of ``--fncall-lint`` / ``--fncall-coverage`` (one instance per run)."""

    def __init__(self, config: pytest.Config, *, lint: bool, coverage: bool) -> None:
        self.config = config
        self.is_worker = hasattr(config, "workerinput")
        self.lint = lint
        self.coverage = coverage
        self.lint_records: dict[str, dict[str, Any]] = {}
        self.coverage_files: list[dict[str, Any]] | None = None  # FileCoverage JSON

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if not self.coverage:
            return
        self.coverage_files = coverage_of_items(session.items)
        if self.is_worker:
            workeroutput: dict[str, Any] = session.config.workeroutput  # type: ignore[attr-defined]
            workeroutput[COVERAGE_OUTPUT] = self.coverage_files

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        """xdist (controller): a worker finished; take its coverage if none yet."""
        output = getattr(node, "workeroutput", None) or {}
        if self.coverage and self.coverage_files is None and COVERAGE_OUTPUT in output:
            self.coverage_files = list(output[COVERAGE_OUTPUT])

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.is_worker or not self.lint:
            return
        from .lint_item import LINT_ATTRIBUTE

        record = getattr(report, LINT_ATTRIBUTE, None)
        if isinstance(record, dict):
            self.lint_records[report.nodeid] = record

    def coverage_document(self) -> dict[str, Any] | None:
        """The JSON report's ``coverage`` entry; None without ``--fncall-coverage``."""
        if not self.coverage or self.coverage_files is None:
            return None
        from .coverage import FileCoverage, coverage_document

        return coverage_document(
            [FileCoverage.from_json(f) for f in self.coverage_files]
        )

    def pytest_terminal_summary(
        self, terminalreporter: pytest.TerminalReporter
    ) -> None:
        if self.is_worker:
            return
        if self.lint:
            title, lines = lint_section(
                [self.lint_records[n] for n in sorted(self.lint_records)]
            )
            if lines:
                terminalreporter.write_sep("=", title)
                for line in lines:
                    terminalreporter.write_line(line)
        if self.coverage and self.coverage_files is not None:
            from .coverage import FileCoverage, render_coverage

            terminalreporter.write_sep("=", "fncall coverage")
            files = [FileCoverage.from_json(f) for f in self.coverage_files]
            for line in render_coverage(files):
                terminalreporter.write_line(line)


def lint_section(records: Sequence[dict[str, Any]]) -> tuple[str, list[str]]:
    """The section's title (``fncall lint: 3 warnings``) and lines: each file with
    warnings, then its warnings as ``render_findings`` writes them. No lines: none."""
    lines: list[str] = []
    count = 0
    for record in records:
        warnings = record.get("warnings") or []
        if not warnings:
            continue
        lines.append(str(record.get("file")))
        lines.extend(f"  warning: {key}: {message}" for key, message in warnings)
        count += len(warnings)
    return f"fncall lint: {count} warning{'' if count == 1 else 's'}", lines


def coverage_of_items(items: Sequence[pytest.Item]) -> list[dict[str, Any]]:
    """The coverage (as JSON documents, one per spec file in item order) of the cases
    that ``items`` run: a case item counts its case; a lint item all its file's."""
    collection = sys.modules.get("pytest_fncall.collection")
    lint_item = sys.modules.get("pytest_fncall.lint_item")
    chosen: dict[Any, tuple[Any, dict[str, Any]]] = {}  # path -> (loaded, cases by id)
    shown: dict[Any, str] = {}
    for item in items:
        if lint_item is not None and isinstance(item, lint_item.FncallLintItem):
            loaded, cases = item.loaded, item.loaded.cases
        elif collection is not None and isinstance(item, collection.FncallItem):
            loaded = getattr(item.parent, "loaded", None)
            if loaded is None:
                continue
            cases = (item.case,)
        else:
            continue
        entry = chosen.setdefault(item.path, (loaded, {}))
        for case in cases:
            entry[1].setdefault(case.id, case)
        root = item.config.rootpath
        shown[item.path] = (
            item.path.relative_to(root).as_posix()
            if item.path.is_relative_to(root)
            else str(item.path)
        )
    if not chosen:
        return []
    from .coverage import file_coverage

    return [
        file_coverage(loaded, cases.values(), name=shown[path]).to_json()
        for path, (loaded, cases) in chosen.items()
    ]
