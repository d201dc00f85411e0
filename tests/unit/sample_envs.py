"""Helpers for the simulated-tool tests, and the Python code their specs reference
(``py: sample_envs:quote``, ``python: sample_envs:Shop``): tests/unit is importable."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_fncall.environment import Simulation, World, compile_simulation
from pytest_fncall.results import Tool, ToolCall
from pytest_fncall.spec_simulation import Environment, Fault, Mocks

SCHEMA = {"type": "object", "properties": {}}
CALLED: list[Any] = []
"""What :func:`explode` was called with; a test proves it stays empty."""


def tools(*names: str) -> list[Tool]:
    return [Tool(name, f"The {name} tool.", SCHEMA) for name in names]


def call(name: str, arguments: Any = None) -> ToolCall:
    """A call as a model makes it; a string is the raw (maybe broken) JSON text."""
    return ToolCall.from_model_arguments("call_1", name, arguments or {})


def build(
    *,
    declared: Sequence[str],
    mocks: dict[str, Any] | None = None,
    environment: dict[str, Any] | None = None,
    faults: Sequence[dict[str, Any]] = (),
    spec_dir: Path = Path(),
    root: Path | None = None,
) -> Simulation:
    """A simulation from the raw spec values, validated the way the loader does."""
    return compile_simulation(
        mocks=None if mocks is None else Mocks.model_validate(mocks),
        environment=None
        if environment is None
        else Environment.model_validate(environment),
        faults=[Fault.model_validate(fault) for fault in faults],
        tools=tools(*declared),
        spec_dir=spec_dir,
        root=root,
    )


def world(**spec: Any) -> World:
    return build(**spec).start()


# --- py: mocks and python: bindings ------------------------------------------------


def quote(args: dict[str, Any], ctx: dict[str, Any]) -> dict[str, Any]:
    return {"city": args["city"], "price": 10 * ctx["attempt"], "seq": ctx["seq"]}


def quote_with_state(args: dict[str, Any], ctx: dict[str, Any]) -> Any:
    return ctx["state"]


def quote_fails(args: dict[str, Any], ctx: dict[str, Any]) -> Any:
    raise RuntimeError("quote service down")


def explode(value: Any) -> bool:
    """A $py predicate no spec in the tests may reach through a template."""
    CALLED.append(value)
    return True


NOT_CALLABLE = 42


def refund(
    store: dict[str, Any], ctx: dict[str, Any], *, order_id: str, amount: int
) -> dict[str, Any]:
    order = store["orders"][order_id]
    if amount > order["total"]:
        raise ValueError(f"refund {amount} exceeds the total {order['total']}")
    order["refunded"] = amount
    return {"order_id": order_id, "refunded": amount, "attempt": ctx["attempt"]}


def corrupt(store: dict[str, Any], ctx: dict[str, Any]) -> str:
    store["orders"]["O1"] = ["not", "a", "record"]
    return "done"


# --- Python environments ---------------------------------------------------------


@dataclass
class Order:
    item: str
    qty: int
    tags: set[str] = field(default_factory=set)


class Shop:
    """A tiny shop: ``buy`` and ``list_stock`` are its tools."""

    def __init__(self, stock: dict[str, int], currency: str = "EUR") -> None:
        self.stock = stock
        self.currency = currency
        self.orders: list[Order] = []
        self._audit: list[str] = []

    def buy(self, item: str, qty: int = 1) -> dict[str, Any]:
        if self.stock.get(item, 0) < qty:
            raise ValueError(f"out of stock: {item}")
        self.stock[item] -= qty
        self.orders.append(Order(item, qty, {"web"}))
        self._audit.append(item)
        return {"item": item, "left": self.stock[item]}

    def list_stock(self) -> tuple[str, ...]:
        return tuple(sorted(self.stock))

    def snapshot(self) -> dict[str, Any]:
        return {"stock": self.stock, "order_count": len(self.orders)}

    def broken_snapshot(self) -> dict[str, Any]:
        raise KeyError("inventory")

    @property
    def total(self) -> int:
        return sum(self.stock.values())


class Broken:
    def __init__(self) -> None:
        raise OSError("no database")

    def ping(self) -> str:
        return "pong"


def not_a_class() -> None:
    return None
