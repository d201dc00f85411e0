"""Loop mode in the Python API: ``fncall.run(mocks=..., environment=..., faults=...)``.

The keys are a spec's, given as Python dicts and lists: they are validated by the same
pydantic models (:mod:`.spec_simulation`) and compiled by the same
:func:`~pytest_fncall.environment.compile_simulation` as a spec file's, so a mistake is
a :class:`~pytest_fncall.api_tools.FncallUsageError` naming the key path with the
message the YAML loader gives (``mocks.book[0]: give exactly one of return, ...``).
Relative files (``return_file``, ``store_file``) are the test file's neighbours.

Where a spec writes a ``package.module:Name`` reference (``environment.python``, a
binding's ``python``, a mock's ``py``), Python may give the class or function itself,
when it can be found again by that name (defined at the top level of an imported
module): it is replaced by its reference, so the simulation imports exactly what it
would import for a spec, and nothing else.

Only the assertions compile ``expect`` keys; :func:`loop_checks` adds what loop mode
allows over single mode: ``state``, ``recover`` and ``$from``.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .api_tools import FncallUsageError
from .results import Tool

if TYPE_CHECKING:
    from .loop_checks import LoopChecks
    from .loop_plan import LoopPlan
    from .spec import Expect

_NEEDS_SIMULATION = (
    "give fncall.run() mocks=, environment= or faults= so that its tools answer"
)


def loop_plan_for(
    *,
    mocks: Mapping[str, Any] | None,
    environment: Mapping[str, Any] | type | None,
    faults: Sequence[Mapping[str, Any]] | None,
    max_steps: int | None,
    tools: Sequence[Tool],
    spec_dir: Path,
    root: Path | None,
) -> LoopPlan | None:
    """The run's loop plan, or None without ``mocks`` / ``environment`` / ``faults``
    (single mode). ``environment`` may also be a class (``{"python": Class}``)."""
    __tracebackhide__ = True
    from .environment import SimulationError, compile_simulation
    from .loop_plan import DEFAULT_MAX_STEPS, LoopPlan
    from .spec_problems import display

    if isinstance(environment, type):
        environment = {"python": environment}
    given = {"mocks": mocks, "environment": environment, "faults": faults}
    data = {
        key: _plain(key, _with_references(key, value))
        for key, value in given.items()
        if value is not None
    }
    if not data:
        if max_steps is not None:
            raise FncallUsageError(
                "max_steps: 'max_steps' limits loop mode, and this run has no "
                f"simulated tools: {_NEEDS_SIMULATION}"
            )
        return None
    if max_steps is not None:
        data["max_steps"] = max_steps
    parsed = _validated(data)
    try:
        simulation = compile_simulation(
            mocks=parsed.mocks,
            environment=parsed.environment,
            faults=parsed.faults or (),
            tools=tools,
            spec_dir=spec_dir,
            root=root,
        )
    except SimulationError as exc:
        where = display(exc.location, data)
        message = f"{where}: {exc.message}" if where else exc.message
        raise FncallUsageError(message) from None
    return LoopPlan(simulation, max_steps=parsed.max_steps or DEFAULT_MAX_STEPS)


@functools.cache
def _loop_keys_model() -> Any:
    """A spec case's loop-mode keys, as one model (built once, on first use)."""
    from .spec import MaxSteps
    from .spec_base import SpecModel
    from .spec_simulation import Environment, Fault, Mocks

    class LoopKeys(SpecModel):
        mocks: Mocks | None = None
        environment: Environment | None = None
        faults: list[Fault] | None = None
        max_steps: MaxSteps | None = None

    return LoopKeys


def _validated(data: dict[str, Any]) -> Any:
    __tracebackhide__ = True
    from pydantic import ValidationError

    from .spec_problems import pydantic_problems
    from .yamlfile import YamlDocument

    try:
        return _loop_keys_model().model_validate(data)
    except ValidationError as exc:
        problems = pydantic_problems(Path("fncall.run"), YamlDocument(data, {}), exc)
        text = "\n".join(f"{found.key_path}: {found.message}" for found in problems)
        raise FncallUsageError(text) from None


def loop_only_keys(expect: Mapping[str, Any]) -> None:
    """Refuse, in single mode, the ``expect`` keys only loop mode can check."""
    __tracebackhide__ = True
    for key in ("state", "recover"):
        if expect.get(key) is not None:
            raise FncallUsageError(
                f"expect.{key}: needs loop mode: {_NEEDS_SIMULATION}"
            )


