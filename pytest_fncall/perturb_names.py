"""New names for tools and parameters: naming styles and seeded randomness.

Every random choice comes from a :class:`random.Random` seeded with a string, which
Python hashes with SHA-512 (not ``hash()``, which differs between processes), so the
same seed gives the same names and orders in every run, process and xdist worker, and
recorded cassettes replay.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_SEPARATORS = re.compile(r"[\s_.\-]+")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


class NameClash(ValueError):
    """Two names would become one (``get_weather`` and ``getWeather`` in snake style)."""


def seeded(seed: int, *purpose: str) -> random.Random:
    """A generator that depends only on ``seed`` and ``purpose``."""
    return random.Random(":".join((str(seed), *purpose)))


def words(name: str) -> list[str]:
    """``getWeatherNow`` / ``get_weather_now`` / ``get-weather now`` -> the lowercase words."""
    found: list[str] = []
    for part in _SEPARATORS.split(name):
        found.extend(piece.lower() for piece in _CAMEL_BOUNDARY.split(part) if piece)
    return found


def camel(name: str) -> str:
    """``get_weather`` -> ``getWeather`` (a name without letters stays as it is)."""
    found = words(name)
    if not found:
        return name
    return found[0] + "".join(word[:1].upper() + word[1:] for word in found[1:])


def snake(name: str) -> str:
    """``getWeather`` -> ``get_weather``."""
    found = words(name)
    return "_".join(found) if found else name


def random_name(seed: int, kind: str, name: str, taken: set[str]) -> str:
    """A random name such as ``t_k3x9qa``, seeded by ``seed``, ``kind`` and the old
    ``name`` alone (so a name keeps its new name whichever others are renamed with it),
    and not in ``taken``."""
    rng = seeded(seed, kind, name)
    while True:
        new = f"{kind[0]}_" + "".join(rng.choice(_ALPHABET) for _ in range(6))
        if new not in taken:
            return new


def renamed(names: Sequence[str], style: str, seed: int, kind: str) -> dict[str, str]:
    """``{old: new}`` for ``names`` in ``style`` (``random``, ``opaque``, ``camel``,
    ``snake``); ``kind`` (``tool``, ``arg``) prefixes the generated names.
    :class:`NameClash` when two names would become one."""
    if style == "opaque":
        order = list(names)
        seeded(seed, kind, "opaque").shuffle(order)
        number = {name: index for index, name in enumerate(order)}
        return {name: f"{kind}_{number[name]}" for name in names}
    mapping: dict[str, str] = {}
    taken = set(names)
    for name in names:
        if style == "random":
            new = random_name(seed, kind, name, taken)
            taken.add(new)
        else:
            new = camel(name) if style == "camel" else snake(name)
        mapping[name] = new
    check_bijective(mapping)
    return mapping


def check_bijective(mapping: dict[str, str]) -> None:
    """:class:`NameClash` when two old names share a new one."""
    seen: dict[str, str] = {}
    for old, new in mapping.items():
        if new in seen:
            raise NameClash(f"{seen[new]!r} and {old!r} would both be called {new!r}")
        seen[new] = old


def shuffled(items: Sequence[T], seed: int, purpose: str) -> list[T]:
    """``items`` in a seeded order that differs from the given one whenever there are
    two or more (a shuffle that changed nothing would test nothing)."""
    order = list(items)
    if len(order) < 2:
        return order
    rng = seeded(seed, purpose)
    for _ in range(100):
        rng.shuffle(order)
        if order != list(items):
            return order
    return order[1:] + order[:1]  # only reachable with equal items


def insert_positions(count: int, among: int, seed: int) -> list[int]:
    """Where ``count`` items go in a list that has ``among`` items: each index is drawn
    in ``[0, current length]``, so the items may land anywhere, first or last."""
    rng = seeded(seed, "distractors", "positions")
    return [rng.randint(0, among + index) for index in range(count)]
