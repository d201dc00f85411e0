"""pydantic models of ``perturb:``: robustness variants of a case (SPEC-PROPOSAL §4.13).

Each entry of the list is one variant, run as one more item beside the unperturbed
case; the transforms of one entry combine. A bare name (``- shuffle_tools``) is that
transform with its defaults. :mod:`.perturb` applies them; :mod:`.perturb_load` checks
them against the case's tools.

``Distractors.from_`` is a :class:`~pytest_fncall.spec_tools.ToolSource`, an entry like
those of ``tools:``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from .spec_base import CASE_ID_PATTERN, SpecModel
from .spec_tools import ToolSource

TOOL_NAME_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
"""What every provider accepts as a function name (OpenAI's rule, the strictest)."""

NameStyle = Literal["random", "opaque", "camel", "snake"]
DropDescriptions = Literal["tools", "params", "all"]
Shorthand = Literal[
    "rename_tools", "rename_params", "shuffle_tools", "drop_descriptions"
]
"""A variant given as a bare name: that one transform with its defaults."""

_STYLES = (
    "random: seeded random names (t_k3x9qa2); opaque: numbered names in a seeded "
    "order ({kind}_0, {kind}_1, ...); camel: getWeather; snake: get_weather"
)


class RenameTools(SpecModel):
    """The model sees other tool names; its calls are mapped back before matching."""

    style: Literal["random", "opaque", "camel", "snake", "map"] = Field(
        default="random",
        description=_STYLES.format(kind="tool")
        + "; map: the names in 'map' (the default when 'map' is given).",
    )
    seed: int = Field(
        default=0,
        description="Seed of the random and opaque styles: the same seed gives the "
        "same names in every run and process.",
    )
    map: dict[str, str] | None = Field(
        default=None,
        description="{canonical name: name the model sees}, for style 'map'; tools "
        "not listed keep their names.",
    )

    @model_validator(mode="before")
    @classmethod
    def _map_implies_style(cls, data: Any) -> Any:
        if isinstance(data, dict) and "map" in data and "style" not in data:
            return {**data, "style": "map"}
        return data

    @model_validator(mode="after")
    def _map_with_style_map(self) -> RenameTools:
        if (self.style == "map") != (self.map is not None):
            raise ValueError("'map' goes with style 'map', and style 'map' needs 'map'")
        for old, new in (self.map or {}).items():
            if not re.fullmatch(TOOL_NAME_PATTERN, new):
                raise ValueError(
                    f"map: {old!r} -> {new!r}: a tool name has 1 to 64 letters, "
                    "digits, '_' or '-'"
                )
        return self


class RenameParams(SpecModel):
    """The model sees other top-level parameter names (``required`` follows)."""

    style: NameStyle = Field(default="random", description=_STYLES.format(kind="arg"))
    seed: int = Field(default=0, description="Seed of the random and opaque styles.")


class ShuffleTools(SpecModel):
    """The model sees the tools in a seeded random order."""

    seed: int = Field(default=0, description="Same seed, same order.")


class Distractors(SpecModel):
    """Irrelevant tools offered beside the case's own; calling one fails the trial
    with ``forbidden_call`` unless ``may_call: true``."""

    from_: ToolSource | Annotated[list[ToolSource], Field(min_length=1)] = Field(
        alias="from",
        description="Where the distractors come from: an entry like those of 'tools' "
        "(inline, file: or python:), or a list of them. Tools of the spec itself are "
        "left out.",
    )
    count: int | None = Field(
        default=None,
        ge=1,
        description="How many to offer, drawn with 'seed' (default: all of them).",
    )
    seed: int = Field(
        default=0, description="Seed of the draw and of where they are inserted."
    )
    may_call: bool = Field(
        default=False,
        description="false: a call to a distractor is a forbidden_call (an implicit "
        "forbid_tools); true: only the case's own expectations judge it.",
    )


class Variant(SpecModel):
    """One perturbation: one more item, its transforms applied together (distractors
    are added first, then tools and parameters are renamed, descriptions dropped and
    the list shuffled)."""

    name: str | None = Field(
        default=None,
        pattern=CASE_ID_PATTERN,
        description="The variant's name in item ids (case[model-NAME]); default: its "
        "transforms joined by '+' (rename_tools+shuffle_tools).",
    )
    rename_tools: RenameTools | None = None
    rename_params: RenameParams | None = None
    shuffle_tools: ShuffleTools | None = None
    drop_descriptions: DropDescriptions | None = Field(
        default=None,
        description="Remove the descriptions of the tools, of their parameters "
        "(top level), or both.",
    )
    distractors: Distractors | None = None

    @model_validator(mode="after")
    def _some_transform(self) -> Variant:
        if not self.transforms:
            raise ValueError(
                "a variant needs a transform: rename_tools, rename_params, "
                "shuffle_tools, drop_descriptions or distractors"
            )
        return self

    @property
    def transforms(self) -> tuple[str, ...]:
        """The transforms the variant gives, in the order of its fields."""
        return tuple(
            key
            for key in (
                "rename_tools",
                "rename_params",
                "shuffle_tools",
                "drop_descriptions",
                "distractors",
            )
            if getattr(self, key) is not None
        )


PerturbEntry = Shorthand | Variant
Perturb = list[PerturbEntry]


def as_variant(entry: PerturbEntry) -> Variant:
    """A bare name as the variant it stands for (built without validation: the
    shorthand is valid by construction, and Variant needs ToolSource to validate)."""
    if not isinstance(entry, str):
        return entry
    defaults: dict[str, Any] = {
        "rename_tools": RenameTools(),
        "rename_params": RenameParams(),
        "shuffle_tools": ShuffleTools(),
        "drop_descriptions": "all",
    }
    return Variant.model_construct(**{entry: defaults[entry]})