def loop_checks(
    expect: Expect, tools: Sequence[Tool], plan: LoopPlan | None
) -> LoopChecks | None:
    """``reply`` / ``state`` / ``recover`` / ``max_identical_calls`` of ``expect``,
    checked as the loader checks a case's (``state`` needs a stateful plan)."""
    __tracebackhide__ = True
    from .loader_loop import LoopSpecError, case_checks

    if expect.state is not None and plan is not None and not plan.simulation.stateful:
        raise FncallUsageError(
            "expect.state: 'state' checks the final state of an 'environment', and "
            "this run has none (mocks keep no state)"
        )
    try:
        return case_checks(expect, tools)
    except LoopSpecError as exc:
        raise FncallUsageError(_path(exc.location, exc.message)) from None


def no_dataflow_message() -> str:
    return (
        "expect.calls: $from takes values from tool results, which need loop mode: "
        "give fncall.run() mocks= or environment="
    )


def _path(location: Sequence[str | int], message: str) -> str:
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return f"{text}: {message}"


# --- Python objects where a spec writes a reference --------------------------------------


def _with_references(key: str, value: Any) -> Any:
    """``value`` with classes and functions at reference keys replaced by
    ``module:qualname``; everything else as given."""
    __tracebackhide__ = True
    if key == "environment" and isinstance(value, Mapping):
        value = dict(value)
        if "python" in value:
            value["python"] = _reference(value["python"], "environment.python")
        tools = value.get("tools")
        if isinstance(tools, Mapping):
            value["tools"] = {
                name: _replaced(binding, "python", f"environment.tools.{name}")
                for name, binding in tools.items()
            }
    elif key == "mocks" and isinstance(value, Mapping):
        value = {name: _mock(mock, f"mocks.{name}") for name, mock in value.items()}
    return value


def _mock(mock: Any, where: str) -> Any:
    __tracebackhide__ = True
    if isinstance(mock, Mapping) and isinstance(mock.get("sequence"), list):
        entries = mock["sequence"]
        return {
            **mock,
            "sequence": [
                _replaced(entry, "py", f"{where}.sequence[{index}]")
                for index, entry in enumerate(entries)
            ],
        }
    if isinstance(mock, (list, tuple)):
        rules = []
        for index, rule in enumerate(mock):
            rule = _replaced(rule, "py", f"{where}[{index}]")
            if isinstance(rule, Mapping) and "default" in rule:
                default = _replaced(rule["default"], "py", f"{where}[{index}].default")
                rule = {**rule, "default": default}
            rules.append(rule)
        return rules
    return mock


def _replaced(entry: Any, key: str, where: str) -> Any:
    __tracebackhide__ = True
    if isinstance(entry, Mapping) and key in entry:
        return {**entry, key: _reference(entry[key], f"{where}.{key}")}
    return entry


def _reference(value: Any, where: str) -> Any:
    """``module:qualname`` of a class or function that this name finds again in an
    already imported module; a string (or anything else) is left to the validation."""
    __tracebackhide__ = True
    from .spec_simulation import REFERENCE_PATTERN

    if isinstance(value, str) or not callable(value):
        return value
    module = getattr(value, "__module__", None)
    qualname = getattr(value, "__qualname__", None)
    found: Any = sys.modules.get(module) if isinstance(module, str) else None
    for part in qualname.split(".") if isinstance(qualname, str) else ["<none>"]:
        found = getattr(found, part, None)
    reference = f"{module}:{qualname}"
    if found is value and re.fullmatch(REFERENCE_PATTERN, reference):
        return reference
    name = qualname if isinstance(qualname, str) else type(value).__name__
    raise FncallUsageError(
        f"{where}: {name} cannot be found again by its name (it is not defined at the "
        "top level of an imported module): define it there, or give "
        "'package.module:Name'"
    )


def _plain(key: str, value: Any) -> Any:
    """``value`` as JSON data, as a spec file would give it."""
    __tracebackhide__ = True
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError) as exc:
        raise FncallUsageError(
            f"{key}: the loop-mode keys are JSON data (as in a spec file), with "
            f"classes and functions only where a spec names one: {exc}"
        ) from None
