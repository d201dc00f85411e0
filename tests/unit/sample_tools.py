"""Functions that specs in the unit tests name as ``python:`` tool sources.

The order of definitions matters: a module source lists them in this order.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Annotated, Any, Literal, Optional

from pydantic import BaseModel, Field
from record_factory import turn  # noqa: F401  (imported, not defined here: left out)
from typing_extensions import TypedDict


class Unit(enum.Enum):
    CELSIUS = "celsius"
    FAHRENHEIT = "fahrenheit"


class Address(BaseModel):
    """A postal address."""

    street: str
    city: str = Field(description="City name.")


class Node(BaseModel):
    name: str
    children: list[Node] = []


class Window(TypedDict, total=False):
    start: str
    end: str


@dataclasses.dataclass
class Point:
    x: float
    y: float


def get_weather(city: str, unit: Unit = Unit.CELSIUS) -> dict[str, Any]:
    """Current weather for a city.

    Args:
        city: The city, in English.
        unit (Unit): Temperature unit.
    """
    return {}


def book_flight(
    origin: str,
    destination: str,
    seat: Literal["aisle", "window"] = "aisle",
    passengers: Annotated[int, Field(ge=1, le=9)] = 1,
    note: Optional[str] = None,  # noqa: UP045  (the spelling under test)
) -> str:
    """Book a flight.

    Parameters
    ----------
    origin : str
        IATA code of the departure
        airport.
    destination : str
        IATA code of the arrival airport.
    seat : {'aisle', 'window'}
        Seat preference.
    """
    return ""


async def send_parcel(to: Address, tree: Node, window: Window, at: Point) -> None:
    """Send a parcel.

    :param to: Where it goes.
    :param window: When it may arrive.
    """


def search(query, *terms: str, limit: int = 10, **options: Any) -> list[str]:
    """Search everything."""
    return []


def _private_helper() -> None:
    """Not a tool: private."""


class Toolbox:
    """Not a function."""

    def method(self, x: int) -> int:
        return x

    @staticmethod
    def static(x: int) -> int:
        return x


TOOLBOX = Toolbox()
