"""The store's initial state: ``store``, ``store_file`` and the ``setup`` calls.

All of it is computed once, at collection: ``setup`` calls (τ²'s initialization
actions) go through the same bindings as the model's calls, and one that fails is a
spec mistake. Each trial then starts from a deep copy of the result.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..matcher_values import json_type
from ..spec_simulation import Environment
from .base import CallContext, KeyPath, SimulationError, read_data_file, suggest
from .store import Binding, Store

_WHERE: KeyPath = ("environment",)


def initial_store(env: Environment, spec_dir: Path, root: Path | None) -> Store:
    """``store`` and the collections of ``store_file``; a record in both is an error."""
    store: Store = copy.deepcopy(env.store) if env.store else {}
    if env.store_file is None:
        return store
    location = (*_WHERE, "store_file")
    data = read_data_file(env.store_file, spec_dir, root, location)
    for name, records in _collections(data, location).items():
        merged = store.setdefault(name, {})
        for key, record in records.items():
            if key in merged:
                raise SimulationError(
                    location,
                    f"record {key!r} of {name!r} is both in 'store' and in "
                    f"{env.store_file}: keep one",
                )
            merged[key] = record
    return store


def _collections(data: Any, location: KeyPath) -> Store:
    shape = "{collection: {id: record}}"
    if not isinstance(data, Mapping):
        raise SimulationError(
            location, f"the file must hold {shape}, not {json_type(data)}"
        )
    for name, records in data.items():
        if not isinstance(records, Mapping):
            raise SimulationError(
                location, f"collection {name!r} must map ids to records ({shape})"
            )
        for key, record in records.items():
            if not isinstance(record, Mapping):
                raise SimulationError(
                    location,
                    f"record {key!r} of {name!r} must be a mapping, not "
                    f"{json_type(record)}",
                )
    return {
        str(name): {str(key): dict(record) for key, record in records.items()}
        for name, records in data.items()
    }


def apply_setup(env: Environment, store: Store, bindings: Mapping[str, Binding]) -> int:
    """Run the ``setup`` calls on ``store``; how many ran (trials number on from it)."""
    attempts: dict[str, int] = {}
    for index, setup in enumerate(env.setup):
        location = (*_WHERE, "setup", index)
        binding = bindings.get(setup.tool)
        if binding is None:
            bound = ", ".join(sorted(bindings)) or "none"
            raise SimulationError(
                (*location, "tool"),
                f"setup calls go through environment.tools, and {setup.tool!r} is not "
                f"bound there{suggest(setup.tool, bindings)} (bound: {bound})",
            )
        attempts[setup.tool] = attempts.get(setup.tool, 0) + 1
        call = CallContext(
            setup.tool, copy.deepcopy(setup.args), attempts[setup.tool], index + 1
        )
        result = binding.run(store, call)
        if result.is_error:
            raise SimulationError(
                location,
                f"setup call {index + 1} ({setup.tool}) failed: {result.content}",
            )
    return len(env.setup)
