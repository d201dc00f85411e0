"""Compile a spec's ``mocks``, ``environment`` and ``faults`` into a :class:`Simulation`.

Every static problem is found here, once per spec file: unknown tools, templates,
matchers, files, Python references and a ``setup`` that fails. What remains for run
time depends on the model's calls only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..results import Tool
from ..spec_simulation import Environment, Fault, Mocks
from .base import SimulationError, check_declared
from .faults import compile_faults
from .mocks import MockTool, compile_mock
from .python_env import PythonEnvironment, compile_python_environment
from .store import Binding, Store, compile_binding
from .store_setup import apply_setup, initial_store
from .templates import CALL_ROOTS, Template, compile_template
from .world import Parts, World


class Simulation:
    """Immutable, built once at collection; each trial ``start``\\s its own world,
    so concurrent trials (threads) share it safely."""

    def __init__(self, parts: Parts) -> None:
        self._parts = parts

    def start(self) -> World:
        """A fresh world: a deep copy of the initial store, or a new instance of the
        Python environment (SimulationError if its constructor now raises)."""
        return World(self._parts)

    @property
    def stateful(self) -> bool:
        """Whether there is an environment, so a state to check."""
        return self._parts.store is not None or self._parts.python is not None


def compile_simulation(
    *,
    mocks: Mocks | None,
    environment: Environment | None,
    faults: Sequence[Fault],
    tools: Sequence[Tool],
    spec_dir: Path,
    root: Path | None,
) -> Simulation:
    """Check and compile the simulated tools; SimulationError on any spec mistake."""
    declared = [tool.name for tool in tools]
    store: Store | None = None
    bindings: dict[str, Binding] = {}
    python: PythonEnvironment | None = None
    first_seq = 0
    if environment is not None and environment.python is not None:
        python = compile_python_environment(environment, declared)
    elif environment is not None:
        store = initial_store(environment, spec_dir, root)
        for name, spec in environment.tools.items():
            location = ("environment", "tools", name)
            check_declared(name, declared, location)
            bindings[name] = compile_binding(name, spec, store, location)
        first_seq = apply_setup(environment, store, bindings)
    bound = set(bindings) | (python.tools if python is not None else set())
    return Simulation(
        Parts(
            declared=frozenset(declared),
            faults=tuple(compile_faults(faults, declared)),
            mocks=_compile_mocks(mocks, declared, bound, spec_dir, root),
            on_unmatched=mocks.on_unmatched if mocks is not None else "error",
            unmatched_message=_unmatched_message(mocks),
            bindings=bindings,
            store=store,
            first_seq=first_seq,
            python=python,
        )
    )


def _compile_mocks(
    mocks: Mocks | None,
    declared: Sequence[str],
    bound: set[str],
    spec_dir: Path,
    root: Path | None,
) -> dict[str, MockTool]:
    compiled: dict[str, MockTool] = {}
    for name, mock in (mocks.tools if mocks is not None else {}).items():
        location = ("mocks", name)
        check_declared(name, declared, location)
        if name in bound:
            raise SimulationError(
                location,
                f"{name!r} is bound in 'environment', which answers all its calls, "
                "so these mocks would never be used: remove them",
            )
        compiled[name] = compile_mock(name, mock, location, spec_dir, root)
    return compiled


def _unmatched_message(mocks: Mocks | None) -> Template | None:
    if mocks is None or mocks.unmatched_message is None:
        return None
    where = ("mocks", "unmatched_message")
    return compile_template(mocks.unmatched_message, where, CALL_ROOTS)
