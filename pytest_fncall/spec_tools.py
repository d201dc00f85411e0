"""pydantic model of one entry of ``tools:``: :class:`ToolSource`.

An entry is an inline tool, ``file:`` naming a tools dump, or ``python:`` naming a
function or a module of functions. Like the other ``spec_*`` models, it checks shape
only; :mod:`.loader_tools` loads the tools.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AliasChoices, Field, model_validator
from pydantic_core import PydanticCustomError

from .spec_base import SpecModel

__all__ = ["ToolSource"]


class ToolSource(SpecModel):
    """One entry of ``tools``: an inline tool, ``file:`` naming a tools dump, or
    ``python:`` naming a function or a module of functions."""

    name: str | None = None
    description: str | None = None
    parameters: dict[str, Any] | None = Field(
        default=None,
        validation_alias=AliasChoices("parameters", "inputSchema", "input_schema"),
        description="JSON Schema of the arguments (aliases: inputSchema, input_schema).",
    )
    file: str | None = Field(
        default=None,
        description="JSON or YAML file: an OpenAI tools array, Anthropic tools, an MCP "
        "tools/list result, or one tool.",
    )
    python: str | None = Field(
        default=None,
        description="'package.module:function' (one tool) or 'package.module' (every "
        "public function defined in the module, in definition order); the schema comes "
        "from the type hints, the descriptions from the docstring.",
    )
    include: list[str] | None = Field(
        default=None,
        min_length=1,
        description="With 'python: package.module': keep the functions whose names "
        "match one of these globs.",
    )
    exclude: list[str] | None = Field(
        default=None,
        description="With 'python: package.module': leave out the functions whose "
        "names match one of these globs.",
    )
    only: list[str] | None = Field(
        default=None,
        min_length=1,
        description="With 'file:': keep only the tools whose names match one of these "
        "globs (each must match a tool).",
    )
    rename: dict[str, Annotated[str, Field(min_length=1)]] | None = Field(
        default=None,
        description="With 'file:' or 'python:': {old name: new name}; the old name must "
        "be one of the source's tools, the new one must not clash with another.",
    )

    @model_validator(mode="before")
    @classmethod
    def _one_schema_key(cls, data: Any) -> Any:
        if isinstance(data, dict):
            given = [
                k for k in ("parameters", "inputSchema", "input_schema") if k in data
            ]
            if len(given) > 1:
                raise PydanticCustomError(
                    "schema_aliases",
                    "give one of {given}, not several",
                    {"given": given},
                )
        return data

    @model_validator(mode="after")
    def _one_source(self) -> ToolSource:
        if self.file is not None and self.python is not None:
            raise ValueError("give one source per entry: 'file' or 'python', not both")
        inline = self.name or self.description or self.parameters is not None
        if self.file is not None and inline:
            raise ValueError(
                "a 'file:' entry takes its tools from the file; "
                "remove name/description/parameters"
            )
        if self.python is not None and inline:
            raise ValueError(
                "a 'python:' entry takes name, description and schema from the "
                "function; remove name/description/parameters (use 'rename' for "
                "another name)"
            )
        if self.file is None and self.python is None and not self.name:
            raise ValueError("a tool needs 'name' (inline), 'file' or 'python'")
        if (self.include is not None or self.exclude is not None) and (
            self.python is None
        ):
            raise ValueError(
                "'include' and 'exclude' go with 'python: package.module'"
                + (" (for 'file:' use 'only')" if self.file is not None else "")
            )
        if self.only is not None and self.file is None:
            raise ValueError(
                "'only' goes with 'file:'"
                + (" (for 'python:' use 'include')" if self.python is not None else "")
            )
        if self.rename is not None and self.file is None and self.python is None:
            raise ValueError(
                "'rename' goes with 'file:' or 'python:' (an inline tool is named by "
                "its 'name')"
            )
        return self
