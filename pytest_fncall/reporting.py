"""The run-level reporter: collects item records, prints the summary, writes the reports.

Cheap to import (pytest and the standard library only): the summary and report modules
load when a run ends. Registered by the plugin as ``"fncall-reporter"``. Under
pytest-xdist the records arrive on the controller with the reports
(``report.fncall_record``), so workers do nothing here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from .records import RECORD_ATTRIBUTE

_REPORT_HELP = (
    "Write the JSON report (every case with its outcome, failure codes and calls, and a "
    "summary per model) to PATH. Default: ini fncall_report, else none."
)
_HTML_HELP = (
    "Write a self-contained HTML report (scoreboard, filters, transcripts, model against "
    "model) to PATH. Default: ini fncall_html, else none."
)


def add_report_options(parser: pytest.Parser) -> None:
    """``--fncall-report`` / ``--fncall-html`` and their ini twins."""
    group = parser.getgroup("fncall", "LLM function-call specs")
    group.addoption(
        "--fncall-report",
        dest="fncall_report",
        default=None,
        metavar="PATH",
        help=_REPORT_HELP,
    )
    parser.addini(
        "fncall_report",
        type="string",
        default="",
        help="See --fncall-report (a relative path is from the ini file's folder).",
    )
    group.addoption(
        "--fncall-html",
        dest="fncall_html",
        default=None,
        metavar="PATH",
        help=_HTML_HELP,
    )
    parser.addini(
        "fncall_html",
        type="string",
        default="",
        help="See --fncall-html (a relative path is from the ini file's folder).",
    )


def report_path(config: pytest.Config, name: str) -> Path | None:
    """The path option ``name`` asks for: the command line (from the current folder) wins
    over the ini key (from the ini file's folder, else the rootdir)."""
    value = config.getoption(name)
    base = config.invocation_params.dir
    if not value:
        value = config.getini(name)
        base = config.inipath.parent if config.inipath else config.rootpath
    text = str(value or "").strip()
    if not text:
        return None
    path = base / Path(text).expanduser()
    if path.is_dir():
        raise pytest.UsageError(
            f"--{name.replace('_', '-')} / ini {name}: {text!r} is a folder; "
            "give a file path, for example fncall-report.json"
        )
    return path


def junit_properties(record: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The item's JUnit ``<properties>``, for ``item.user_properties``.

    ``fncall_outcome`` tells xfailed / xpassed apart from skipped / passed;
    ``fncall_codes`` is comma-separated (each code once); ``fncall_trials`` counts the
    trials judged and ``fncall_pass_rate`` is the passing share of them (``0.6``), left
    out when no trial was judged (an error or a skip).
    """
    from .scoreboard import codes_of, shown_outcome, trial_counts

    passed, total = trial_counts(record)
    properties = [
        ("fncall_model", str(record.get("model") or "")),
        ("fncall_outcome", shown_outcome(record)),
        ("fncall_codes", ",".join(codes_of(record))),
        ("fncall_trials", str(total)),
    ]
    if total:
        properties.append(("fncall_pass_rate", f"{passed / total:.4g}"))
    return properties


class FncallReporter:
    """Hooks of the run as a whole (one instance per run, on the controller)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.is_worker = hasattr(config, "workerinput")
        self.json_path = report_path(config, "fncall_report")
        self.html_path = report_path(config, "fncall_html")
        self.records: dict[str, dict[str, Any]] = {}
        self.messages: list[tuple[str, bool]] = []  # (line, is a problem)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.is_worker:
            return
        record = getattr(report, RECORD_ATTRIBUTE, None)
        if isinstance(record, dict):
            self.records[str(record.get("nodeid", report.nodeid))] = record

    def models(self) -> tuple[str, ...]:
        """The run's models in their configured order (the summary and reports use it)."""
        from .config import settings_key

        settings = self.config.stash.get(settings_key, None)
        return tuple(settings.models) if settings is not None else ()

    def report(self) -> dict[str, Any]:
        from .report_json import build_report

        # --fncall-coverage registers "fncall-static", which holds the suite's coverage
        static = self.config.pluginmanager.get_plugin("fncall-static")
        coverage = static.coverage_document() if static is not None else None
        return build_report(self.records.values(), self.models(), coverage=coverage)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.is_worker or (self.json_path is None and self.html_path is None):
            return
        from .report_html import write_html_report
        from .report_json import write_json_report

        report = self.report()
        writers: list[
            tuple[str, Path | None, Callable[[Path, Mapping[str, Any]], None]]
        ] = [
            ("JSON", self.json_path, write_json_report),
            ("HTML", self.html_path, write_html_report),
        ]
        for kind, path, write in writers:
            if path is None:
                continue
            try:
                write(path, report)
            except OSError as exc:
                self.messages.append(
                    (f"fncall: could not write the {kind} report {path}: {exc}", True)
                )
                if session.exitstatus == pytest.ExitCode.OK:
                    session.exitstatus = pytest.ExitCode.USAGE_ERROR
            else:
                self.messages.append((f"fncall: {kind} report: {path}", False))

    def pytest_terminal_summary(
        self, terminalreporter: pytest.TerminalReporter
    ) -> None:
        if self.is_worker:
            return
        from .summary import summary_lines

        writer = self.config.get_terminal_writer()
        # A terminal (markup on) gets at most its width; a log gets 100 columns.
        width = writer.fullwidth if writer.hasmarkup else 100
        lines = summary_lines(list(self.records.values()), self.models(), width)
        if lines:
            terminalreporter.write_sep("=", "fncall summary")
            for line in lines:
                terminalreporter.write_line(line)
        for line, problem in self.messages:
            if problem:
                terminalreporter.write_line(line, red=True, bold=True)
            else:
                terminalreporter.write_line(line)
