"""A Python class as the environment (BFCL / τ² style): its public methods are tools.

``environment: {python: pkg.mod:Class, init: {...}, state: ...}``: every trial gets
its own ``Class(**init)``; a call to a declared tool that is a public method runs
``method(**arguments)``. The class is imported, its ``init`` arguments bound and one
instance built at collection, so a wrong name or a constructor that raises is a spec
error before any model is called. The state is the instance's public non-callable
attributes, or what ``state: "method:NAME"`` returns, as JSON-like copies.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..results import ToolResult
from ..spec_simulation import Environment
from .base import (
    CallContext,
    SimulationError,
    error_result,
    import_callable,
    json_like,
    public_attributes,
    raised,
    suggest,
    value_result,
)

_WHERE = ("environment", "python")


@dataclass(frozen=True)
class PythonEnvironment:
    reference: str
    factory: Callable[..., Any]
    init: dict[str, Any]
    tools: frozenset[str]
    state_method: str | None

    def create(self) -> object:
        """A fresh instance; SimulationError if the constructor raises (it did not at
        collection, so it depends on something outside the spec)."""
        try:
            return self.factory(**copy.deepcopy(self.init))
        except Exception as exc:
            raise SimulationError(
                _WHERE, f"{self.reference}(**init) raised {raised(exc)}"
            ) from None

    def call(self, instance: object, call: CallContext) -> ToolResult:
        try:
            value = getattr(instance, call.tool)(**copy.deepcopy(call.args))
        except Exception as exc:
            return error_result(raised(exc))
        return value_result(value)

    def state(self, instance: object) -> object:
        """The state as plain data; a state method that raises gives a text saying so
        (a state check then fails and shows it) rather than breaking the trial."""
        if self.state_method is None:
            return public_attributes(instance)
        try:
            value = getattr(instance, self.state_method)()
        except Exception as exc:
            return f"<{self.reference}.{self.state_method}() raised {raised(exc)}>"
        return json_like(value)


def compile_python_environment(
    env: Environment, declared: Sequence[str]
) -> PythonEnvironment:
    assert env.python is not None
    reference = env.python
    factory = import_callable(reference, _WHERE, "python")
    if not isinstance(factory, type):
        raise SimulationError(_WHERE, f"python: {reference!r} is not a class")
    methods = _public_methods(factory)
    tools = frozenset(name for name in declared if name in methods)
    if not tools:
        raise SimulationError(
            _WHERE,
            f"no declared tool is a public method of {reference}: its methods are "
            f"{', '.join(methods) or 'none'}; the declared tools are "
            f"{', '.join(declared) or 'none'}",
        )
    state_method = None
    if env.state.startswith("method:"):
        state_method = env.state.removeprefix("method:")
        if state_method not in methods:
            raise SimulationError(
                ("environment", "state"),
                f"{reference} has no public method {state_method!r}"
                f"{suggest(state_method, methods)}",
            )
    _check_init(factory, env.init, reference)
    python_env = PythonEnvironment(
        reference, factory, dict(env.init), tools, state_method
    )
    python_env.create()  # a constructor that fails does so at collection
    return python_env


def _public_methods(cls: type) -> list[str]:
    methods = []
    for name in dir(cls):
        if name.startswith("_"):
            continue
        try:
            member = inspect.getattr_static(cls, name)
        except AttributeError:
            continue
        if isinstance(member, (staticmethod, classmethod)) or inspect.isfunction(
            member
        ):
            methods.append(name)
    return methods


def _check_init(factory: type, init: dict[str, Any], reference: str) -> None:
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):  # a builtin without a signature: let it try
        return
    try:
        signature.bind(**init)
    except TypeError as exc:
        raise SimulationError(
            ("environment", "init"),
            f"{reference} does not accept these init arguments: {exc}",
        ) from None
