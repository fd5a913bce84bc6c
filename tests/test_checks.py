"""Tests of amtools.checks: every check prints what it compared, or raises CheckFailed."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import amtools as am

from amtools import (CheckFailed, check_between, check_close, check_exponent, check_less,
                     check_true, fit_power_law)


def test_check_failed_is_an_assertion_error():
    assert issubclass(CheckFailed, AssertionError)


# ----------------------------------------------------------------------------- check_close

def test_check_close_prints_value_target_and_tolerance(capsys):
    assert check_close("error at T=100", 0.101, 0.1, atol=0.01) is None
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert "✔ error at T=100" in out
    assert "0.101" in out and "0.1" in out and "±0.01" in out


def test_check_close_relative_tolerance(capsys):
    check_close("rel", 105.0, 100.0, rtol=0.05)
    assert "±5" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match=r"value 106 vs target 100"):
        check_close("rel", 106.0, 100.0, rtol=0.05)
    # atol and rtol add up
    check_close("both", 107.0, 100.0, atol=2.0, rtol=0.05)


def test_check_close_fails_with_value_and_target_in_message(capsys):
    with pytest.raises(CheckFailed) as info:
        check_close("unseen mass", 0.2, 0.1, atol=0.01)
    msg = str(info.value)
    assert "✘ unseen mass" in msg and "0.2" in msg and "0.1" in msg and "±0.01" in msg
    assert capsys.readouterr().out == ""     # a failure does not print a success line


def test_check_close_accepts_tensors_and_numpy_scalars(capsys):
    check_close("tensor", torch.tensor([0.5]), torch.tensor(0.5, dtype=torch.float64), atol=1e-9)
    check_close("numpy", np.float32(2.0), np.int64(2), atol=1e-6)
    assert capsys.readouterr().out.count("✔") == 2


def test_check_close_non_finite_values_fail():
    with pytest.raises(CheckFailed):
        check_close("inf", math.inf, 1.0, atol=1.0)
    with pytest.raises(CheckFailed):
        check_close("inf vs inf", math.inf, math.inf, rtol=0.1)
    # an infinite target makes the relative tolerance infinite: that must not pass
    with pytest.raises(CheckFailed):
        check_close("finite vs inf", 5.0, math.inf, rtol=0.1)
    with pytest.raises(ValueError, match="value"):
        check_close("nan", float("nan"), 1.0, atol=1.0)


def test_check_close_needs_a_tolerance():
    with pytest.raises(ValueError, match="tolerance"):
        check_close("x", 1.0, 1.0)
    with pytest.raises(ValueError, match="atol"):
        check_close("x", 1.0, 1.0, atol=-0.1)
    with pytest.raises(ValueError, match="rtol"):
        check_close("x", 1.0, 1.0, rtol=-0.1)
    with pytest.raises(TypeError, match="atol"):
        check_close("x", 1.0, 1.0, atol="0.1")


@pytest.mark.parametrize("name", [None, 3, "", "   "])
def test_checks_need_a_name(name):
    for call in (lambda: check_close(name, 1.0, 1.0, atol=0.1),
                 lambda: check_exponent(name, 1.0, 1.0, 0.1),
                 lambda: check_less(name, 1.0, 2.0),
                 lambda: check_between(name, 1.0, 0.0, 2.0),
                 lambda: check_true(name, True)):
        with pytest.raises(TypeError, match="name"):
            call()


def test_check_close_rejects_bad_values():
    with pytest.raises(ValueError, match="value must be a single number"):
        check_close("x", torch.ones(2), 1.0, atol=0.1)
    with pytest.raises(TypeError, match="value"):
        check_close("x", "1.0", 1.0, atol=0.1)
    with pytest.raises(TypeError, match="target"):
        check_close("x", 1.0, [1.0], atol=0.1)
    with pytest.raises(TypeError, match="value"):
        check_close("x", True, 1.0, atol=0.1)


# ----------------------------------------------------------------------------- check_exponent

def test_check_exponent_passes_and_prints(capsys):
    check_exponent("slope", -0.52, -0.5, 0.05)
    out = capsys.readouterr().out
    assert "✔ slope" in out and "-0.52" in out and "-0.5" in out and "±0.05" in out


def test_check_exponent_fails_on_a_wrong_fitted_exponent():
    """A notebook assertion fails when the underlying number is wrong."""
    with pytest.raises(CheckFailed, match=r"value -0\.35 vs target -0\.5"):
        check_exponent("unseen-mass exponent", -0.35, -0.5, 0.05)


def test_check_exponent_on_a_real_fit_right_and_wrong():
    x = np.logspace(1, 4, 20)
    fit = fit_power_law(x, 3.0 * x ** -0.5)
    check_exponent("right law", fit.exponent, -0.5, 0.01)
    wrong = fit_power_law(x, 3.0 * x ** -0.35)
    with pytest.raises(CheckFailed):
        check_exponent("wrong law", wrong.exponent, -0.5, 0.05)


@pytest.mark.parametrize("tol, exc", [(0.0, ValueError), (-0.1, ValueError), ("0.1", TypeError),
                                      (float("nan"), ValueError)])
def test_check_exponent_rejects_bad_tol(tol, exc):
    with pytest.raises(exc, match="tol"):
        check_exponent("x", -0.5, -0.5, tol)


# ----------------------------------------------------------------------------- check_less

def test_check_less(capsys):
    check_less("error bound", 0.1, 0.2)
    out = capsys.readouterr().out
    assert "value 0.1 < bound 0.2" in out
    with pytest.raises(CheckFailed, match=r"value 0\.2 < bound 0\.2"):
        check_less("strict", 0.2, 0.2)
    with pytest.raises(CheckFailed, match="value 3"):
        check_less("bigger", 3, 2)
    check_less("inf bound", 1e300, math.inf)
    with pytest.raises(TypeError, match="bound"):
        check_less("x", 1.0, "2")
    with pytest.raises(ValueError, match="value"):
        check_less("x", torch.zeros(3), 1.0)


# ----------------------------------------------------------------------------- check_between

def test_check_between(capsys):
    check_between("accuracy", 0.5, 0.0, 1.0)
    assert "value 0.5 in [0, 1]" in capsys.readouterr().out
    check_between("edges", 1.0, 1.0, 1.0)
    with pytest.raises(CheckFailed, match=r"value 1\.5 in \[0, 1\]"):
        check_between("accuracy", 1.5, 0.0, 1.0)
    with pytest.raises(CheckFailed):
        check_between("below", -0.1, 0.0, 1.0)


def test_check_between_rejects_low_above_high():
    with pytest.raises(ValueError, match="low must be <= high"):
        check_between("x", 0.5, 1.0, 0.0)
    with pytest.raises(TypeError, match="high"):
        check_between("x", 0.5, 0.0, None)
    with pytest.raises(TypeError, match="low"):
        check_between("x", 0.5, "0", 1.0)


# ----------------------------------------------------------------------------- check_true

def test_check_true_with_bools(capsys):
    check_true("holds", True)
    assert "✔ holds: holds" in capsys.readouterr().out
    check_true("with detail", True, "seen inputs decode right")
    assert "seen inputs decode right" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="does not hold"):
        check_true("fails", False)
    with pytest.raises(CheckFailed, match="custom detail"):
        check_true("fails", False, "custom detail")


def test_check_true_with_bool_tensors(capsys):
    check_true("all", torch.tensor([True, True, True]))
    assert "all 3 hold" in capsys.readouterr().out
    check_true("scalar", torch.tensor(True), "monotone")
    assert "monotone; all 1 hold" in capsys.readouterr().out
    x = torch.arange(5.0)
    check_true("monotone", x[1:] >= x[:-1])
    with pytest.raises(CheckFailed, match="2 of 4 fail"):
        check_true("some fail", torch.tensor([True, False, True, False]))
    with pytest.raises(CheckFailed, match="1 of 1 fail"):
        check_true("scalar fails", torch.tensor(False))


@pytest.mark.parametrize("condition", [1, 0, None, "yes", torch.tensor([1, 0]),
                                       torch.tensor([1.0])])
def test_check_true_rejects_non_bool_conditions(condition):
    with pytest.raises(TypeError, match="condition"):
        check_true("x", condition)


def test_check_true_accepts_numpy_bools() -> None:
    import numpy as np

    import amtools as am

    am.check_true("numpy bool", np.all(np.arange(3) >= 0))


def test_check_within_spread_scales_the_tolerance_with_the_measured_spread(capsys) -> None:
    am.check_within_spread("slope", -0.49, -0.5, 0.005, k=3)
    assert "3 × measured spread 0.005" in capsys.readouterr().out
    with pytest.raises(am.CheckFailed, match="slope"):
        am.check_within_spread("slope", -0.47, -0.5, 0.005, k=3)
    with pytest.raises(ValueError, match="spread"):
        am.check_within_spread("slope", -0.5, -0.5, 0.0)
    with pytest.raises(ValueError, match="k"):
        am.check_within_spread("slope", -0.5, -0.5, 0.1, k=-1)


def test_check_identity_is_labelled_and_only_covers_rounding(capsys) -> None:
    am.check_identity("sum of p", 1.0 + 1e-12, 1.0)
    assert "identity (holds by construction): sum of p" in capsys.readouterr().out
    with pytest.raises(am.CheckFailed, match="identity"):
        am.check_identity("sum of p", 1.001, 1.0)
    with pytest.raises(ValueError, match="rounding"):
        am.check_identity("sum of p", 1.0, 1.0, rtol=0.01)


# ----------------------------------------------------------------------------- issue 7: argument names

import inspect  # noqa: E402

CHECKS = {
    check_close: dict(name="c", value=1.0, target=1.0, atol=0.1, rtol=0.0),
    check_exponent: dict(name="c", fitted=-0.5, theory=-0.5, tol=0.1),
    check_less: dict(name="c", value=1.0, bound=2.0),
    check_between: dict(name="c", value=1.0, low=0.0, high=2.0),
    am.check_within_spread: dict(name="c", value=1.0, target=1.0, spread=0.1, k=3.0),
    am.check_identity: dict(name="c", value=1.0, target=1.0, rtol=1e-9),
    check_true: dict(name="c", condition=True, detail=""),
}


def test_the_table_covers_every_check_helper():
    assert {f.__name__ for f in CHECKS} == {n for n in am.checks.__all__ if n != "CheckFailed"}
    for fn, args in CHECKS.items():
        assert list(args) == list(inspect.signature(fn).parameters)


@pytest.mark.parametrize("fn, arg", [(fn, arg) for fn, args in CHECKS.items() for arg in args])
@pytest.mark.parametrize("bad", ["x", None, float("nan"), 1 + 2j, torch.ones(2), [1.0], 10**400,
                                 torch.tensor(1 + 1j)])
def test_every_check_helper_names_the_users_argument(fn, arg, bad, capsys):
    kwargs = dict(CHECKS[fn])
    kwargs[arg] = bad
    try:
        fn(**kwargs)
    except (TypeError, ValueError) as err:
        assert str(err).startswith(arg), f"{fn.__name__}({arg}={bad!r}) raised {err!r}"
        assert arg in ("value", "target") or not str(err).startswith(("value", "target"))
    except CheckFailed:
        pass
    else:
        # only accepted where the value is a legitimate one
        assert (arg, bad) in {("name", "x"), ("detail", "x")}


@pytest.mark.parametrize("kwargs, match", [
    (dict(fitted="-0.5"), r"^fitted must be a real number"),
    (dict(fitted=float("nan")), r"^fitted must be finite"),
    (dict(fitted=torch.ones(3)), r"^fitted must be a single number"),
    (dict(theory=None), r"^theory must be a real number"),
    (dict(theory=torch.tensor([True])), r"^theory must be a real number"),
])
def test_check_exponent_names_fitted_and_theory(kwargs, match):
    args = dict(name="slope", fitted=-0.5, theory=-0.5, tol=0.05)
    args.update(kwargs)
    with pytest.raises((TypeError, ValueError), match=match):
        check_exponent(**args)


def test_check_exponent_tolerance_is_absolute_and_inclusive(capsys):
    check_exponent("edge", -0.45, -0.5, 0.0500001)
    with pytest.raises(CheckFailed):
        check_exponent("just outside", -0.449, -0.5, 0.05)
    with pytest.raises(CheckFailed):
        check_exponent("inf fitted", math.inf, -0.5, 0.05)


def test_check_true_detail_must_be_a_string():
    with pytest.raises(TypeError, match=r"^detail must be a string"):
        check_true("x", True, 5)
