"""Trajectory snapshots (the only importer of syrupy).

A case with ``snapshot: true`` (or any case under ``--fncall-snapshot``) compares its
normalised trajectory with ``__fncall_snapshots__/<spec>/<item>.json`` beside the spec;
syrupy's ``--snapshot-update`` writes it. The file is syrupy's JSON snapshot format
(serialised by its ``JSONSnapshotExtension``), but pytest-fncall owns the files, in a
folder syrupy does not scan: syrupy counts only ``pytest.Function`` items, and under
``--snapshot-update`` it deletes every file in ``__snapshots__/`` it does not know (seen
with syrupy 7.0), so it would delete the snapshot of every case not run. pytest-fncall
writes a case's snapshot when that case runs and never deletes one.
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from .files import write_atomically
from .loader import SnapshotPolicy
from .results import Failure, PlacedCall, Trajectory

SNAPSHOT_DIR = "__fncall_snapshots__"
_UPDATE_HINT = (
    "if the new behaviour is intended, run pytest --snapshot-update "
    "(README.md#snapshots)"
)
_MAX_DIFF_LINES = 40


def update_requested(config: pytest.Config) -> bool:
    """syrupy's ``--snapshot-update`` (False when syrupy's plugin is disabled)."""
    return bool(getattr(config.option, "update_snapshots", False))


def snapshot_path(spec_path: Path, item_name: str) -> Path:
    """Where the snapshot of item ``case[openai/m]`` of ``weather.fncall.yaml`` lives:
    ``__fncall_snapshots__/weather.fncall/case[openai-m].json`` beside the spec."""
    stem = spec_path.name.rsplit(".", 1)[0]
    safe = re.sub(r"[^A-Za-z0-9_.\[\]-]", "-", item_name)
    return spec_path.parent / SNAPSHOT_DIR / stem / f"{safe}.json"


def normalise(trajectory: Trajectory, policy: SnapshotPolicy) -> dict[str, Any]:
    """What a snapshot pins: per step, the calls (name and parsed arguments with sorted
    keys; calls of one step sorted, since parallel calls may come in any order) and, when
    asked, the text; in loop mode, each call's simulated result too. Ids, timings and
    usage are left out."""
    placed_by_step: dict[int, list[PlacedCall]] = {}
    for placed in trajectory.placed_calls():
        placed_by_step.setdefault(placed.step, []).append(placed)
    steps = []
    for number, turn in enumerate(trajectory.steps):
        calls = []
        for placed in placed_by_step.get(number, []):
            call = placed.call
            shown: dict[str, Any] = {"name": call.name}
            if call.arguments is None:
                shown["raw_arguments"] = call.raw_arguments
            else:
                shown["arguments"] = call.arguments
            if placed.result is not None:
                shown["result"] = placed.result.content
                if placed.result.is_error:
                    shown["is_error"] = True
            calls.append(shown)
        calls.sort(key=lambda shown: json.dumps(shown, sort_keys=True))
        step: dict[str, Any] = {"calls": calls}
        if policy.text:
            step["text"] = turn.text
        steps.append(step)
    return {"steps": steps}


def check_snapshot(path: Path, data: dict[str, Any], update: bool) -> Failure | None:
    """Compare with (or, when ``update``, write) the snapshot at ``path``."""
    text = JSONSnapshotExtension().serialize(data)
    assert isinstance(text, str)
    try:
        recorded = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        recorded = None
    if recorded == text:
        return None
    if update:
        write_atomically(path, text)
        return None
    where = f"{SNAPSHOT_DIR}/{path.parent.name}/{path.name}"
    if recorded is None:
        return Failure(
            "snapshot_mismatch",
            f"no snapshot yet at {where}",
            (),
            "run pytest --snapshot-update to write it (README.md#snapshots)",
        )
    return Failure(
        "snapshot_mismatch",
        f"the trajectory differs from its snapshot {where}",
        _diff(recorded, text),
        _UPDATE_HINT,
    )


def _diff(recorded: str, current: str) -> tuple[str, ...]:
    lines = difflib.unified_diff(
        recorded.splitlines(), current.splitlines(), "snapshot", "now", n=2, lineterm=""
    )
    shown = [line for line in lines if not line.startswith(("---", "+++"))]
    if len(shown) > _MAX_DIFF_LINES:
        shown = [
            *shown[:_MAX_DIFF_LINES],
            f"... ({len(shown) - _MAX_DIFF_LINES} more lines)",
        ]
    return ("- snapshot / + now:", *shown)
