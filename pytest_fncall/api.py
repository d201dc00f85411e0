"""The Python API: the ``fncall`` fixture, for tool-calling checks in ordinary tests.

::

    @pytest.mark.fncall(tools=[get_weather])
    def test_weather(fncall):
        result = fncall.run(prompt="Weather in Paris?")
        result.assert_called("get_weather", city={"$ieq": "paris"})

Decisions (README, "Python API"):

* A test that uses ``fncall`` is parametrised per model, like spec items:
  ``test_weather[openai/gpt-4o]``; the models are ``@pytest.mark.fncall(model=...)``'s
  (a name or a list; it overrides the configured ones), else ``--fncall-model`` /
  ``fncall_model``. Without any, the test skips with the spec items' reason. The model
  is the ``fncall_model`` fixture; parametrising it yourself replaces the configured
  models.
* ``run()`` asks the model once (single mode: calls are recorded, not executed), or,
  given ``mocks`` / ``environment`` / ``faults`` (:mod:`.api_loop`), runs the loop
  with simulated tools as a spec case does; through the run's scheduler, request
  limiter and providers, so ``--fncall-concurrency``, retries and
  ``--fncall-record-mode`` apply. The cassette is the test module's:
  ``__fncall_cassettes__/test_mod.json`` beside it; the case is the test's name (class
  and parameters other than the model included) unless ``run(id=...)`` names it.
* A provider failure raises :class:`~pytest_fncall.errors.ProviderError` and the test
  is reported as an error (``E``), as spec items are; an assertion failure raises
  :class:`~pytest_fncall.errors.FncallFailure` with a spec item's failure text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from .api_result import FncallResult
from .api_tools import FncallUsageError, ToolLike
from .config import NO_MODEL_REASON, settings_key
from .errors import ProviderError
from .providers import Provider
from .results import Failure

MODEL_FIXTURE = "fncall_model"
PROVIDER_ERROR_ATTRIBUTE = "fncall_provider_error"
_MARK_KEYS = ("model", "tools")
_fixture_key = pytest.StashKey["Fncall"]()


class Fncall:
    """The ``fncall`` fixture: asks the test's model, returns a :class:`FncallResult`.

    ``model`` is ``PROVIDER/MODEL``; ``default_tools`` come from the ``fncall`` mark.
    ``results`` and ``failures`` (of failed assertions) feed the run's reports.
    """

    def __init__(
        self, item: pytest.Item, model: str, default_tools: Sequence[ToolLike] = ()
    ) -> None:
        self.item = item
        self.model = model
        self.default_tools = default_tools
        self.results: list[FncallResult] = []
        self.failures: list[Failure] = []
        self.failed_runs: set[int] = set()
        self.error: str | None = None
        self._providers: dict[str, Provider] = {}

    @property
    def case_id(self) -> str:
        """The test's name without the model: ``test_x``, ``TestX.test_x[Paris]``."""
        return default_case_id(self.item.nodeid, self.model)

    def run(
        self,
        prompt: str | None = None,
        *,
        messages: Sequence[Mapping[str, Any]] | None = None,
        tools: Sequence[ToolLike] | None = None,
        system: str | None = None,
        tool_choice: str | Mapping[str, Any] = "auto",
        settings: Mapping[str, Any] | None = None,
        id: str | None = None,
        mocks: Mapping[str, Any] | None = None,
        environment: Mapping[str, Any] | type | None = None,
        faults: Sequence[Mapping[str, Any]] | None = None,
        max_steps: int | None = None,
    ) -> FncallResult:
        """Ask the model and return what it did. ``tools`` defaults to the ``fncall``
        mark's; ``settings`` (temperature, ...) go into the request. With ``mocks``,
        ``environment`` or ``faults`` (a spec's keys, as dicts and lists) the tools
        answer and the model goes on, up to ``max_steps`` (loop mode)."""
        __tracebackhide__ = True
        from .api_loop import loop_plan_for
        from .api_tools import chat_messages, tool_choice_for, tools_from_values
        from .expectations import Expectation
        from .loader import CaseDefinition
        from .progress import wait_with_progress
        from .resources import scheduler_for
        from .runner import run_case
        from .settings import split_model

        offered = tools_from_values(tools if tools is not None else self.default_tools)
        if settings is not None and not isinstance(settings, Mapping):
            raise FncallUsageError("settings= is a dict of request settings")
        config = self.item.config
        # files (return_file, store_file) are read as a spec beside the test would
        plan = loop_plan_for(
            mocks=mocks,
            environment=environment,
            faults=faults,
            max_steps=max_steps,
            tools=offered,
            spec_dir=self.item.path.parent,
            root=None
            if config.stash[settings_key].allow_outside_root
            else config.rootpath,
        )
        case = CaseDefinition(
            id=id or self.case_id,
            line=1,
            messages=chat_messages(prompt, messages, system),
            tools=offered,
            tool_choice=tool_choice_for(tool_choice, offered),
            settings=dict(settings or {}),
            expectation=Expectation(),
            loop=plan,
        )
        problem = None
        try:
            provider = self._provider(case.id)
            scheduler = scheduler_for(self.item.config)
            model_name = split_model(self.model)[1]
            future = scheduler.submit(lambda: run_case(case, provider, model_name))
            trajectory = wait_with_progress(
                self.item.config, future, scheduler.limiter.stats
            )
        except ProviderError as exc:
            problem = str(exc)
        if problem is not None:  # raised outside the except: no chained traceback
            self.error = f"fncall: provider error ({self.model}): {problem}"
            raise ProviderError(self.error)
        index = len(self.results)
        result = FncallResult(
            model=self.model,
            trajectory=trajectory,
            messages=case.messages,
            tools=offered,
            title=self.item.name if id is None else f"{self.item.name} ({id})",
            verbosity=self.item.config.get_verbosity(),
            loop=plan,
            on_failure=lambda failures: self._failed(index, failures),
        )
        self.results.append(result)
        return result

    def _provider(self, case_id: str) -> Provider:
        """One provider per case id and test, so that a cassette tells repeated
        identical requests of one test apart."""
        if case_id not in self._providers:
            from .resources import item_provider

            self._providers[case_id] = item_provider(
                self.item.config, self.item.path, case_id, self.model
            )
        return self._providers[case_id]

    def _failed(self, index: int, failures: Sequence[Failure]) -> None:
        self.failed_runs.add(index)
        self.failures.extend(failures)

    def record(self, report: pytest.TestReport) -> dict[str, Any]:
        """The test's record for the fncall reports (as a spec item's)."""
        from .records import case_record

        config = self.item.config
        path = self.item.path
        outcome = "error" if self.error is not None else report.outcome
        return case_record(
            nodeid=self.item.nodeid,
            file=path.relative_to(config.rootpath).as_posix()
            if path.is_relative_to(config.rootpath)
            else str(path),
            case=self.case_id,
            model=self.model,
            outcome=outcome,
            failures=self.failures,
            trajectories=[
                (result.trajectory, index not in self.failed_runs)
                for index, result in enumerate(self.results)
            ],
            xfail=getattr(report, "wasxfail", None),
            error=self.error,
            messages=self.results[0].messages if self.results else (),
        )


