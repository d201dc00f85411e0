"""Read YAML into plain data while remembering the 1-based line of every key and item.

Keys are kept as the text written (YAML 1.1 would turn ``on:`` into ``True``), dates stay
strings, duplicate keys are errors, and alias expansion is bounded ("billion laughs").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

KeyPath = tuple[str | int, ...]
MAX_VALUES = 200_000
_MERGE_TAG = "tag:yaml.org,2002:merge"
_PLAIN_COLLECTION_TAGS = {"tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"}


class YamlProblem(Exception):
    """The text is not YAML we accept; ``line`` is 1-based (None when unknown)."""

    def __init__(self, message: str, line: int | None, key_path: KeyPath = ()) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.key_path = key_path


@dataclass(frozen=True)
class YamlDocument:
    data: Any
    lines: dict[KeyPath, int]

    def line_of(self, key_path: KeyPath) -> int | None:
        """The line of ``key_path``, or of its nearest ancestor that has one."""
        for end in range(len(key_path), -1, -1):
            line = self.lines.get(key_path[:end])
            if line is not None:
                return line
        return None


# libyaml's parser when PyYAML has it (about 10x faster on big specs), the same marks.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    pass


def _timestamp_as_text(loader: yaml.SafeLoader, node: Node) -> Any:
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def parse_yaml(text: str) -> YamlDocument:
    """Parse one YAML document; raise :class:`YamlProblem` with a line on any mistake."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return YamlDocument(None, {})
        lines: dict[KeyPath, int] = {(): root.start_mark.line + 1}
        budget = [MAX_VALUES]
        data = _convert(loader, root, (), lines, budget)
        return YamlDocument(data, lines)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        raise YamlProblem(
            f"YAML syntax error: {problem}{context}", mark.line + 1 if mark else None
        ) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"YAML error: {exc}", None) from None
    except RecursionError:
        raise YamlProblem("YAML nested too deeply", None) from None
    finally:
        loader.dispose()


def _convert(
    loader: _Loader,
    node: Node,
    path: KeyPath,
    lines: dict[KeyPath, int],
    budget: list[int],
) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise YamlProblem(
            f"more than {MAX_VALUES} values after expanding aliases (an alias bomb?)",
            node.start_mark.line + 1,
            path,
        )
    if isinstance(node, ScalarNode):
        return loader.construct_object(node, deep=True)
    if node.tag not in _PLAIN_COLLECTION_TAGS:
        raise YamlProblem(
            f"unsupported YAML tag {node.tag}", node.start_mark.line + 1, path
        )
    if isinstance(node, SequenceNode):
        items = []
        for index, child in enumerate(node.value):
            lines.setdefault((*path, index), child.start_mark.line + 1)
            items.append(_convert(loader, child, (*path, index), lines, budget))
        return items
    if isinstance(node, MappingNode):
        written = {id(key) for key, _ in node.value if key.tag != _MERGE_TAG}
        loader.flatten_mapping(node)  # merged (<<) pairs come first; written keys win
        mapping: dict[str, Any] = {}
        merged: set[str] = set()
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode):
                raise YamlProblem("mapping keys must be plain strings", line, path)
            key = str(key_node.value)
            if id(key_node) not in written:
                merged.add(key)
            elif key in merged:
                merged.discard(key)
            elif key in mapping:
                first = lines.get((*path, key))
                raise YamlProblem(
                    f"duplicate key {key!r} (first at line {first})", line, (*path, key)
                )
            lines[(*path, key)] = line
            mapping[key] = _convert(loader, value_node, (*path, key), lines, budget)
        return mapping
    raise YamlProblem(
        f"unsupported YAML node {node.tag}", node.start_mark.line + 1, path
    )
