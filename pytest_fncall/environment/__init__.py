"""Simulated tools for loop mode: mocks, a stateful environment, fault injection.

:func:`compile_simulation` checks a spec's ``mocks``, ``environment`` and ``faults``
at collection and builds a :class:`Simulation`; each trial ``start``\\s a fresh
:class:`World` whose ``execute`` answers the model's calls. The parts:

* :mod:`.templates`: ``{{ args.x }}`` templates (logic-less; they cannot run code);
* :mod:`.conditions`: ``when`` / ``where`` / ``require`` matchers;
* :mod:`.mocks`: canned, conditioned, sequenced and ``py:`` results;
* :mod:`.store`, :mod:`.store_setup`: the declarative store and its initial state;
* :mod:`.python_env`: a Python class as the environment;
* :mod:`.faults`: injected errors, timeouts, rate limits and corrupt results;
* :mod:`.world`: the behaviour chain of one trial.
"""

from __future__ import annotations

from .base import KeyPath, SimulationError
from .simulation import Simulation, compile_simulation
from .world import World

__all__ = ["KeyPath", "Simulation", "SimulationError", "World", "compile_simulation"]
