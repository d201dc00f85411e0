"""``PATH::fncall-lint``: the one item a spec file yields under ``--fncall-lint``.

It runs :func:`pytest_fncall.lint.lint_spec` on the loaded spec, never a model: it
fails when lint finds errors (the failure lists them) and passes otherwise. Its
warnings travel on the report (``report.fncall_lint``, so they cross from xdist
workers like the rest of the report) to the ``fncall lint`` terminal section.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Final

import pytest

if TYPE_CHECKING:
    from .lint import LintFinding
    from .loader import LoadedSpec

LINT_ITEM_NAME: Final = "fncall-lint"
LINT_ATTRIBUTE: Final = "fncall_lint"
"""The report attribute carrying :meth:`FncallLintItem.lint_record`."""


class LintErrors(Exception):
    """Lint found errors in a spec: the item fails with them."""

    def __init__(self, findings: list[LintFinding]) -> None:
        super().__init__(f"{len(findings)} lint errors")
        self.findings = findings


class FncallLintItem(pytest.Item):
    """Static checks of one spec file and its tools (``--fncall-lint``)."""

    def __init__(self, *, loaded: LoadedSpec, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.loaded = loaded
        self.findings: list[LintFinding] = []

    def runtest(self) -> None:
        from .lint import lint_spec

        self.findings = lint_spec(self.loaded)
        errors = [f for f in self.findings if f.severity == "error"]
        if errors:
            raise LintErrors(errors)

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,
    ) -> Any:
        if isinstance(excinfo.value, LintErrors):
            from .lint import render_findings

            return render_findings(excinfo.value.findings)
        if not self.config.getoption("fulltrace"):
            excinfo.traceback = excinfo.traceback.cut(path=inspect.getfile(type(self)))
        return super().repr_failure(excinfo, style=style)

    @property
    def shown_path(self) -> str:
        """The spec file from the rootdir (absolute when outside it)."""
        root = self.config.rootpath
        if self.path.is_relative_to(root):
            return self.path.relative_to(root).as_posix()
        return str(self.path)

    def lint_record(self) -> dict[str, Any]:
        """What the terminal section needs, as plain data (it crosses xdist)."""
        return {
            "file": self.shown_path,
            "errors": sum(f.severity == "error" for f in self.findings),
            "warnings": [
                [f.key, f.message] for f in self.findings if f.severity == "warning"
            ],
        }

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, f"fncall lint: {self.shown_path}"
