"""The declarative store: tools bound to operations on collections of records.

The state is ``{collection: {id: record}}``. A binding is one operation (get, query,
insert, update, delete) on one collection, with templated keys, conditions and
results, or ``python: pkg.mod:fn`` called as ``fn(store, ctx, **args)``. Whatever a
call does wrong (an unknown key, a failed precondition, a raise) becomes an error
result the model can read and recover from, never an exception.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from ..matcher_values import json_type
from ..matchers import Mismatch
from ..results import ToolResult
from ..spec_simulation import PythonBinding, StoreOp
from .base import (
    CallContext,
    KeyPath,
    SimulationError,
    error_result,
    import_callable,
    raised,
    suggest,
    value_result,
)
from .conditions import Condition, ConditionError
from .templates import CALL_ROOTS, STORE_ROOTS, Template, compile_template

Store = dict[str, dict[str, dict[str, Any]]]
RETURN_KEYWORDS: Final = ("record", "records", "ids", "first_id", "count", "ok")
_DEFAULT_RETURNS: Final = {"query": "records", "delete": "ok"}
Matched = list[tuple[str, dict[str, Any]]]


class _Failed(Exception):
    """Ends an operation with an error result carrying ``message``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Binding:
    """A tool's behaviour in the store."""

    def run(self, store: Store, call: CallContext) -> ToolResult:
        raise NotImplementedError


@dataclass(frozen=True)
class PythonStoreBinding(Binding):
    function: Callable[..., Any]

    def run(self, store: Store, call: CallContext) -> ToolResult:
        context = {"tool": call.tool, "attempt": call.attempt, "seq": call.seq}
        try:
            value = self.function(store, context, **copy.deepcopy(call.args))
        except Exception as exc:
            return error_result(raised(exc))
        return value_result(value)


