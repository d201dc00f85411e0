"""Matchers of numbers: ``$approx $gt $gte $lt $lte $range``.

Each fails on anything but a number (a bool is not one). ``$approx`` takes the
options ``abs`` and ``rel``, as :func:`math.isclose` does.
"""

from __future__ import annotations

import math
import operator
from typing import Final

from .matcher_core import Compile, Loc, Matcher, MatcherError, Opts, Registry, typed
from .matcher_values import is_array, is_number, render

NUMBERS = Registry()


def _need_number(arg: object, loc: Loc) -> int | float:
    if not is_number(arg) or (isinstance(arg, float) and not math.isfinite(arg)):
        raise MatcherError(loc, f"{loc[-1]} needs a finite number, got {render(arg)}")
    return arg


@NUMBERS.op("$approx", options=("abs", "rel"))
def _build_approx(arg: object, opts: Opts, loc: Loc, nested: Compile) -> Matcher:
    target = _need_number(arg, loc)
    limits = {k: v for k, v in opts.items() if v is not None}
    shown = ", ".join(f"{k} {v!r}" for k, v in limits.items()) or "rel 1e-09"
    # Both given: either tolerance is enough, as in math.isclose.
    rel = limits.get("rel", 0 if limits else 1e-9)
    tolerance = max(limits.get("abs", 0), rel * abs(target))
    text = f"approx {target!r} ({shown})"

    def close(value: int | float) -> bool:
        try:
            return bool(abs(value - target) <= tolerance)
        except OverflowError:  # an integer beyond float range is far from any target
            return False

    return typed(text, "number", close)


_COMPARE: Final = {
    "$gt": (">", operator.gt),
    "$gte": (">=", operator.ge),
    "$lt": ("<", operator.lt),
    "$lte": ("<=", operator.le),
}


@NUMBERS.op(*_COMPARE)
def _build_compare(arg: object, opts: Opts, loc: Loc, nested: Compile) -> Matcher:
    bound = _need_number(arg, loc)
    symbol, compare = _COMPARE[str(loc[-1])]
    return typed(f"x {symbol} {bound!r}", "number", lambda v: compare(v, bound))


@NUMBERS.op("$range")
def _build_range(arg: object, opts: Opts, loc: Loc, nested: Compile) -> Matcher:
    if not (
        is_array(arg) and len(arg) == 2 and all(b is None or is_number(b) for b in arg)
    ):
        need = "[low, high]: two numbers, null for an open end"
        raise MatcherError(loc, f"$range needs {need}, got {render(arg)}")
    low, high = (b if is_number(b) else None for b in arg)
    if low is not None and high is not None and low > high:
        raise MatcherError(loc, f"$range low {low!r} is above high {high!r}")
    bounds = [
        f"{low!r} <=" * (low is not None),
        "x",
        f"<= {high!r}" * (high is not None),
    ]
    text = " ".join(filter(None, bounds)) if bounds != ["", "x", ""] else "any number"
    return typed(
        text,
        "number",
        lambda v: (low is None or v >= low) and (high is None or v <= high),
    )
