"""The base of every spec model: frozen, unknown keys refused with a suggestion.

Its own module so that the spec's parts (:mod:`.spec`, :mod:`.spec_simulation`,
:mod:`.spec_checks`) can share it without importing each other.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

CASE_ID_PATTERN = r"^[A-Za-z0-9_.-]+$"

# Keys of the spec format that later versions run (loop mode, repetition, snapshots...).
# Naming one is not a typo, so it gets its own message instead of "unknown key".
NOT_YET_SUPPORTED = {
    "params": "parametrised cases",
}


class SpecModel(BaseModel):
    """Base: frozen, unknown keys rejected with a suggestion."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_keys(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        allowed = _accepted_keys(cls)
        for key in data:
            if key in allowed:
                continue
            if key in NOT_YET_SUPPORTED:
                feature = NOT_YET_SUPPORTED[key]
                raise PydanticCustomError(
                    "not_supported",
                    f"{key!r} belongs to {feature}, which this version of "
                    "pytest-fncall does not run yet",
                    {"key": key},
                )
            close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            hint = (
                f"did you mean {close[0]!r}?"
                if close
                else "allowed: " + ", ".join(sorted(allowed))
            )
            raise PydanticCustomError(
                "unknown_key", f"unknown key {key!r} ({hint})", {"key": key}
            )
        return data


def _accepted_keys(model: type[BaseModel]) -> set[str]:
    keys: set[str] = set()
    for name, info in model.model_fields.items():
        keys.add(info.alias or name)
        if isinstance(info.validation_alias, AliasChoices):
            keys.update(str(choice) for choice in info.validation_alias.choices)
    return keys
