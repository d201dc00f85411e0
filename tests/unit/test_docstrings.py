"""Unit tests of :mod:`pytest_fncall.docstrings`: Google, NumPy and reST docstrings."""

from __future__ import annotations

import pytest

from pytest_fncall.docstrings import Docstring, parse_docstring


def test_no_docstring() -> None:
    assert parse_docstring(None) == Docstring("", {})
    assert parse_docstring("") == Docstring("", {})


def test_description_only_keeps_paragraphs() -> None:
    doc = parse_docstring(
        """Book a flight.

        Seats are held for 15 minutes,
        then released.


        Prices include taxes.
        """
    )

    assert doc == Docstring(
        "Book a flight.\n\nSeats are held for 15 minutes,\nthen released.\n\n"
        "Prices include taxes.",
        {},
    )


def test_google_style() -> None:
    doc = parse_docstring(
        """Current weather.

        Longer text.

        Args:
            city (str): The city,
                in English.
            unit: Temperature unit.
            *extra: Ignored words.
            **options: More options.

        Returns:
            dict: the weather, with a
                city: field that is not a parameter.
        """
    )

    assert doc.description == "Current weather.\n\nLonger text."
    assert doc.params == {
        "city": "The city, in English.",
        "unit": "Temperature unit.",
        "extra": "Ignored words.",
        "options": "More options.",
    }


@pytest.mark.parametrize(
    "heading", ["Args:", "Arguments:", "Parameters:", "Params:", "Keyword Args:"]
)
def test_google_headings(heading: str) -> None:
    doc = parse_docstring(f"Do it.\n\n{heading}\n    x: The x.\n")

    assert doc == Docstring("Do it.", {"x": "The x."})


def test_google_entry_with_an_empty_first_line() -> None:
    doc = parse_docstring("Do it.\n\nArgs:\n    x:\n        The x\n        value.\n")

    assert doc.params == {"x": "The x value."}


def test_numpy_style() -> None:
    doc = parse_docstring(
        """Book a flight.

        Parameters
        ----------
        origin : str
            IATA code of the
            departure airport.
        seat, class_ : str, optional
            Preferences.
        flag
            No type given.

        Returns
        -------
        str
            The booking reference.
        """
    )

    assert doc == Docstring(
        "Book a flight.",
        {
            "origin": "IATA code of the departure airport.",
            "seat": "Preferences.",
            "class_": "Preferences.",
            "flag": "No type given.",
        },
    )


def test_rest_style() -> None:
    doc = parse_docstring(
        """Send a parcel.

        :param to: Where it goes,
            street and city.
        :param str window: When it may arrive.
        :type window: str
        :arg fragile: Handle with care.
        :returns: the tracking number.
        :raises ValueError: when the address is wrong.
        """
    )

    assert doc == Docstring(
        "Send a parcel.",
        {
            "to": "Where it goes, street and city.",
            "window": "When it may arrive.",
            "fragile": "Handle with care.",
        },
    )


def test_a_sentence_ending_with_a_colon_is_not_a_section() -> None:
    doc = parse_docstring("Do it.\n\nNote that args: are words here.\n")

    assert doc == Docstring("Do it.\n\nNote that args: are words here.", {})


def test_the_first_description_of_a_parameter_wins() -> None:
    doc = parse_docstring("Do.\n\nArgs:\n    x: First.\n\n:param x: Second.\n")

    assert doc.params == {"x": "First."}


def test_a_parameter_without_text_is_left_out() -> None:
    doc = parse_docstring("Do.\n\n:param x:\n:param y: Why.\n")

    assert doc.params == {"y": "Why."}