def make_fncall(request: pytest.FixtureRequest, model: str | None) -> Fncall:
    """The ``fncall`` fixture's value (skips the test when no model is configured)."""
    if model is None:
        pytest.skip(NO_MODEL_REASON)
    options = mark_options(request.node)
    tools = options.get("tools", ())
    fncall = Fncall(request.node, model, tools)
    request.node.stash[_fixture_key] = fncall
    return fncall


def mark_options(node: pytest.Item) -> dict[str, Any]:
    """``model`` and ``tools`` of the closest ``fncall`` marks that give them."""
    options: dict[str, Any] = {}
    for mark in node.iter_markers("fncall"):
        unknown = sorted(set(mark.kwargs) - set(_MARK_KEYS))
        if mark.args or unknown:
            given = f"keyword {unknown[0]!r}" if unknown else "positional arguments"
            pytest.fail(
                f"{node.nodeid}: @pytest.mark.fncall takes model=... and tools=[...], "
                f"not {given}",
                pytrace=False,
            )
        for key, value in mark.kwargs.items():
            options.setdefault(key, value)
    return options


def parametrize_models(metafunc: pytest.Metafunc) -> None:
    """Run a test that uses ``fncall`` once per model (``pytest_generate_tests``)."""
    if _user_parametrized(metafunc):
        return
    chosen = mark_options(metafunc.definition).get("model")
    if chosen is None:
        models: Sequence[Any] = metafunc.config.stash[settings_key].models
    elif isinstance(chosen, str):
        models = [chosen]
    else:
        models = list(chosen)
    if not all(isinstance(model, str) and "/" in model for model in models):
        pytest.fail(
            f"{metafunc.definition.nodeid}: @pytest.mark.fncall(model=...) takes "
            f"PROVIDER/MODEL or a list of them, got {chosen!r}",
            pytrace=False,
        )
    if models:
        unique = list(dict.fromkeys(models))
        metafunc.parametrize(MODEL_FIXTURE, unique, ids=unique)


def _user_parametrized(metafunc: pytest.Metafunc) -> bool:
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0] if mark.args else mark.kwargs.get("argnames", ())
        if isinstance(names, str):
            names = [name.strip() for name in names.split(",")]
        if MODEL_FIXTURE in names:
            return True
    return False


def default_case_id(nodeid: str, model: str) -> str:
    """``mod.py::TestX::test_y[Paris-openai/m]`` -> ``TestX.test_y[Paris]``: the
    test's name with its model parameter (the last one, see the plugin's hook) left
    out, so that a script or cassette entry serves each model."""
    name = ".".join(nodeid.split("::")[1:])
    base, bracket, params = name.partition("[")
    if not bracket:
        return name
    params = params[:-1] if params.endswith("]") else params
    if params == model:
        return base
    if params.endswith(f"-{model}"):
        return f"{base}[{params[: -len(model) - 1]}]"
    return f"{base}[{params}]"


def annotate_report(
    item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport
) -> None:
    """Mark a provider error (an error, not a failure) and attach the test's record."""
    fncall = item.stash.get(_fixture_key, None)
    if fncall is None or report.when != "call":
        return
    if call.excinfo is not None and isinstance(call.excinfo.value, ProviderError):
        setattr(report, PROVIDER_ERROR_ATTRIBUTE, True)
    if fncall.results or fncall.error is not None:
        from .records import RECORD_ATTRIBUTE
        from .reporting import junit_properties

        record = fncall.record(report)
        setattr(report, RECORD_ATTRIBUTE, record)
        item.user_properties.extend(junit_properties(record))
