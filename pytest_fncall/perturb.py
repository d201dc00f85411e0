"""Robustness perturbations: what the model sees instead of the case's tools, and the
way back from its calls to canonical names.

Pure: :func:`apply` turns a :class:`Perturbation` and the case's canonical tools into
:class:`PerturbedTools`, which holds the outgoing tools and the bijection between names.
Its :meth:`~PerturbedTools.map_call_back` maps a call the model made to canonical tool
and parameter names before anything matches it; :meth:`~PerturbedTools.outgoing_messages`
maps history (a spec's ``messages``, loop-mode calls and tool results) the other way, so
the model always reads the names it was offered.

Renaming parameters touches the top level of each tool's arguments schema only:
``properties``, ``required``, ``dependentRequired``, ``dependentSchemas`` and the same
keys inside top-level ``allOf`` / ``anyOf`` / ``oneOf`` / ``not`` / ``if`` / ``then`` /
``else``; a renamed property loses its ``title`` (it usually repeats the old name).
Nested objects, enums and description texts are left as they are.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .perturb_names import check_bijective, insert_positions, renamed, shuffled
from .results import Tool, ToolCall

_SAME_OBJECT = ("allOf", "anyOf", "oneOf")
_SAME_OBJECT_ONE = ("not", "if", "then", "else")


@dataclass(frozen=True)
class Rename:
    style: str  # random | opaque | camel | snake | map
    seed: int = 0
    map: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Perturbation:
    """One variant of a case, as the loader compiled it from ``perturb:``."""

    name: str
    rename_tools: Rename | None = None
    rename_params: Rename | None = None
    shuffle_seed: int | None = None
    drop_descriptions: str | None = None  # tools | params | all
    distractors: tuple[Tool, ...] = ()
    distractor_seed: int = 0
    may_call_distractors: bool = False


@dataclass(frozen=True)
class PerturbedTools:
    """The tools one variant offers, and the bijection back to canonical names.

    ``tool_names``: canonical -> offered name, for every tool (distractors too);
    ``param_names``: canonical tool -> {canonical parameter -> offered name}.
    """

    name: str
    tools: tuple[Tool, ...]
    tool_names: Mapping[str, str]
    param_names: Mapping[str, Mapping[str, str]]
    distractors: frozenset[str] = frozenset()

    def map_call_back(self, call: ToolCall) -> ToolCall:
        """``call`` in canonical names. A canonical name the variant offers under another
        name becomes ``NAME (offered as 'NEW')``, which no tool (parameter) has, so that
        it fails as ``unknown_tool`` (``unexpected_param``). Parsed arguments are
        serialised again under the canonical keys; unparsed ones stay as they came."""
        tool = _back(call.name, self.tool_names)
        if call.arguments is None:
            return replace(call, name=tool)
        params = self.param_names.get(tool, {})
        arguments = {_back(key, params): value for key, value in call.arguments.items()}
        if tool == call.name and list(arguments) == list(call.arguments):
            return call
        raw = json.dumps(arguments, ensure_ascii=False)
        return replace(call, name=tool, arguments=arguments, raw_arguments=raw)

    def outgoing_name(self, name: str) -> str:
        """The name the model knows for a canonical (or marked) tool name."""
        return _forth(name, self.tool_names)

    def outgoing_choice(self, choice: str | Mapping[str, str]) -> str | dict[str, str]:
        if isinstance(choice, str):
            return choice
        return {**choice, "name": self.outgoing_name(choice["name"])}

    def outgoing_messages(
        self, messages: Sequence[Mapping[str, Any]]
    ) -> tuple[dict[str, Any], ...]:
        """OpenAI-format history with the calls and tool results under offered names."""
        return tuple(self._outgoing_message(message) for message in messages)

    def _outgoing_message(self, message: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(message)
        if message.get("role") == "tool" and isinstance(message.get("name"), str):
            out["name"] = self.outgoing_name(message["name"])
        calls = message.get("tool_calls")
        if message.get("role") == "assistant" and isinstance(calls, list):
            out["tool_calls"] = [self._outgoing_call(call) for call in calls]
        return out

    def _outgoing_call(self, call: Any) -> Any:
        function = call.get("function") if isinstance(call, Mapping) else None
        if not isinstance(function, Mapping) or not isinstance(
            function.get("name"), str
        ):
            return call
        name = function["name"]
        params = self.param_names.get(name, {})  # none for unknown or marked names
        arguments = function.get("arguments")
        parsed = arguments
        if isinstance(arguments, str):
            try:
                parsed = json.loads(arguments)
            except ValueError:
                parsed = None
        new_function = {**function, "name": self.outgoing_name(name)}
        if isinstance(parsed, dict):
            renamed_args = {_forth(key, params): value for key, value in parsed.items()}
            new_function["arguments"] = (
                json.dumps(renamed_args, ensure_ascii=False)
                if isinstance(arguments, str)
                else renamed_args
            )
        return {**call, "function": new_function}


NOT_OFFERED = " (offered as {!r})"
"""Appended to a canonical name the model used although the variant renamed it."""


def _back(name: str, forward: Mapping[str, str]) -> str:
    """The canonical name for an offered ``name``; a renamed canonical name is marked."""
    for canonical, offered in forward.items():
        if offered == name:
            return canonical
    if name in forward:
        return name + NOT_OFFERED.format(forward[name])
    return name


def _forth(name: str, forward: Mapping[str, str]) -> str:
    """The offered name for a canonical ``name``; a marked name as the model said it."""
    if name in forward:
        return forward[name]
    for canonical, offered in forward.items():
        if name == canonical + NOT_OFFERED.format(offered):
            return canonical
    return name


def apply(perturbation: Perturbation, tools: Sequence[Tool]) -> PerturbedTools:
    """The tools the model sees under ``perturbation``. ``tools``: the variant's
    canonical tools (the case's own, then the perturbation's distractors), each name
    once. Distractors are inserted at seeded places, then names, parameters and
    descriptions change, then the list is shuffled.
    :class:`~pytest_fncall.perturb_names.NameClash` when two names would become one."""
    distractor_names = {tool.name for tool in perturbation.distractors}
    order = [tool for tool in tools if tool.name not in distractor_names]
    extra = [tool for tool in tools if tool.name in distractor_names]
    positions = insert_positions(len(extra), len(order), perturbation.distractor_seed)
    for tool, position in zip(extra, positions, strict=True):
        order.insert(position, tool)
    tool_names = _tool_names(perturbation.rename_tools, [t.name for t in order])
    param_names: dict[str, dict[str, str]] = {}
    offered: list[Tool] = []
    for tool in order:
        params = _param_names(perturbation.rename_params, tool)
        param_names[tool.name] = params
        offered.append(_offered_tool(tool, tool_names[tool.name], params, perturbation))
    if perturbation.shuffle_seed is not None:
        offered = shuffled(offered, perturbation.shuffle_seed, "shuffle_tools")
    return PerturbedTools(
        perturbation.name,
        tuple(offered),
        tool_names,
        param_names,
        frozenset(distractor_names),
    )


def _tool_names(rename: Rename | None, names: list[str]) -> dict[str, str]:
    if rename is None:
        return {name: name for name in names}
    if rename.style == "map":
        mapping = {name: rename.map.get(name, name) for name in names}
        check_bijective(mapping)
        return mapping
    return renamed(names, rename.style, rename.seed, "tool")


def _param_names(rename: Rename | None, tool: Tool) -> dict[str, str]:
    properties = tool.parameters.get("properties")
    names = [str(key) for key in properties] if isinstance(properties, dict) else []
    if rename is None:
        return {name: name for name in names}
    try:
        return renamed(names, rename.style, rename.seed, "arg")
    except ValueError as exc:
        raise type(exc)(f"parameters of {tool.name!r}: {exc}") from None


def _offered_tool(
    tool: Tool, name: str, params: Mapping[str, str], perturbation: Perturbation
) -> Tool:
    drop = perturbation.drop_descriptions
    renaming = any(old != new for old, new in params.items())
    parameters = (
        _renamed_schema(tool.parameters, params) if renaming else tool.parameters
    )
    if drop in ("params", "all"):
        parameters = _without_param_descriptions(parameters)
    description = "" if drop in ("tools", "all") else tool.description
    return Tool(name, description, parameters)


def _renamed_schema(
    schema: Mapping[str, Any], names: Mapping[str, str]
) -> dict[str, Any]:
    """The object schema ``schema`` with its own property names renamed."""
    out = dict(schema)
    properties = schema.get("properties")
    if isinstance(properties, dict):
        out["properties"] = {
            names.get(key, key): _untitled(value, key in names and names[key] != key)
            for key, value in properties.items()
        }
    if isinstance(schema.get("required"), list):
        out["required"] = [_renamed(key, names) for key in schema["required"]]
    dependent = schema.get("dependentRequired")
    if isinstance(dependent, dict):
        out["dependentRequired"] = {
            names.get(key, key): [_renamed(k, names) for k in value]
            if isinstance(value, list)
            else value
            for key, value in dependent.items()
        }
    schemas = schema.get("dependentSchemas")
    if isinstance(schemas, dict):
        out["dependentSchemas"] = {
            names.get(key, key): _renamed_sub(value, names)
            for key, value in schemas.items()
        }
    for key in _SAME_OBJECT:
        if isinstance(schema.get(key), list):
            out[key] = [_renamed_sub(sub, names) for sub in schema[key]]
    for key in _SAME_OBJECT_ONE:
        if key in schema:
            out[key] = _renamed_sub(schema[key], names)
    return out


def _renamed(key: Any, names: Mapping[str, str]) -> Any:
    return names.get(key, key) if isinstance(key, str) else key


def _renamed_sub(schema: Any, names: Mapping[str, str]) -> Any:
    return _renamed_schema(schema, names) if isinstance(schema, dict) else schema


def _untitled(schema: Any, renamed_property: bool) -> Any:
    if renamed_property and isinstance(schema, dict) and "title" in schema:
        return {key: value for key, value in schema.items() if key != "title"}
    return schema


def _without_param_descriptions(schema: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(schema)
    properties = schema.get("properties")
    if isinstance(properties, dict):
        out["properties"] = {
            key: {k: v for k, v in value.items() if k != "description"}
            if isinstance(value, dict)
            else value
            for key, value in properties.items()
        }
    return out


def variant_name(perturbed: PerturbedTools | None) -> str | None:
    return perturbed.name if perturbed is not None else None


def item_name(case_id: str, model: str | None, variant: str | None) -> str:
    """``case[provider/model-variant]``, pytest's way of joining parameter ids;
    ``case[provider/model]`` for the original, ``case[variant]`` without a model."""
    suffix = "-".join(part for part in (model, variant) if part)
    return f"{case_id}[{suffix}]" if suffix else case_id


def run_key(case_id: str, perturbed: PerturbedTools | None) -> str:
    """The case as its cassette knows it: ``case[variant]`` for a variant (no case id
    holds brackets), so each variant keeps its own recorded exchanges."""
    return case_id if perturbed is None else f"{case_id}[{perturbed.name}]"
