"""``FncallFile`` and ``FncallItem``: a spec file's cases as pytest items."""

from __future__ import annotations

import concurrent.futures
import inspect
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

import pytest

from .config import NO_MODEL_REASON, registered_marks, settings_key, strict_markers
from .errors import FncallFailure, ProviderError, SpecError
from .loader import CaseDefinition, SnapshotPolicy, load_spec
from .perturb import item_name, run_key, variant_name
from .progress import wait_with_progress
from .records import case_record
from .reliability import RepeatPlan, reliability_summary, unreliable
from .report import render_failures
from .resources import item_provider, scheduler_for
from .results import Failure
from .runner import Trial, run_trials, valid_trials
from .settings import split_model


class FncallFile(pytest.File):
    """A ``*.fncall.yaml`` file: one item per case and model."""

    def collect(self) -> Iterator[pytest.Item]:
        known = registered_marks(self.config) if strict_markers(self.config) else None
        settings = self.config.stash[settings_key]
        root = None if settings.allow_outside_root else self.config.rootpath
        spec = self.loaded = load_spec(self.path, known, root=root)
        if settings.lint:  # one static-check item instead of the cases; no model
            from .lint_item import LINT_ITEM_NAME, FncallLintItem

            lint = FncallLintItem.from_parent(self, name=LINT_ITEM_NAME, loaded=spec)
            lint.add_marker("fncall")
            yield lint
            return
        models: tuple[str | None, ...] = self.config.stash[settings_key].models or (
            None,
        )
        for case in (each for c in spec.cases for each in (c, *c.variants)):
            variant = variant_name(case.perturbation)
            for model in models:
                name = item_name(case.id, model, variant)
                item = FncallItem.from_parent(self, name=name, case=case, model=model)
                item.add_marker("fncall")
                if model is None:
                    item.add_marker(pytest.mark.skip(reason=NO_MODEL_REASON))
                for kind in sorted(case.check_kinds):
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
    """One case against one model. Its model run starts ahead (the scheduler runs it
    while earlier items are checked); setup waits for it, so that a provider failure is
    a test error; the checks run in the call phase, so that a wrong behaviour is a test
    failure."""

    def __init__(
        self, *, case: CaseDefinition, model: str | None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.model = model
        self.trials: list[Trial] = []
        self.trial_failures: list[list[Failure]] = []
        self.failures: list[Failure] = []
        self._run: concurrent.futures.Future[list[Trial]] | None = None

    @property
    def plan(self) -> RepeatPlan:
        repeat = self.config.stash[settings_key].repeat
        return replace(self.case.repeat, n=repeat) if repeat else self.case.repeat

    def start(self) -> None:
        """Start this item's model run on the scheduler, if it is not running yet."""
        start_runs([self])

    def _run_factory(self) -> Callable[[], Awaitable[list[Trial]]] | None:
        """What the scheduler should run for this item; None when nothing is to run (not
        a model item, already started, or failed already: then ``_run`` holds the error)."""
        if self._run is not None or self.model is None:
            return None
        model = self.model
        plan = self.plan
        try:
            if plan.pass_hat_k and plan.pass_hat_k[0] > plan.n:
                raise ProviderError(
                    f"--fncall-repeat {plan.n} is fewer trials than pass_hat_k.k "
                    f"({plan.pass_hat_k[0]}) of case {self.case.id!r}"
                )
            key = run_key(self.case.id, self.case.perturbation)
            provider = item_provider(self.config, self.path, key, model)
        except ProviderError as exc:
            self._run = concurrent.futures.Future()
            self._run.set_exception(exc)
            return None
        _, model_name = split_model(model)
        return lambda: run_trials(self.case, provider, model_name, plan)

    def setup(self) -> None:
        assert self.model is not None, "items without a model carry a skip mark"
        self.start()
        assert self._run is not None
        problem = None
        try:
            stats = scheduler_for(self.config).limiter.stats
            self.trials = wait_with_progress(self.config, self._run, stats)
        except ProviderError as exc:
            problem = str(exc)
        else:
            valid = valid_trials(self.trials)
            if len(valid) < self.plan.min_valid_trials:
                errors = [trial.error for trial in self.trials if trial.error]
                problem = (
                    errors[0]
                    if len(errors) == 1
                    else (
                        f"{len(errors)} of {len(self.trials)} trials ended in provider "
                        f"errors, too few remain; first: {errors[0]}"
                    )
                )
        if problem is not None:
            # Outside any except block, so the report shows no chained exception.
            pytest.fail(
                f"fncall: provider error ({self.model}): {problem}", pytrace=False
            )

    def runtest(self) -> None:
        valid = valid_trials(self.trials)
        assert valid, "setup did not run"
        self.trial_failures = [self._trial_failures(trial) for trial in valid]
        plan = self.plan
        if plan.n == 1:
            self.failures = self.trial_failures[0]
            if self.failures:
                raise FncallFailure(self.failures, valid[0].ran)
            return
        errors = len(self.trials) - len(valid)
        verdict = unreliable(plan, self.trial_failures, skipped=errors)
        self.failures = [verdict] if verdict else []
        if verdict is not None:
            first_failed = next(
                trial
                for trial, failures in zip(valid, self.trial_failures, strict=True)
                if failures
            )
            raise FncallFailure(self.failures, first_failed.ran)

    def _trial_failures(self, trial: Trial) -> list[Failure]:
        """The trial's checks, plus its snapshot comparison when the case asks for one."""
        failures = list(trial.failures)
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
                normalise(trial.ran, policy),
                update_requested(self.config),
            )
            if mismatch is not None:
                failures.append(mismatch)
        return failures

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
                self.case.user_turns,
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
        reliability = None
        if report.when == "call" and self.trial_failures:
            valid = valid_trials(self.trials)
            trajectories = [
                (trial.trajectory, not failures)
                for trial, failures in zip(valid, self.trial_failures, strict=True)
                if trial.trajectory is not None
            ]
            if self.plan.n > 1:
                reliability = reliability_summary([not f for f in self.trial_failures])
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
            reliability=reliability,
            messages=self.case.messages,
            expect=self.case.described,
            perturbation=variant_name(self.case.perturbation),
        )

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, self.case.line - 1, f"fncall: {self.name}"


def start_runs(items: Sequence[FncallItem]) -> None:
    """Start the model runs of ``items`` that are not running yet, in one batch."""
    factories = [(item, item._run_factory()) for item in items]
    waiting = [(item, factory) for item, factory in factories if factory is not None]
    if not waiting:
        return
    scheduler = scheduler_for(waiting[0][0].config)
    futures = scheduler.submit_many([factory for _, factory in waiting])
    for (item, _), future in zip(waiting, futures, strict=True):
        item._run = future
