"""The package's one public door: ``pytest_fncall.__all__``."""

from __future__ import annotations

import pytest

import pytest_fncall


def test_all_is_sorted_and_complete():
    assert pytest_fncall.__all__ == sorted(pytest_fncall.__all__)
    for name in pytest_fncall.__all__:
        assert getattr(pytest_fncall, name) is not None


def test_exports_are_the_real_classes():
    from pytest_fncall.errors import SpecError
    from pytest_fncall.results import ToolCall, ToolResult

    assert pytest_fncall.SpecError is SpecError
    assert pytest_fncall.ToolCall is ToolCall
    assert pytest_fncall.ToolResult is ToolResult


def test_the_python_api_types_are_exported_for_annotations():
    from pytest_fncall.api import Fncall
    from pytest_fncall.api_result import FncallResult
    from pytest_fncall.api_tools import FncallUsageError

    assert pytest_fncall.Fncall is Fncall
    assert pytest_fncall.FncallResult is FncallResult
    assert pytest_fncall.FncallUsageError is FncallUsageError
    assert issubclass(FncallUsageError, (pytest_fncall.FncallError, ValueError))


def test_unknown_name_raises_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = pytest_fncall.nope