class Operation(Binding):
    """One compiled store operation (see :class:`pytest_fncall.spec_simulation.StoreOp`)."""

    def __init__(self, tool: str, spec: StoreOp, location: KeyPath) -> None:
        self.tool, self.op, self.collection = tool, spec.op, spec.collection

        def template(key: str, raw: Any) -> Template | None:
            field = "set_" if key == "set" else key
            if field not in spec.model_fields_set:
                return None
            return compile_template(raw, (*location, key), STORE_ROOTS)

        def condition(name: str, raw: Mapping[str, Any] | None) -> Condition | None:
            return (
                None if raw is None else Condition(raw, (*location, name), CALL_ROOTS)
            )

        self.key, self.id = template("key", spec.key), template("id", spec.id)
        self.record = template("record", spec.record)
        self.set, self.append = (
            template("set", spec.set_),
            template("append", spec.append),
        )
        self.on_fail = template("on_fail", spec.on_fail)
        self.not_found = template("not_found", spec.not_found)
        self.where = condition("where", spec.where)
        self.require = condition("require", spec.require)
        self.args_require = condition("args_require", spec.args_require)
        returns = spec.returns if spec.returns is not None else _default(spec.op)
        self.returns: str | Template = (
            returns
            if returns in RETURN_KEYWORDS
            else compile_template(returns, (*location, "returns"), STORE_ROOTS)
        )
        if self.record is not None and self.record.static:
            if not isinstance(spec.record, dict):
                raise SimulationError(
                    (*location, "record"),
                    f"the record to insert must be a mapping, not {json_type(spec.record)}",
                )

    def run(self, store: Store, call: CallContext) -> ToolResult:
        records = store.setdefault(self.collection, {})
        try:
            if self.args_require is not None:
                values = call.template_values()
                found = self.args_require.mismatches(call.args, values)
                if found:
                    self._fail(
                        call, "", None, f"invalid arguments for '{self.tool}'", found
                    )
            matched = getattr(self, f"_{self.op}")(records, call)
            return self._result(call, matched)
        except _Failed as exc:
            return error_result(exc.message)
        except ConditionError as exc:
            return error_result(f"cannot check a condition of '{self.tool}': {exc}")
        except (AttributeError, TypeError) as exc:
            # a python: binding may have left records of a shape operations cannot read
            return error_result(f"'{self.tool}' cannot read the store: {raised(exc)}")

    # --- operations: each returns the records its result is made of ------------------

    def _get(self, records: dict[str, dict[str, Any]], call: CallContext) -> Matched:
        key = self._key(self.key, call)
        record = self._existing(records, key, call)
        return [(key, record)]

    def _query(self, records: dict[str, dict[str, Any]], call: CallContext) -> Matched:
        values = call.template_values()
        return [
            (key, record)
            for key, record in records.items()
            if self.where is None or not self.where.mismatches(record, values)
        ]

    def _insert(self, records: dict[str, dict[str, Any]], call: CallContext) -> Matched:
        key = self._key(self.id, call)
        if key in records:
            raise _Failed(f"{self.collection} record '{key}' already exists")
        record: Any = copy.deepcopy(call.args)
        if self.record is not None:
            record = self.record.render(call.template_values(id=key))
        if not isinstance(record, dict):
            raise _Failed(
                f"the record '{self.tool}' inserts is {json_type(record)}, not an object"
            )
        records[key] = record
        return [(key, record)]

    def _update(self, records: dict[str, dict[str, Any]], call: CallContext) -> Matched:
        key = self._key(self.key, call)
        old = self._existing(records, key, call)
        new = copy.deepcopy(old)
        values = call.template_values(record=old, id=key)
        if self.set is not None:
            new.update(self.set.render(values))
        if self.append is not None:
            for field, item in self.append.render(values).items():
                current = new.get(field, [])
                if not isinstance(current, list):
                    raise _Failed(
                        f"cannot append to '{field}' of {self.collection} record "
                        f"'{key}': it holds {json_type(current)}, not a list"
                    )
                new[field] = [*current, item]
        records[key] = new
        return [(key, new)]

    def _delete(self, records: dict[str, dict[str, Any]], call: CallContext) -> Matched:
        key = self._key(self.key, call)
        record = self._existing(records, key, call)
        del records[key]
        return [(key, record)]

    # --- helpers ---------------------------------------------------------------------

    def _key(self, template: Template | None, call: CallContext) -> str:
        assert template is not None  # the spec model requires key / id for these ops
        return record_id(template.render(call.template_values()))

    def _existing(
        self, records: dict[str, dict[str, Any]], key: str, call: CallContext
    ) -> dict[str, Any]:
        record = records.get(key)
        if record is None:
            default = f"{self.collection} record '{key}' not found"
            raise _Failed(self._text(self.not_found, call, key, None, default))
        if self.require is not None:
            found = self.require.mismatches(record, call.template_values())
            if found:
                summary = (
                    f"{self.collection} record '{key}' does not meet the precondition"
                )
                self._fail(call, key, record, summary, found)
        return record

    def _fail(
        self,
        call: CallContext,
        key: str,
        record: dict[str, Any] | None,
        summary: str,
        found: list[Mismatch],
    ) -> None:
        default = f"{summary}: " + "; ".join(str(mismatch) for mismatch in found)
        raise _Failed(self._text(self.on_fail, call, key, record, default))

    def _text(
        self,
        template: Template | None,
        call: CallContext,
        key: str,
        record: dict[str, Any] | None,
        default: str,
    ) -> str:
        if template is None:
            return default
        extra = {"id": key} if record is None else {"id": key, "record": record}
        text = template.render(call.template_values(**extra))
        return text if isinstance(text, str) else json.dumps(text, default=str)

    def _result(self, call: CallContext, matched: Matched) -> ToolResult:
        if isinstance(self.returns, Template):
            extra = {"id": matched[0][0], "record": matched[0][1]} if matched else {}
            return value_result(self.returns.render(call.template_values(**extra)))
        if self.returns in ("record", "first_id") and not matched:
            default = f"no {self.collection} record matches"
            raise _Failed(self._text(self.not_found, call, "", None, default))
        shapes: dict[str, Callable[[], Any]] = {
            "record": lambda: matched[0][1],
            "records": lambda: [record for _, record in matched],
            "ids": lambda: [key for key, _ in matched],
            "first_id": lambda: matched[0][0],
            "count": lambda: len(matched),
            "ok": lambda: "ok",
        }
        return value_result(shapes[self.returns]())


def record_id(value: Any) -> str:
    """A record's id as the store keys it: JSON object keys are text, so 7 is "7"."""
    if isinstance(value, str):
        return value
    return "" if value is None else json.dumps(value, ensure_ascii=False, default=str)


def compile_binding(
    tool: str, spec: StoreOp | PythonBinding, collections: Store, location: KeyPath
) -> Binding:
    if isinstance(spec, PythonBinding):
        where = (*location, "python")
        return PythonStoreBinding(import_callable(spec.python, where, "python"))
    if spec.collection not in collections:
        names = sorted(collections)
        raise SimulationError(
            (*location, "collection"),
            f"no collection {spec.collection!r} in the store"
            f"{suggest(spec.collection, names)}; declare it (empty if need be: "
            f"store: {{{spec.collection}: {{}}}})",
        )
    return Operation(tool, spec, location)


def _default(op: str) -> str:
    return _DEFAULT_RETURNS.get(op, "record")
