"""Tests of amtools.fitting: least-squares power-law fits in log-log coordinates."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from amtools import PowerLawFit, fit_power_law

FAST = settings(max_examples=30, deadline=None, database=None)


@FAST
@given(k=st.floats(-3.0, 3.0), c=st.floats(1e-3, 1e3), n=st.integers(2, 30),
       lo=st.floats(0.0, 2.0), span=st.floats(0.5, 4.0))
def test_recovers_exact_exponent_and_prefactor_on_noiseless_data(k, c, n, lo, span):
    x = np.logspace(lo, lo + span, n)
    y = c * x ** k
    fit = fit_power_law(x, y)
    assert fit.exponent == pytest.approx(k, abs=1e-9)
    assert fit.prefactor == pytest.approx(c, rel=1e-8)
    if n > 2:
        assert fit.stderr < 1e-8
    else:
        assert math.isnan(fit.stderr)


@FAST
@given(n=st.integers(3, 40), seed=st.integers(0, 2**31 - 1), noise=st.floats(0.01, 1.0))
def test_matches_numpy_polyfit_in_log_log(n, seed, noise):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(1.0, 1e4, n))
    if np.ptp(np.log(x)) < 1e-6:
        return
    y = 2.0 * x ** -0.7 * np.exp(noise * rng.standard_normal(n))
    k, c, se = fit_power_law(x, y)
    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
    assert k == pytest.approx(slope, rel=1e-9, abs=1e-12)
    assert math.log(c) == pytest.approx(intercept, rel=1e-9, abs=1e-9)
    # standard error of the slope, written out independently
    lx, ly = np.log(x), np.log(y)
    resid = ly - (intercept + slope * lx)
    expected_se = np.sqrt(resid @ resid / (n - 2) / np.sum((lx - lx.mean()) ** 2))
    assert se == pytest.approx(expected_se, rel=1e-7, abs=1e-14)


def test_noisy_fit_standard_error_covers_truth():
    rng = np.random.default_rng(0)
    x = np.logspace(1, 4, 50)
    y = 3.0 * x ** -0.5 * np.exp(0.1 * rng.standard_normal(50))
    fit = fit_power_law(x, y)
    assert abs(fit.exponent + 0.5) < 4 * fit.stderr
    assert 0 < fit.stderr < 0.05


def test_accepts_lists_tensors_and_float32():
    xs = [1.0, 2.0, 4.0, 8.0]
    ys = [5.0 * v ** -1.0 for v in xs]
    a = fit_power_law(xs, ys)
    b = fit_power_law(torch.tensor(xs), torch.tensor(ys, dtype=torch.float32))
    c = fit_power_law(np.array(xs), np.array(ys))
    assert a.exponent == pytest.approx(-1.0) and a.prefactor == pytest.approx(5.0)
    assert b.exponent == pytest.approx(-1.0, abs=1e-6)
    assert c.exponent == pytest.approx(-1.0)


def test_result_is_a_named_callable_tuple():
    fit = fit_power_law([1, 10, 100], [2, 20, 200])
    assert isinstance(fit, tuple) and isinstance(fit, PowerLawFit)
    k, c, se = fit
    assert (k, c, se) == (fit.exponent, fit.prefactor, fit.stderr)
    assert k == pytest.approx(1.0) and c == pytest.approx(2.0)
    np.testing.assert_allclose(fit([3.0, 1000.0]), [6.0, 2000.0])
    assert isinstance(fit(torch.tensor([1.0])), np.ndarray)
    text = repr(fit)
    assert text.startswith("PowerLawFit(exponent=1.0000, prefactor=2")
    manual = PowerLawFit(-0.5, 3.0, float("nan"))
    assert manual(4.0) == pytest.approx(1.5)
    assert "nan" in repr(manual)


@pytest.mark.parametrize("x, exc", [
    ("1234", TypeError),                 # a string is not a sequence of numbers here
    (5.0, TypeError),                    # a scalar
    (["a", "b", "c"], TypeError),        # non-numbers
    (np.ones((3, 2)), ValueError),       # 2-D
    ([1.0, 0.0, 3.0], ValueError),       # zero: no logarithm
    ([1.0, -2.0, 3.0], ValueError),      # negative
    ([1.0, float("nan"), 3.0], ValueError),
    ([1.0, float("inf"), 3.0], ValueError),
])
def test_rejects_bad_x(x, exc):
    with pytest.raises(exc, match=r"^x must"):
        fit_power_law(x, [1.0, 2.0, 3.0])


@pytest.mark.parametrize("y, exc", [
    (b"abc", TypeError),
    ([1.0, -2.0, 3.0], ValueError),
    ([[1.0, 2.0, 3.0]], ValueError),
    (torch.tensor([1.0, 0.0, 2.0]), ValueError),
])
def test_rejects_bad_y(y, exc):
    with pytest.raises(exc, match=r"^y must"):
        fit_power_law([1.0, 2.0, 3.0], y)


def test_rejects_mismatched_lengths_too_few_points_and_constant_x():
    with pytest.raises(ValueError, match="x and y must have the same length"):
        fit_power_law([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="at least 2 points"):
        fit_power_law([1.0], [1.0])
    with pytest.raises(ValueError, match="at least 2 points"):
        fit_power_law([], [])
    with pytest.raises(ValueError, match="x must contain at least two distinct values"):
        fit_power_law([2.0, 2.0, 2.0], [1.0, 2.0, 3.0])


# ----------------------------------------------------------------------------- issue 7

@pytest.mark.parametrize("bad", [
    [1 + 1j, 2.0, 3.0],                              # complex: never drop the imaginary part
    np.array([1.0, 2.0, 3.0], dtype=complex),
    torch.tensor([1.0, 2.0, 3.0], dtype=torch.complex64),
    [True, 2.0, 3.0],
    np.array([True, True, False]),
    torch.tensor([True, True, True]),
    ["1", "2", "3"],                                 # strings of digits are not numbers
    [1.0, None, 3.0],
])
@pytest.mark.parametrize("which", ["x", "y"])
def test_rejects_complex_bool_and_string_values(bad, which):
    good = [1.0, 2.0, 4.0]
    args = (bad, good) if which == "x" else (good, bad)
    with pytest.raises(TypeError, match=rf"^{which} must"):
        fit_power_law(*args)


def test_rejects_integers_too_large_for_a_float():
    with pytest.raises(ValueError, match=r"^y holds a number too large"):
        fit_power_law([1.0, 2.0, 3.0], [1, 2, 10**400])


@FAST
@given(k=st.floats(-300.0, 300.0), log_c=st.floats(-2000.0, 2000.0), lo=st.floats(0.0, 20.0),
       span=st.floats(0.5, 5.0), n=st.integers(3, 12))
def test_steep_fits_stay_exact_in_log_space(k, log_c, lo, span, n):
    # y = exp(log_c + k log x) with every y representable; c = exp(log_c) itself may not be
    lx = np.linspace(lo, lo + span, n) * math.log(10)
    ly = log_c + k * lx
    if np.abs(ly).max() > 700:
        return
    fit = fit_power_law(np.exp(lx), np.exp(ly))
    assert fit.exponent == pytest.approx(k, rel=1e-8, abs=1e-8)
    assert fit.log_prefactor == pytest.approx(log_c, rel=1e-8, abs=1e-6)
    try:
        assert fit.prefactor == pytest.approx(math.exp(log_c), rel=1e-6)
    except OverflowError:
        assert fit.prefactor == math.inf
    np.testing.assert_allclose(fit(np.exp(lx)), np.exp(ly), rtol=1e-6)


def test_steep_fit_that_used_to_overflow():
    x = np.logspace(8, 10, 5)
    y = 1e-10 * (x / 1e10) ** -40.0
    fit = fit_power_law(x, y)                         # exp(log c) = exp(898) overflowed
    assert fit.exponent == pytest.approx(-40.0)
    assert fit.prefactor == math.inf and fit.log_prefactor == pytest.approx(898.0081862676782)
    np.testing.assert_allclose(fit(x), y, rtol=1e-9)
    assert "prefactor=inf" in repr(fit)


def test_evaluating_a_fit():
    fit = PowerLawFit(2.0, 3.0, 0.1)
    assert fit.log_prefactor == pytest.approx(math.log(3.0))
    np.testing.assert_allclose(fit([0.0, 1.0, 2.0]), [0.0, 3.0, 12.0])
    assert PowerLawFit(-1.0, 2.0, 0.1)(0.0) == math.inf
    np.testing.assert_allclose(PowerLawFit(0.0, 2.0, 0.1)([0.0, 5.0]), [2.0, 2.0])
    with pytest.raises(ValueError, match=r"^x must be >= 0"):
        fit([-1.0])
    with pytest.raises(ValueError, match=r"^x must be >= 0"):
        fit(float("nan"))
    with pytest.raises(TypeError, match=r"^x must"):
        fit(torch.tensor([1 + 1j]))
    with pytest.raises(TypeError, match=r"^x must"):
        fit("3")
