"""Matchers of strings: ``$regex $search $text $ieq $loose``.

``$regex`` must match the whole string, ``$search`` anywhere in it. ``$text`` compares
after normalising (options ``case``, ``whitespace``, ``punct``); ``$ieq`` is
``$text`` without case; ``$loose`` also ignores spaces and most punctuation. Regexes
run under the bounds of :mod:`.regex_guard`.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from typing import Final

from .matcher_core import (
    Compile,
    Loc,
    Matcher,
    MatcherError,
    Opts,
    Registry,
    from_test,
    typed,
)
from .matcher_values import render
from .regex_guard import regex_check, regex_problem

TEXT = Registry()


_SPACE: Final[dict[str, Callable[[str], str]]] = {
    "collapse": lambda s: " ".join(s.split()),
    "exact": lambda s: s,
    "ignore": lambda s: "".join(s.split()),
}
_NO_PUNCT: Final = str.maketrans("", "", string.punctuation)
_LOOSE: Final = str.maketrans({**dict.fromkeys(" ,./-_*^"), "'": '"'})


@TEXT.op("$regex", "$search")
def _build_regex(arg: object, opts: Opts, loc: Loc, nested: Compile) -> Matcher:
    name = str(loc[-1])
    if not isinstance(arg, str):
        raise MatcherError(
            loc, f"{name} needs a regular expression (a string), got {render(arg)}"
        )
    try:
        re.compile(arg)
    except (re.error, ValueError, OverflowError, RecursionError) as exc:
        raise MatcherError(
            loc, f"invalid regular expression for {name}: {exc}"
        ) from None
    problem = regex_problem(arg)
    if problem:
        raise MatcherError(loc, f"{name}: {problem}")
    search = name == "$search"

    def test(value: object) -> str | None:
        if not isinstance(value, str):
            return "not a string"
        result = regex_check(arg, value, search=search)
        return result if isinstance(result, str) else None if result else ""

    return from_test(f"{name[1:]} {render(arg)}", test)


def _normaliser(case: bool, whitespace: str, punct: str) -> Callable[[str], str]:
    def norm(text: str) -> str:
        if punct == "ignore":
            text = text.translate(_NO_PUNCT)
        text = _SPACE[whitespace](text)
        return text if case else text.casefold()

    return norm


def _same_text(
    name: str, arg: object, loc: Loc, norm: Callable[[str], str], shown: str = ""
) -> Matcher:
    if not isinstance(arg, str):
        raise MatcherError(loc, f"{loc[-1]} needs a string, got {render(arg)}")
    want = norm(arg)
    text = f"{name} {render(arg)}" + (f" ({shown})" if shown else "")
    return typed(text, "string", lambda v: norm(v) == want)


@TEXT.op("$text", options=("case", "whitespace", "punct"))
def _build_text(arg: object, opts: Opts, loc: Loc, nested: Compile) -> Matcher:
    case, space, punct = opts["case"], opts["whitespace"], opts["punct"]
    flags = [
        "case-insensitive" * (not case),
        f"whitespace {space}" * (space != "collapse"),
        "punct ignore" * (punct == "ignore"),
    ]
    shown = ", ".join(flag for flag in flags if flag)
    return _same_text("text", arg, loc, _normaliser(case, space, punct), shown)


@TEXT.op("$ieq")
def _build_ieq(arg: object, opts: Opts, loc: Loc, nested: Compile) -> Matcher:
    return _same_text("ieq", arg, loc, _normaliser(False, "collapse", "keep"))


@TEXT.op("$loose")
def _build_loose(arg: object, opts: Opts, loc: Loc, nested: Compile) -> Matcher:
    return _same_text("loose", arg, loc, lambda s: s.lower().translate(_LOOSE))
