"""Tests of amtools.prose: glue converts, validates and degrades gracefully without myst-nb."""

from __future__ import annotations

import builtins
import math

import numpy as np
import pytest
import torch

import amtools as am
from amtools import prose


def _captured(monkeypatch) -> list:
    calls = []
    import myst_nb

    monkeypatch.setattr(myst_nb, "glue", lambda key, value, display=True: calls.append((key, value, display)))
    return calls


def test_glue_converts_tensors_and_numpy_to_plain_numbers(monkeypatch) -> None:
    calls = _captured(monkeypatch)
    am.glue("zipf-a", torch.tensor(0.25, dtype=torch.float64))
    am.glue("zipf-b", np.int64(7))
    am.glue("zipf-c", "Lines: mean over 3 trials.")
    am.glue("zipf-d", torch.tensor([3]))
    assert calls == [("zipf-a", 0.25, False), ("zipf-b", 7, False),
                     ("zipf-c", "Lines: mean over 3 trials.", False), ("zipf-d", 3, False)]
    assert type(calls[0][1]) is float and type(calls[1][1]) is int
    # the value pastes with a format spec the way myst-nb formats text/plain
    from myst_nb.core.variables import format_plain_text
    assert format_plain_text(repr(calls[0][1]), ".3f") == "0.250"
    assert format_plain_text(repr(calls[2][1]), "") == "Lines: mean over 3 trials."


@pytest.mark.parametrize("key", ["Zipf", "zipf_a", "-zipf", "zipf a", ""])
def test_glue_rejects_bad_keys(key) -> None:
    with pytest.raises(ValueError, match="key"):
        am.glue(key, 1.0)


@pytest.mark.parametrize("value, error", [(math.nan, ValueError), (math.inf, ValueError),
                                          (torch.zeros(2), ValueError), (True, TypeError),
                                          (1 + 2j, TypeError), ([1.0], TypeError), (None, TypeError)])
def test_glue_rejects_bad_values(value, error) -> None:
    with pytest.raises(error, match="value"):
        am.glue("zipf-x", value)


def test_glue_key_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="key"):
        am.glue(3, 1.0)


def test_glue_is_a_no_op_without_myst_nb(monkeypatch) -> None:
    real_import = builtins.__import__

    def no_myst(name, *args, **kwargs):
        if name.startswith("myst_nb"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_myst)
    assert prose.glue("zipf-x", 1.5) is None


@pytest.mark.parametrize("value, digits, text", [
    (2.5e-05, 2, "2.5 × 10⁻⁵"), (-0.4871, 3, "−0.487"), (123456789, 2, "1.2 × 10⁸"), (0.0, 2, "0"),
    (12, 2, "12"), (0.0012345, 3, "0.00123"), (9.99e-5, 2, "1.0 × 10⁻⁴"), (-7.3e-4, 2, "−7.3 × 10⁻⁴"),
    (1999.6, 3, "2000"), (0.5, 1, "0.5"), (torch.tensor(3.14159, dtype=torch.float64), 3, "3.14")])
def test_number_writes_values_for_sentences(value, digits, text) -> None:
    assert prose.number(value, digits) == text


def test_number_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="value"):
        prose.number(math.nan)
    with pytest.raises(TypeError, match="value"):
        prose.number("1.0")
    with pytest.raises(ValueError, match="digits"):
        prose.number(1.0, 0)


@pytest.mark.parametrize("value, error", [
    (torch.tensor(1j), TypeError), (torch.tensor(True), TypeError), (np.complex128(1), TypeError),
    (np.float64(math.nan), ValueError), (torch.tensor(math.inf), ValueError), (np.array([1.0, 2.0]), TypeError),
    ({}, TypeError), (b"text", TypeError),
])
def test_glue_rejects_odd_numbers_naming_value(value, error) -> None:
    with pytest.raises(error, match="value"):
        am.glue("zipf-x", value)


@pytest.mark.parametrize("key", [None, b"zipf-x", True, ["zipf-x"]])
def test_glue_rejects_non_string_keys(key) -> None:
    with pytest.raises(TypeError, match="key"):
        am.glue(key, 1.0)


def test_glued_pastes_what_glue_recorded_in_the_kernel_namespace(monkeypatch):
    ns: dict = {}
    monkeypatch.setattr(prose, "_user_namespace", lambda: ns)
    _captured(monkeypatch)
    am.glue("lab-ratio", torch.tensor(1.23456))
    am.glue("lab-count", np.int64(200))
    assert ns[prose.GLUED_NAME] == {"lab-ratio": pytest.approx(1.23456), "lab-count": 200}
    assert am.glued("lab-ratio", ".2f") == "1.23"
    assert am.glued("lab-count") == "200"
    am.glue("lab-ratio", 2.5)                       # a re-run replaces the value
    assert am.glued("lab-ratio", ".1f") == "2.5"


def test_glued_names_a_key_not_glued_yet_and_a_spec_that_does_not_apply(monkeypatch):
    monkeypatch.setattr(prose, "_user_namespace", lambda: {prose.GLUED_NAME: {"k": "text"}})
    with pytest.raises(KeyError, match="other"):
        am.glued("other")
    with pytest.raises(ValueError, match="spec"):
        am.glued("k", ".2f")


def test_glue_keeps_no_state_in_amtools_outside_a_kernel(monkeypatch):
    monkeypatch.setattr(prose, "_user_namespace", lambda: None)
    _captured(monkeypatch)
    am.glue("lab-none", 1.0)
    with pytest.raises(KeyError):
        am.glued("lab-none")


def test_glued_in_a_real_ipython_shell():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_cell("import amtools as am\nam.glue('lab-shell', 0.5)\ntext = am.glued('lab-shell', '.3f')",
                   store_history=False).raise_error()
    assert shell.user_ns["text"] == "0.500"
