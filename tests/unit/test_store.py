"""Unit tests of the declarative store (:mod:`pytest_fncall.environment.store` and
:mod:`~pytest_fncall.environment.store_setup`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sample_envs
from pydantic import ValidationError
from sample_envs import build, call, world

from pytest_fncall.environment import SimulationError
from pytest_fncall.results import ToolResult
from pytest_fncall.spec_simulation import Environment

DECLARED = [
    "get_order",
    "find_orders",
    "count_orders",
    "create_order",
    "cancel_order",
    "add_note",
    "delete_order",
    "refund",
]
STORE: dict[str, Any] = {
    "orders": {
        "O1": {"user": "u1", "status": "pending", "total": 30, "notes": []},
        "O2": {"user": "u2", "status": "shipped", "total": 50},
        "O3": {"user": "u1", "status": "shipped", "total": 10},
    },
    "users": {"u1": {"name": "Ann"}},
}
TOOLS: dict[str, Any] = {
    "get_order": {"op": "get", "collection": "orders", "key": "{{ args.order_id }}"},
    "find_orders": {
        "op": "query",
        "collection": "orders",
        "where": {"user": "{{ args.user }}", "total": {"$gte": 20}},
    },
    "count_orders": {"op": "query", "collection": "orders", "returns": "count"},
    "create_order": {
        "op": "insert",
        "collection": "orders",
        "id": "O{{ seq }}",
        "record": {"user": "{{ args.user }}", "status": "pending", "id": "{{ id }}"},
        "returns": {"order_id": "{{ id }}", "status": "{{ record.status }}"},
    },
    "cancel_order": {
        "op": "update",
        "collection": "orders",
        "key": "{{ args.order_id }}",
        "require": {"status": "pending"},
        "args_require": {"reason": {"$in": ["no longer needed", "ordered by mistake"]}},
        "on_fail": "order {{ id }} cannot be cancelled",
        "not_found": "no order {{ id }}",
        "set": {"status": "cancelled", "was": "{{ record.status }}"},
    },
    "add_note": {
        "op": "update",
        "collection": "orders",
        "key": "{{ args.order_id }}",
        "append": {"notes": "{{ args.note }}"},
        "returns": "ok",
    },
    "delete_order": {"op": "delete", "collection": "orders", "key": "{{ args.id }}"},
    "refund": {"python": "sample_envs:refund"},
}


def shop(**changes: Any) -> Any:
    environment = {"store": STORE, "tools": TOOLS, **changes}
    return world(declared=DECLARED, environment=environment)


def spec_error(**environment: Any) -> SimulationError:
    environment.setdefault("store", STORE)
    with pytest.raises(SimulationError) as info:
        build(declared=DECLARED, environment=environment)
    return info.value


# --- operations -------------------------------------------------------------------


def test_get_returns_the_record() -> None:
    result = shop().execute(call("get_order", {"order_id": "O2"}))
    assert result.value == {"user": "u2", "status": "shipped", "total": 50}
    assert result.content == '{"user": "u2", "status": "shipped", "total": 50}'
    assert not result.is_error


def test_an_unknown_key_is_a_not_found_error() -> None:
    result = shop().execute(call("get_order", {"order_id": "O9"}))
    assert result == ToolResult("orders record 'O9' not found", is_error=True)
    no_key = shop().execute(call("get_order", {}))
    assert no_key == ToolResult("orders record '' not found", is_error=True)


def test_a_number_key_finds_the_record_stored_under_its_text() -> None:
    tools = shop(store={"orders": {"7": {"total": 1}}})
    assert tools.execute(call("get_order", {"order_id": 7})).value == {"total": 1}


def test_query_filters_records_with_templated_matchers() -> None:
    tools = shop()
    assert tools.execute(call("find_orders", {"user": "u1"})).value == [
        STORE["orders"]["O1"]
    ]
    assert tools.execute(call("find_orders", {"user": "u9"})).value == []
    assert tools.execute(call("count_orders")).value == 3


@pytest.mark.parametrize(
    ("returns", "expected"),
    [
        ("ids", ["O2", "O3"]),
        ("first_id", None),  # text: "O2"
        ("count", 2),
        ("record", STORE["orders"]["O2"]),
        ("ok", None),
        (
            {"found": "{{ id }}", "by": "{{ args.status }}"},
            {"found": "O2", "by": "shipped"},
        ),
    ],
)
def test_returns_shapes_the_result(returns: Any, expected: Any) -> None:
    tools = shop(
        tools={
            "find_orders": {
                "op": "query",
                "collection": "orders",
                "where": {"status": "{{ args.status }}"},
                "returns": returns,
            }
        }
    )
    result = tools.execute(call("find_orders", {"status": "shipped"}))
    assert result.value == expected
    if returns in ("ok", "first_id"):
        assert result.content == {"ok": "ok", "first_id": "O2"}[returns]


def test_first_id_of_nothing_is_not_found() -> None:
    tools = shop(
        tools={
            "find_orders": {
                "op": "query",
                "collection": "orders",
                "where": {"status": "lost"},
                "returns": "first_id",
            }
        }
    )
    assert tools.execute(call("find_orders")) == ToolResult(
        "no orders record matches", is_error=True
    )


def test_insert_adds_a_record_under_its_templated_id() -> None:
    tools = shop()
    for _ in range(3):
        tools.execute(call("count_orders"))
    assert tools.execute(call("create_order", {"user": "u2"})).value == {
        "order_id": "O4",  # the 4th call: seq is 4
        "status": "pending",
    }
    state: Any = tools.state()
    assert state["orders"]["O4"] == {"user": "u2", "status": "pending", "id": "O4"}


def test_insert_refuses_an_existing_id() -> None:
    tools = shop()
    tools.execute(call("count_orders"))
    result = tools.execute(call("create_order", {"user": "u2"}))
    assert result == ToolResult("orders record 'O2' already exists", is_error=True)


def test_insert_without_a_record_template_stores_the_arguments() -> None:
    tools = shop(
        tools={"create_order": {"op": "insert", "collection": "orders", "id": "X"}}
    )
    arguments = {"user": "u3", "items": ["pen"]}
    assert tools.execute(call("create_order", arguments)).value == arguments
    state: Any = tools.state()
    assert state["orders"]["X"] == arguments


def test_update_sets_fields_when_the_preconditions_hold() -> None:
    tools = shop()
    arguments = {"order_id": "O1", "reason": "no longer needed"}
    result = tools.execute(call("cancel_order", arguments))
    assert result.value == {
        "user": "u1",
        "status": "cancelled",
        "total": 30,
        "notes": [],
        "was": "pending",
    }
    state: Any = tools.state()
    assert state["orders"]["O1"]["status"] == "cancelled"


def test_failed_preconditions_and_missing_records_give_the_spec_texts() -> None:
    tools = shop()
    shipped = tools.execute(
        call("cancel_order", {"order_id": "O2", "reason": "no longer needed"})
    )
    assert shipped == ToolResult("order O2 cannot be cancelled", is_error=True)
    reason = tools.execute(call("cancel_order", {"order_id": "O1", "reason": "bored"}))
    assert reason == ToolResult("order  cannot be cancelled", is_error=True)
    missing = tools.execute(
        call("cancel_order", {"order_id": "O9", "reason": "ordered by mistake"})
    )
    assert missing == ToolResult("no order O9", is_error=True)
    state: Any = tools.state()
    assert state == STORE


def test_default_texts_explain_failed_preconditions() -> None:
    update = dict(TOOLS["cancel_order"])
    del update["on_fail"], update["not_found"]
    tools = shop(tools={"cancel_order": update})
    shipped = tools.execute(
        call("cancel_order", {"order_id": "O2", "reason": "no longer needed"})
    )
    assert shipped.content == (
        "orders record 'O2' does not meet the precondition: $.status: expected "
        "'pending', got 'shipped'"
    )
    reason = tools.execute(call("cancel_order", {"order_id": "O1"}))
    assert reason.content == (
        "invalid arguments for 'cancel_order': $.reason: missing (expected one of "
        "['no longer needed', 'ordered by mistake'])"
    )


def test_append_extends_list_fields() -> None:
    tools = shop()
    assert (
        tools.execute(call("add_note", {"order_id": "O1", "note": "gift"})).content
        == "ok"
    )
    assert (
        tools.execute(call("add_note", {"order_id": "O2", "note": "late"})).content
        == "ok"
    )
    state: Any = tools.state()
    assert state["orders"]["O1"]["notes"] == ["gift"]
    assert state["orders"]["O2"]["notes"] == ["late"]


def test_append_to_a_field_that_is_no_list_changes_nothing() -> None:
    tools = shop()
    result = tools.execute(call("add_note", {"order_id": "O1", "note": "x"}))
    assert not result.is_error
    bad = shop(
        tools={
            "add_note": {
                "op": "update",
                "collection": "orders",
                "key": "O2",
                "set": {"status": "noted"},
                "append": {"total": 1},
            }
        }
    )
    assert bad.execute(call("add_note")) == ToolResult(
        "cannot append to 'total' of orders record 'O2': it holds integer, not a list",
        is_error=True,
    )
    state: Any = bad.state()
    assert state["orders"]["O2"]["status"] == "shipped"


def test_delete_removes_the_record() -> None:
    tools = shop()
    assert tools.execute(call("delete_order", {"id": "O3"})).content == "ok"
    assert tools.execute(call("delete_order", {"id": "O3"})).is_error
    state: Any = tools.state()
    assert list(state["orders"]) == ["O1", "O2"]


def test_python_bindings_get_the_live_store() -> None:
    tools = shop()
    result = tools.execute(call("refund", {"order_id": "O2", "amount": 20}))
    assert result.value == {"order_id": "O2", "refunded": 20, "attempt": 1}
    state: Any = tools.state()
    assert state["orders"]["O2"]["refunded"] == 20
    too_much = tools.execute(call("refund", {"order_id": "O1", "amount": 99}))
    assert too_much == ToolResult(
        "ValueError: refund 99 exceeds the total 30", is_error=True
    )
    wrong = tools.execute(call("refund", {"order": "O1"}))
    assert wrong.is_error
    assert wrong.content.startswith("TypeError: refund() got an unexpected keyword")


# --- state ------------------------------------------------------------------------


def test_every_trial_starts_from_the_initial_store() -> None:
    simulation = build(declared=DECLARED, environment={"store": STORE, "tools": TOOLS})
    assert simulation.stateful
    first = simulation.start()
    first.execute(call("delete_order", {"id": "O1"}))
    snapshot: Any = first.state()
    snapshot["orders"]["O2"]["status"] = "edited"  # a copy: the world keeps its own
    second = simulation.start()
    assert second.state() == STORE
    after: Any = first.state()
    assert "O1" not in after["orders"]
    assert after["orders"]["O2"]["status"] == "shipped"


def test_setup_calls_run_once_through_the_bindings_and_seq_numbers_on() -> None:
    simulation = build(
        declared=DECLARED,
        environment={
            "store": STORE,
            "tools": TOOLS,
            "setup": [
                {"tool": "delete_order", "args": {"id": "O2"}},
                {"tool": "create_order", "args": {"user": "u5"}},  # seq 2: id O2
            ],
        },
    )
    for tools in (simulation.start(), simulation.start()):
        state: Any = tools.state()
        assert state["orders"]["O2"] == {"user": "u5", "status": "pending", "id": "O2"}
        assert list(state["orders"]) == ["O1", "O3", "O2"]
        tools.execute(call("count_orders"))  # seq 3
        created = tools.execute(call("create_order", {"user": "u6"}))
        assert created.value == {"order_id": "O4", "status": "pending"}


def test_setup_that_fails_is_a_spec_error() -> None:
    error = spec_error(
        tools=TOOLS, setup=[{"tool": "get_order", "args": {"order_id": "nope"}}]
    )
    assert error.location == ("environment", "setup", 0)
    assert error.message == (
        "setup call 1 (get_order) failed: orders record 'nope' not found"
    )
    error = spec_error(tools=TOOLS, setup=[{"tool": "get_ordr"}])
    assert error.location == ("environment", "setup", 0, "tool")
    assert error.message.startswith(
        "setup calls go through environment.tools, and 'get_ordr' is not bound there "
        "(did you mean 'get_order'?)"
    )


def test_store_file_adds_collections(tmp_path: Path) -> None:
    (tmp_path / "store.yaml").write_text("users:\n  u2: {name: Bo}\ncarts: {}\n")
    tools = world(
        declared=DECLARED,
        environment={"store": STORE, "store_file": "store.yaml", "tools": TOOLS},
        spec_dir=tmp_path,
        root=tmp_path,
    )
    state: Any = tools.state()
    assert state["users"] == {"u1": {"name": "Ann"}, "u2": {"name": "Bo"}}
    assert state["carts"] == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "users:\n  u1: {name: Cy}\n",
            "record 'u1' of 'users' is both in 'store' and in store.yaml: keep one",
        ),
        ("- 1\n", "the file must hold {collection: {id: record}}, not array"),
        (
            "users: [1]\n",
            "collection 'users' must map ids to records ({collection: {id: record}})",
        ),
        ("users:\n  u2: 5\n", "record 'u2' of 'users' must be a mapping, not integer"),
    ],
)
def test_a_bad_store_file_is_a_spec_error(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "store.yaml").write_text(text)
    with pytest.raises(SimulationError) as info:
        build(
            declared=DECLARED,
            environment={"store": STORE, "store_file": "store.yaml"},
            spec_dir=tmp_path,
        )
    assert info.value.location == ("environment", "store_file")
    assert info.value.message == message


# --- spec mistakes ----------------------------------------------------------------


def test_a_binding_to_an_undeclared_tool_is_refused() -> None:
    error = spec_error(tools={"get_orders": TOOLS["get_order"]})
    assert error.location == ("environment", "tools", "get_orders")
    assert error.message.startswith(
        "unknown tool 'get_orders' (did you mean 'get_order'?): every simulated tool "
        "must be declared in 'tools'"
    )


def test_an_unknown_collection_is_refused() -> None:
    error = spec_error(
        tools={"get_order": {**TOOLS["get_order"], "collection": "order"}}
    )
    assert error.location == ("environment", "tools", "get_order", "collection")
    assert error.message == (
        "no collection 'order' in the store (did you mean 'orders'?); declare it "
        "(empty if need be: store: {order: {}})"
    )


def test_matcher_and_template_errors_are_located() -> None:
    where = {
        "op": "query",
        "collection": "orders",
        "where": {"total": {"$gte": 1, "$lt": "x", "$foo": 1}},
    }
    error = spec_error(tools={"find_orders": where})
    assert error.location == (
        "environment",
        "tools",
        "find_orders",
        "where",
        "total",
        "$foo",
    )
    templated = {**where, "where": {"total": {"$gte": "{{ args.min }}", "$foo": 1}}}
    error = spec_error(tools={"find_orders": templated})
    assert error.location == (
        "environment",
        "tools",
        "find_orders",
        "where",
        "total",
        "$foo",
    )
    unknown = {**where, "where": {"total": {"$gtee": "{{ args.min }}"}}}
    error = spec_error(tools={"find_orders": unknown})
    assert error.message == "unknown matcher '$gtee' (did you mean '$gte'?)"
    bad = {"op": "get", "collection": "orders", "key": "{{ args.id | x }}"}
    error = spec_error(tools={"get_order": bad})
    assert error.location == ("environment", "tools", "get_order", "key")


def test_a_templated_py_target_is_refused() -> None:
    where = {"total": {"$py": "{{ args.check }}"}}
    error = spec_error(
        tools={"find_orders": {"op": "query", "collection": "orders", "where": where}}
    )
    assert error.location == (
        "environment",
        "tools",
        "find_orders",
        "where",
        "total",
        "$py",
    )
    assert error.message == "the target of $py must be written out, not templated"


def test_a_templated_matcher_argument_is_checked_per_call() -> None:
    where = {"total": {"$gte": "{{ args.min }}"}}
    tools = shop(
        tools={
            "find_orders": {
                "op": "query",
                "collection": "orders",
                "where": where,
                "returns": "ids",
            }
        }
    )
    assert tools.execute(call("find_orders", {"min": 20})).value == ["O1", "O2"]
    assert tools.execute(call("find_orders", {"min": "a lot"})) == ToolResult(
        "cannot check a condition of 'find_orders': $gte needs a finite number, got 'a lot'",
        is_error=True,
    )


@pytest.mark.parametrize(
    "value",
    [
        {"$py": "sample_envs:explode"},
        {"$any": True},
        "$any",
        ["$any"],
        {"nested": {"$py": "sample_envs:explode"}},
    ],
)
def test_arguments_filled_into_conditions_stay_literal(value: Any) -> None:
    """A model cannot turn its arguments into matchers: no $py call, no wildcard."""
    sample_envs.CALLED.clear()
    tools = shop(
        tools={
            "find_orders": {
                "op": "query",
                "collection": "orders",
                "where": {"user": "{{ args.user }}"},
            }
        }
    )
    assert tools.execute(call("find_orders", {"user": value})).value == []
    assert sample_envs.CALLED == []


@pytest.mark.parametrize(
    ("op", "message"),
    [
        ({"op": "get", "collection": "c"}, "op get needs 'key'"),
        ({"op": "insert", "collection": "c"}, "op insert needs 'id'"),
        (
            {"op": "get", "collection": "c", "key": "k", "set": {}},
            "'set' does not apply to op get",
        ),
        (
            {"op": "query", "collection": "c", "key": "k"},
            "'key' does not apply to op query",
        ),
        (
            {"op": "upsert", "collection": "c"},
            "Input should be 'get', 'query', 'insert', 'update' or 'delete'",
        ),
        ({"python": "sample_envs:refund", "op": "get"}, "unknown key 'op'"),
    ],
)
def test_the_model_checks_each_operation_s_keys(
    op: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError) as info:
        Environment.model_validate({"store": {"c": {}}, "tools": {"t": op}})
    assert message in str(info.value)


def test_the_model_keeps_the_two_kinds_of_environment_apart() -> None:
    with pytest.raises(ValidationError) as info:
        Environment.model_validate({"python": "a:B", "store": {}})
    assert "'python' (a class) and store (a store) are two kinds of environment" in str(
        info.value
    )
    with pytest.raises(ValidationError) as info:
        Environment.model_validate({"store": {}, "init": {}})
    assert "init go with 'python'" in str(info.value)
    with pytest.raises(ValidationError) as info:
        Environment.model_validate({})
    assert "give a store (store, store_file, tools) or python" in str(info.value)


def test_records_a_python_binding_broke_give_an_error_result() -> None:
    tools = shop(tools={**TOOLS, "refund": {"python": "sample_envs:corrupt"}})
    assert tools.execute(call("refund")).content == "done"
    result = tools.execute(call("find_orders", {"user": "u1"}))
    assert result.is_error
    assert result.content == (
        "'find_orders' cannot read the store: AttributeError: 'list' object has no "
        "attribute 'get'"
    )
