"""The per-notebook CPU budget of tests/conftest.py."""

from __future__ import annotations

import pytest

from conftest import check_budget
from notebook_conventions import DEFAULT_BUDGET, budget_seconds


def test_within_budget_passes() -> None:
    check_budget("book/x.ipynb", 12.0, 90.0)


def test_over_budget_fails_with_a_clear_message() -> None:
    with pytest.raises(pytest.fail.Exception, match=r"book/x.ipynb: cells ran for 95.0 s, over .* 90 s"):
        check_budget("book/x.ipynb", 95.0, 90.0)


def test_budget_read_from_metadata_with_default() -> None:
    assert budget_seconds({"metadata": {"amtools": {"budget_seconds": 42}}}) == 42.0
    assert budget_seconds({"metadata": {}}) == DEFAULT_BUDGET == 90.0
