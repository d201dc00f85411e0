"""Read YAML into plain data while remembering the 1-based line of every key and item.

Keys are kept as the text written (YAML 1.1 would turn ``on:`` into ``True``), dates stay
strings, duplicate keys are errors, and the work is bounded: files over
:data:`MAX_FILE_BYTES`, more than :data:`MAX_VALUES` values (aliases counted once per
use, so a "billion laughs" alias bomb stops early) and nesting deeper than
:data:`MAX_DEPTH` are refused with a line.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml
from yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

KeyPath = tuple[str | int, ...]
MAX_FILE_BYTES: Final = 10_000_000
"""Spec and tools files larger than this (10 MB) are refused before they are parsed."""
MAX_VALUES: Final = 200_000
"""At most this many values (scalars, lists and mappings) per file, aliases expanded."""
MAX_DEPTH: Final = 64
"""Lists and mappings nest at most this deep (a spec needs about 10 levels)."""
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


def read_limited(path: Path) -> bytes:
    """The bytes of the regular file ``path``; :class:`YamlProblem` (without a line) when
    it is not a regular file (a FIFO would block, a device never ends) or is larger than
    :data:`MAX_FILE_BYTES`. ``OSError`` (a missing file...) is left to the caller."""
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):
        raise YamlProblem("not a regular file", None)
    with path.open("rb") as stream:
        data = stream.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        size = max(path.stat().st_size, len(data))
        raise YamlProblem(
            f"the file is {size:,} bytes; files over {MAX_FILE_BYTES // 1_000_000} MB "
            f"({MAX_FILE_BYTES:,} bytes) are refused: split it into several files",
            None,
        )
    return data


def decode_problem(data: bytes, error: UnicodeDecodeError) -> str:
    """``error`` (from decoding ``data`` as UTF-8) with the line and column of the byte."""
    line = data.count(b"\n", 0, error.start) + 1
    column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
    return f"not UTF-8 text: {error} (line {line}, column {column})"


def shape_problem(data: Any) -> str | None:
    """Why plain data (parsed JSON) is too big or too deep for a spec, or None."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    count = 0
    while stack:
        value, depth = stack.pop()
        count += 1
        if count > MAX_VALUES:
            return f"more than {MAX_VALUES} values"
        if isinstance(value, (dict, list)):
            if depth > MAX_DEPTH:
                return f"nested more than {MAX_DEPTH} levels deep"
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return None


# libyaml's parser when PyYAML has it (about 10x faster on big specs), the same marks.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    def flatten_mapping(self, node: MappingNode) -> None:
        # Merge keys (<<: [*a, *a]) copy pairs; older PyYAML releases kept repeated
        # ones, so each level of merges doubled them: stop at the budget.
        super().flatten_mapping(node)
        if len(node.value) > MAX_VALUES:
            raise YamlProblem(
                f"more than {MAX_VALUES} values after expanding aliases (an alias bomb?)",
                node.start_mark.line + 1,
            )


def _timestamp_as_text(loader: yaml.SafeLoader, node: Node) -> Any:
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def parse_yaml(text: str) -> YamlDocument:
    """Parse one YAML document; raise :class:`YamlProblem` with a line on any mistake."""
    try:
        _count_values(text)
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
            if root is None:
                return YamlDocument(None, {})
            lines: dict[KeyPath, int] = {(): root.start_mark.line + 1}
            budget = [MAX_VALUES]
            data = _convert(loader, root, (), lines, budget, 1)
            return YamlDocument(data, lines)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        last = text.count("\n") + 1  # an error at the end of the text: its last line
        raise YamlProblem(
            f"YAML syntax error: {problem}{context}",
            min(mark.line + 1, last) if mark else None,
        ) from None
    except yaml.reader.ReaderError as exc:
        raise YamlProblem(
            f"YAML error: unacceptable character #x{exc.character:04x}: {exc.reason}",
            text.count("\n", 0, exc.position) + 1,
        ) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"YAML error: {exc}", None) from None
    except RecursionError:
        raise YamlProblem("YAML nested too deeply", None) from None


def _count_values(text: str) -> None:
    """Refuse a document of more than MAX_VALUES nodes before building any of them:
    parsing events is cheap, composing a huge document takes seconds and gigabytes."""
    loader = _Loader(text)
    try:
        count = 0
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, (ScalarEvent, CollectionStartEvent, AliasEvent)):
                count += 1
                if count > MAX_VALUES:
                    mark = event.start_mark
                    raise YamlProblem(
                        f"more than {MAX_VALUES} values: split the file",
                        mark.line + 1 if mark else None,
                    )
    finally:
        loader.dispose()


def _convert(
    loader: _Loader,
    node: Node,
    path: KeyPath,
    lines: dict[KeyPath, int],
    budget: list[int],
    depth: int,
) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise YamlProblem(
            f"more than {MAX_VALUES} values after expanding aliases (an alias bomb?)",
            node.start_mark.line + 1,
            path,
        )
    if isinstance(node, ScalarNode):
        try:
            return loader.construct_object(node, deep=True)
        except (ValueError, OverflowError) as exc:  # an integer of 5,000 digits...
            raise YamlProblem(
                f"unreadable value: {exc}", node.start_mark.line + 1, path
            ) from None
    if node.tag not in _PLAIN_COLLECTION_TAGS:
        raise YamlProblem(
            f"unsupported YAML tag {node.tag}", node.start_mark.line + 1, path
        )
    if depth > MAX_DEPTH:
        raise YamlProblem(
            f"nested more than {MAX_DEPTH} levels deep", node.start_mark.line + 1, path
        )
    if isinstance(node, SequenceNode):
        items = []
        for index, child in enumerate(node.value):
            lines.setdefault((*path, index), child.start_mark.line + 1)
            items.append(
                _convert(loader, child, (*path, index), lines, budget, depth + 1)
            )
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
            mapping[key] = _convert(
                loader, value_node, (*path, key), lines, budget, depth + 1
            )
        return mapping
    raise YamlProblem(
        f"unsupported YAML node {node.tag}", node.start_mark.line + 1, path
    )
