"""``FncallFile`` and ``FncallItem``: a spec file's cases as pytest items."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .config import NO_MODEL_REASON, registered_marks, settings_key, strict_markers
from .errors import FncallFailure, ProviderError, SpecError
from .loader import CaseDefinition, SnapshotPolicy, load_spec
from .providers import BUILTIN_PROVIDERS, Provider
from .records import case_record
from .report import render_failures
from .results import Failure, Trajectory
from .runner import judge, run_case
from .settings import split_model

if TYPE_CHECKING:
    from .cassettes import Cassette

_providers_key = pytest.StashKey[dict[str, Provider]]()
_cassettes_key = pytest.StashKey[dict[Path, "Cassette"]]()


class FncallFile(pytest.File):
    """A ``*.fncall.yaml`` file: one item per case and model."""

    def collect(self) -> Iterator[FncallItem]:
        known = registered_marks(self.config) if strict_markers(self.config) else None
        spec = load_spec(self.path, known)
        models: tuple[str | None, ...] = self.config.stash[settings_key].models or (
            None,
        )
        for case in spec.cases:
            for model in models:
                name = f"{case.id}[{model}]" if model else case.id
                item = FncallItem.from_parent(self, name=name, case=case, model=model)
                item.add_marker("fncall")
                if model is None:
                    item.add_marker(pytest.mark.skip(reason=NO_MODEL_REASON))
                for kind in sorted(case.expectation.check_kinds):
                    item.add_marker(f"fncall_{kind}")
                for mark in case.marks:
                    item.add_marker(
                        getattr(pytest.mark, mark.name)(*mark.args, **mark.kwargs)
                    )
                yield item

    def repr_failure(  # type: ignore[override]
        self, excinfo: pytest.ExceptionInfo[BaseException]
    ) -> Any:
        if isinstance(excinfo.value, SpecError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


class FncallItem(pytest.Item):
    """One case against one model. The model is asked in setup, so that a provider
    failure is a test error; the checks run in the call phase, so that a wrong
    behaviour is a test failure."""

    def __init__(
        self, *, case: CaseDefinition, model: str | None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.model = model
        self.trajectory: Trajectory | None = None
        self.failures: list[Failure] = []

    def setup(self) -> None:
        assert self.model is not None, "items without a model carry a skip mark"
        _, model_name = split_model(self.model)
        try:
            provider = self._provider()
            self.trajectory = asyncio.run(run_case(self.case, provider, model_name))
        except ProviderError as exc:
            problem = str(exc)
        else:
            return
        # Outside the except block, so the report shows no chained exception.
        pytest.fail(f"fncall: provider error ({self.model}): {problem}", pytrace=False)

    def _provider(self) -> Provider:
        assert self.model is not None
        model, config = self.model, self.config
        mode = config.stash[settings_key].record_mode
        if mode == "off":
            return _provider(config, model)
        from .cassettes import RecordingProvider

        return RecordingProvider(
            _cassette(config, self.path),
            mode,
            self.case.id,
            model,
            make_live=lambda: _provider(config, model),
        )

    def runtest(self) -> None:
        assert self.trajectory is not None, "setup did not run"
        failures = judge(self.case, self.trajectory)
        policy = self.case.snapshot
        if policy is None and self.config.stash[settings_key].snapshot_all:
            policy = SnapshotPolicy()
        if policy is not None:
            from .snapshot import (
                check_snapshot,
                normalise,
                snapshot_path,
                update_requested,
            )

            mismatch = check_snapshot(
                snapshot_path(self.path, self.name),
                normalise(self.trajectory, policy),
                update_requested(self.config),
            )
            if mismatch is not None:
                failures.append(mismatch)
        self.failures = failures
        if failures:
            raise FncallFailure(failures, self.trajectory)

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,
    ) -> Any:
        if isinstance(excinfo.value, FncallFailure):
            return render_failures(
                self.name,
                excinfo.value.failures,
                excinfo.value.trajectory,
                self.case.messages,
                self.config.get_verbosity(),
            )
        if not self.config.getoption("fulltrace"):
            excinfo.traceback = excinfo.traceback.cut(path=inspect.getfile(type(self)))
        return super().repr_failure(excinfo, style=style)

    def record(self, report: pytest.TestReport) -> dict[str, Any]:
        """This item's record for reports, given its report of the last phase it ran."""
        outcome: str = report.outcome
        if report.when == "setup" and report.failed:
            outcome = "error"
        error = None
        if outcome == "error":
            error = str(report.longrepr) if report.longrepr else None
        trajectories = []
        if self.trajectory is not None and report.when == "call":
            trajectories.append((self.trajectory, not self.failures))
        return case_record(
            nodeid=self.nodeid,
            file=self.path.relative_to(self.config.rootpath).as_posix()
            if self.path.is_relative_to(self.config.rootpath)
            else str(self.path),
            case=self.case.id,
            model=self.model,
            outcome=outcome,
            failures=self.failures,
            trajectories=trajectories,
            xfail=getattr(report, "wasxfail", None),
            error=error,
        )

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, self.case.line - 1, f"fncall: {self.name}"


def _cassette(config: pytest.Config, spec_path: Path) -> Cassette:
    """The cassette of a spec file, loaded once per run and process."""
    from .cassettes import Cassette, cassette_path, secrets_in

    cassettes = config.stash.setdefault(_cassettes_key, {})
    if spec_path not in cassettes:
        environment = config.stash[settings_key].environment
        cassettes[spec_path] = Cassette(
            cassette_path(spec_path), secrets_in(environment)
        )
    return cassettes[spec_path]


def _provider(config: pytest.Config, model: str) -> Provider:
    """The provider for ``model``, made once per run through the hook."""
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
