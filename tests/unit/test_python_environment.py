"""Unit tests of a Python class as the environment
(:mod:`pytest_fncall.environment.python_env`), with the classes of ``sample_envs``."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sample_envs import build, call

from pytest_fncall.environment import SimulationError
from pytest_fncall.results import ToolResult

DECLARED = ["buy", "list_stock", "get_weather"]
SHOP = {"python": "sample_envs:Shop", "init": {"stock": {"pen": 2, "ink": 1}}}


def shop(**changes: Any) -> Any:
    return build(declared=DECLARED, environment={**SHOP, **changes})


def spec_error(
    environment: dict[str, Any], declared: list[str] = DECLARED
) -> SimulationError:
    with pytest.raises(SimulationError) as info:
        build(declared=declared, environment=environment)
    return info.value


def test_public_methods_named_like_declared_tools_are_the_tools() -> None:
    tools = shop().start()
    assert tools.execute(call("buy", {"item": "pen"})) == ToolResult(
        '{"item": "pen", "left": 1}', value={"item": "pen", "left": 1}
    )
    assert tools.execute(call("list_stock")).value == ["ink", "pen"]  # a tuple
    assert tools.execute(call("get_weather")) == ToolResult(
        "no simulated behaviour for tool 'get_weather'", is_error=True
    )
    assert tools.execute(call("snapshot")) == ToolResult(
        "unknown tool 'snapshot'",
        is_error=True,  # public, but not declared
    )


def test_a_method_that_raises_gives_an_error_result() -> None:
    tools = shop().start()
    assert tools.execute(call("buy", {"item": "ink", "qty": 5})) == ToolResult(
        "ValueError: out of stock: ink", is_error=True
    )
    wrong = tools.execute(call("buy", {"product": "ink"}))
    assert wrong.is_error
    assert wrong.content == (
        "TypeError: Shop.buy() got an unexpected keyword argument 'product'"
    )


def test_the_state_is_the_public_data_attributes() -> None:
    simulation = shop()
    assert simulation.stateful
    tools = simulation.start()
    assert tools.state() == {
        "stock": {"pen": 2, "ink": 1},
        "currency": "EUR",
        "orders": [],
    }
    tools.execute(call("buy", {"item": "pen", "qty": 2}))
    state: Any = tools.state()
    assert state["stock"] == {"pen": 0, "ink": 1}
    assert state["orders"] == [{"item": "pen", "qty": 2, "tags": ["web"]}]
    state["stock"]["pen"] = 99  # a copy
    assert tools.state()["stock"]["pen"] == 0


def test_state_may_come_from_a_method() -> None:
    tools = shop(state="method:snapshot").start()
    tools.execute(call("buy", {"item": "ink"}))
    assert tools.state() == {"stock": {"pen": 2, "ink": 0}, "order_count": 1}
    broken = shop(state="method:broken_snapshot").start()
    assert broken.state() == (
        "<sample_envs:Shop.broken_snapshot() raised KeyError: 'inventory'>"
    )


def test_every_trial_gets_its_own_instance_from_a_copy_of_init() -> None:
    simulation = shop()
    first = simulation.start()
    first.execute(call("buy", {"item": "ink"}))
    second = simulation.start()
    assert second.execute(call("buy", {"item": "ink"})).value == {
        "item": "ink",
        "left": 0,
    }
    assert first.execute(call("buy", {"item": "ink"})).is_error
    assert SHOP["init"] == {"stock": {"pen": 2, "ink": 1}}


def test_concurrent_trials_do_not_share_state() -> None:
    simulation = shop(init={"stock": {"pen": 50}})
    results: list[Any] = []

    def trial() -> None:
        tools = simulation.start()
        for _ in range(50):
            tools.execute(call("buy", {"item": "pen"}))
        results.append(tools.state())

    threads = [threading.Thread(target=trial) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [state["stock"] for state in results] == [{"pen": 0}] * 4


def test_a_fault_with_a_result_works_on_a_copy_of_the_instance() -> None:
    simulation = build(
        declared=DECLARED,
        environment=SHOP,
        faults=[{"tool": "buy", "inject": "partial", "drop": ["left"]}],
    )
    tools = simulation.start()
    assert tools.execute(call("buy", {"item": "pen"})).value == {"item": "pen"}
    assert tools.state()["stock"] == {"pen": 2, "ink": 1}  # type: ignore[index]


def test_no_declared_tool_among_the_methods_names_both_lists() -> None:
    error = spec_error(SHOP, declared=["get_weather"])
    assert error.location == ("environment", "python")
    assert error.message == (
        "no declared tool is a public method of sample_envs:Shop: its methods are "
        "broken_snapshot, buy, list_stock, snapshot; the declared tools are get_weather"
    )


@pytest.mark.parametrize(
    ("environment", "location", "message"),
    [
        (
            {"python": "sample_envs:not_a_class"},
            ("environment", "python"),
            "python: 'sample_envs:not_a_class' is not a class",
        ),
        (
            {"python": "sample_envs:Shopp"},
            ("environment", "python"),
            "python: 'sample_envs' has no attribute 'Shopp'",
        ),
        (
            {**SHOP, "state": "method:snapshto"},
            ("environment", "state"),
            "sample_envs:Shop has no public method 'snapshto' (did you mean 'snapshot'?)",
        ),
        (
            {**SHOP, "init": {"stok": {}}},
            ("environment", "init"),
            "sample_envs:Shop does not accept these init arguments: missing a "
            "required argument: 'stock'",
        ),
        (
            {"python": "sample_envs:Broken"},
            ("environment", "python"),
            "sample_envs:Broken(**init) raised OSError: no database",
        ),
    ],
)
def test_a_wrong_environment_is_a_spec_error(
    environment: dict[str, Any], location: tuple[str, ...], message: str
) -> None:
    error = spec_error(environment, declared=[*DECLARED, "ping"])
    assert error.location == location
    assert error.message == message


def test_mocks_for_a_method_tool_are_refused() -> None:
    with pytest.raises(SimulationError) as info:
        build(declared=DECLARED, environment=SHOP, mocks={"buy": [{"return": 1}]})
    assert info.value.location == ("mocks", "buy")
    assert info.value.message == (
        "'buy' is bound in 'environment', which answers all its calls, so these "
        "mocks would never be used: remove them"
    )


def test_mocks_may_answer_the_other_tools() -> None:
    simulation = build(
        declared=DECLARED,
        environment=SHOP,
        mocks={"get_weather": [{"py": "sample_envs:quote_with_state"}]},
    )
    tools = simulation.start()
    tools.execute(call("buy", {"item": "pen"}))
    weather = tools.execute(call("get_weather"))
    assert weather.value["stock"] == {"pen": 1, "ink": 1}
