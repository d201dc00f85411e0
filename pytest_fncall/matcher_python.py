"""``$py``: a matcher that calls a Python function, named ``package.module:function``.

The function gets the value (and the ``kwargs`` option as keyword arguments) and
returns a bool or ``(bool, message)``; the message explains a failure. It is imported
when the spec is compiled, so a wrong name is a spec error.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable

from .matcher_core import Compile, Loc, Matcher, MatcherError, Opts, Registry, from_test
from .matcher_values import render

PYTHON = Registry()


def _resolve(target: str, loc: Loc) -> Callable[..., object]:
    module_name, _, attr = target.partition(":")
    try:
        found: object = importlib.import_module(module_name)
    except ImportError as exc:
        hint = "is its directory importable? see the pytest 'pythonpath' ini option"
        message = f"$py cannot import {module_name!r} ({exc}); {hint}"
        raise MatcherError(loc, message) from None
    except Exception as exc:
        message = f"$py: importing {module_name!r} raised {type(exc).__name__}: {exc}"
        raise MatcherError(loc, message) from None
    for part in attr.split("."):
        if not hasattr(found, part):
            raise MatcherError(loc, f"$py: {module_name!r} has no attribute {attr!r}")
        found = getattr(found, part)
    if not callable(found):
        raise MatcherError(loc, f"$py: {target!r} is not callable")
    return found


@PYTHON.op("$py", options=("kwargs",))
def _build_py(arg: object, opts: Opts, loc: Loc, nested: Compile) -> Matcher:
    if not isinstance(arg, str) or not re.fullmatch(r"[\w.]+:[\w.]+", arg):
        raise MatcherError(loc, f"$py needs 'package.module:function', got {arg!r}")
    kwargs = dict(opts["kwargs"])
    function = _resolve(arg, loc)

    def test(value: object) -> str | None:
        try:
            result = function(value, **kwargs)
        except Exception as exc:
            return f"{arg} raised {type(exc).__name__}: {exc}"
        ok, message = (result, "")
        if isinstance(result, tuple) and len(result) == 2:
            ok, message = result
        if not isinstance(ok, bool):
            return f"{arg} returned {render(result)}, not a bool or (bool, message)"
        return None if ok else str(message)

    return from_test(f"py {arg}", test)
