"""Keep credentials out of everything pytest-fncall prints or writes.

A credential is the value of an environment variable named like one (``*_API_KEY``,
``*_TOKEN``, ``*_SECRET``, ``*_KEY``) of at least 8 characters. HTTP providers scrub
them from every response before reading it, so a server or a model that echoes a key
back (in an error, a text or a tool-call argument) cannot carry it into a trajectory,
a cassette, a snapshot, a report or a failure message. Behind that, the failure text
(:func:`~pytest_fncall.report.render_failures`) and every file written
(:func:`~pytest_fncall.files.write_atomically`) scrub again, for models that answer
without HTTP (``python``, ``scripted``). Standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..results import valid_text

SECRET_SUFFIXES = ("_API_KEY", "_TOKEN", "_SECRET", "_KEY")
MIN_SECRET_LENGTH = 8
REDACTED = "***"


def secrets_in(environment: Mapping[str, str], *extra: str | None) -> list[str]:
    """Values of the variables that look like credentials, and ``extra`` ones; the
    longest first, so that a secret containing another is replaced whole."""
    found = {
        value
        for name, value in environment.items()
        if name.upper().endswith(SECRET_SUFFIXES) and len(value) >= MIN_SECRET_LENGTH
    }
    found.update(value for value in extra if value and len(value) >= MIN_SECRET_LENGTH)
    return sorted(found, key=lambda value: (-len(value), value))


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret of 8+ characters replaced by ``***``."""
    for secret in secrets:
        if len(secret) >= MIN_SECRET_LENGTH and secret in text:
            text = text.replace(secret, REDACTED)
    return text


def scrub_json(value: Any, secrets: Iterable[str]) -> Any:
    """Decoded JSON with secrets scrubbed and lone surrogates replaced, in every string
    and key. Containers are changed in place (pass data you own); no recursion, so any
    depth is fine."""
    wanted = [s for s in secrets if len(s) >= MIN_SECRET_LENGTH]

    def clean(text: str) -> str:
        return scrub(valid_text(text), wanted)

    if isinstance(value, str):
        return clean(value)
    stack = [value] if isinstance(value, (dict, list)) else []
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            for index, item in enumerate(node):
                if isinstance(item, str):
                    node[index] = clean(item)
                elif isinstance(item, (dict, list)):
                    stack.append(item)
            continue
        renamed = []
        for key, item in node.items():
            if isinstance(item, str):
                node[key] = clean(item)
            elif isinstance(item, (dict, list)):
                stack.append(item)
            if isinstance(key, str) and clean(key) != key:
                renamed.append(key)
        for key in renamed:
            node[clean(key)] = node.pop(key)
    return value
