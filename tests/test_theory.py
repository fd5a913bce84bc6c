"""Tests of amtools.theory: exact expectations, asymptotic curves, signal-to-noise."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from amtools import (distinct_asymptotic, expected_distinct, sample_tokens, signal_to_noise,
                     token_counts, unseen_mass, unseen_mass_asymptotic, zipf, zipf_constant)

FAST = settings(max_examples=30, deadline=None, database=None)


@st.composite
def laws(draw, max_n=30):
    """A probability vector, with some exact zeros and possibly a point mass."""
    n = draw(st.integers(1, max_n))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    w = rng.exponential(size=n) * (rng.random(n) < 0.8)
    if w.sum() == 0:
        w[rng.integers(n)] = 1.0
    return torch.from_numpy(w / w.sum())


sizes = st.lists(st.one_of(st.integers(0, 5000), st.floats(0.0, 5000.0)), min_size=1, max_size=6)


# ----------------------------------------------------------------------------- zipf_constant

@FAST
@given(alpha=st.floats(0.0, 4.0), N=st.integers(1, 2000))
def test_zipf_constant_is_normalizer_of_zipf(alpha, N):
    expected = 1.0 / sum(k ** -alpha for k in range(1, N + 1))
    assert zipf_constant(alpha, N) == pytest.approx(expected, rel=1e-10)
    assert zipf(N, alpha)[0].item() == pytest.approx(zipf_constant(alpha, N), rel=1e-10)


def test_zipf_constant_infinite_N_is_one_over_zeta():
    assert zipf_constant(2.0) == pytest.approx(6 / math.pi ** 2, rel=1e-12)
    assert zipf_constant(4.0) == pytest.approx(90 / math.pi ** 4, rel=1e-12)
    assert zipf_constant(2.0, 10**6) == pytest.approx(zipf_constant(2.0), rel=1e-5)


@pytest.mark.parametrize("alpha, N, exc, name", [
    (-1.0, 10, ValueError, "alpha"), ("2", 10, TypeError, "alpha"), (1.0, None, ValueError, "alpha"),
    (0.5, None, ValueError, "alpha"), (2.0, 0, ValueError, "N"), (2.0, 2.5, TypeError, "N"),
])
def test_zipf_constant_rejects_bad_arguments(alpha, N, exc, name):
    with pytest.raises(exc, match=name):
        zipf_constant(alpha, N)


# ----------------------------------------------------------------------------- unseen_mass

@FAST
@given(p=laws(), Ts=sizes)
def test_unseen_mass_matches_brute_force(p, Ts):
    got = unseen_mass(p, Ts)
    assert got.shape == (len(Ts),) and got.dtype == torch.float64
    for value, T in zip(got.tolist(), Ts):
        expected = sum(px * (1 - px) ** T for px in p.tolist())
        assert value == pytest.approx(expected, rel=1e-9, abs=1e-15)


@FAST
@given(p=laws(), Ts=sizes)
def test_unseen_mass_is_non_increasing_in_T(p, Ts):
    Ts = sorted(Ts) + [math.inf]
    values = unseen_mass(p, Ts)
    assert values[0].item() <= 1.0 + 1e-12
    assert (values[1:] <= values[:-1] + 1e-15).all()
    assert values[-1].item() == 0.0


def test_unseen_mass_special_sizes_and_shapes():
    p = zipf(50, 1.0)
    assert unseen_mass(p, 0).item() == pytest.approx(1.0)
    assert unseen_mass(p, math.inf).item() == 0.0
    assert unseen_mass(p, 10).shape == ()
    assert unseen_mass(p, torch.tensor([[1, 2], [3, 4]])).shape == (2, 2)
    assert unseen_mass(p, np.int64(10)).item() == pytest.approx(unseen_mass(p, 10).item())
    assert unseen_mass(p, np.array([1, 10])).tolist() == pytest.approx(unseen_mass(p, [1, 10]).tolist())
    point = torch.tensor([0.0, 1.0, 0.0], dtype=torch.float64)
    assert unseen_mass(point, [0, 1, 5]).tolist() == [1.0, 0.0, 0.0]
    assert unseen_mass(p.float(), 10).dtype == torch.float64


def test_unseen_mass_is_the_expectation_of_the_monte_carlo_unseen_mass():
    p = zipf(200, 1.2)
    T, trials = 100, 4000
    counts = token_counts(sample_tokens(p, T, trials, torch.Generator().manual_seed(0)), 200)
    empirical = ((counts == 0).double() @ p)
    sem = empirical.std().item() / math.sqrt(trials)
    assert abs(empirical.mean().item() - unseen_mass(p, T).item()) < 5 * sem


# ----------------------------------------------------------------------------- expected_distinct

@FAST
@given(p=laws(), Ts=sizes)
def test_expected_distinct_matches_brute_force(p, Ts):
    got = expected_distinct(p, Ts)
    for value, T in zip(got.tolist(), Ts):
        expected = sum(1 - (1 - px) ** T for px in p.tolist() if px > 0)
        assert value == pytest.approx(expected, rel=1e-9, abs=1e-12)
    Ts = sorted(Ts) + [math.inf]
    values = expected_distinct(p, Ts)
    assert (values[1:] >= values[:-1] - 1e-12).all()
    assert values[-1].item() == (p > 0).sum().item()


def test_expected_distinct_monte_carlo():
    p = zipf(100, 1.0)
    T, trials = 50, 3000
    counts = token_counts(sample_tokens(p, T, trials, torch.Generator().manual_seed(1)), 100)
    distinct = (counts > 0).sum(-1).double()
    sem = distinct.std().item() / math.sqrt(trials)
    assert abs(distinct.mean().item() - expected_distinct(p, T).item()) < 5 * sem
    assert expected_distinct(p, 0).item() == 0.0


@pytest.mark.parametrize("fn", [unseen_mass, expected_distinct])
def test_exact_curves_reject_bad_arguments(fn):
    with pytest.raises(ValueError, match="p must sum to 1"):
        fn(torch.tensor([0.3, 0.3], dtype=torch.float64), 10)
    with pytest.raises(TypeError, match="p"):
        fn([0.5, 0.5], 10)
    with pytest.raises(ValueError, match="p"):
        fn(torch.full((2, 2), 0.25, dtype=torch.float64), 10)
    with pytest.raises(ValueError, match="T must be >= 0"):
        fn(zipf(5, 1.0), -1)
    with pytest.raises(ValueError, match="T"):
        fn(zipf(5, 1.0), [10, -3])
    with pytest.raises(ValueError, match="T"):
        fn(zipf(5, 1.0), float("nan"))
    with pytest.raises(TypeError, match="T"):
        fn(zipf(5, 1.0), "ten")
    with pytest.raises(TypeError, match="T"):
        fn(zipf(5, 1.0), None)
    with pytest.raises(TypeError, match="T"):
        fn(zipf(5, 1.0), True)


# ----------------------------------------------------------------------------- asymptotics

@pytest.mark.parametrize("T", [100, 300, 1000, 3000, 10**4])
def test_unseen_mass_asymptotic_matches_exact_for_zipf_two(T):
    exact = unseen_mass(zipf(10**6, 2.0), T).item()
    approx = unseen_mass_asymptotic(2.0, T).item()
    assert abs(approx - exact) <= 0.10 * exact


def test_distinct_asymptotic_matches_exact_for_zipf_two():
    exact = expected_distinct(zipf(10**6, 2.0), 10**4).item()
    for N in (None, 10**6):
        approx = distinct_asymptotic(2.0, 10**4, N).item()
        assert abs(approx - exact) <= 0.15 * exact


def test_asymptotic_formulas():
    alpha, T = 3.0, torch.tensor([10.0, 1000.0])
    c = zipf_constant(alpha)
    expected = math.gamma(1 - 1 / alpha) / alpha * c ** (1 / alpha) * T ** (-(1 - 1 / alpha))
    torch.testing.assert_close(unseen_mass_asymptotic(alpha, T), expected.double())
    expected_d = math.gamma(1 - 1 / alpha) * (c * T) ** (1 / alpha)
    torch.testing.assert_close(distinct_asymptotic(alpha, T), expected_d.double())
    # finite N changes only the constant
    ratio = (unseen_mass_asymptotic(2.0, 100, N=10) / unseen_mass_asymptotic(2.0, 100)).item()
    assert ratio == pytest.approx((zipf_constant(2.0, 10) / zipf_constant(2.0)) ** 0.5)
    # the slopes are the theory's exponents
    Ts = [10.0, 100.0, 1000.0]
    assert np.polyfit(np.log(Ts), np.log(unseen_mass_asymptotic(2.0, Ts).numpy()), 1)[0] \
        == pytest.approx(-0.5)
    assert np.polyfit(np.log(Ts), np.log(distinct_asymptotic(2.0, Ts).numpy()), 1)[0] \
        == pytest.approx(0.5)


@pytest.mark.parametrize("fn", [unseen_mass_asymptotic, distinct_asymptotic])
def test_asymptotics_reject_bad_arguments(fn):
    for alpha in (1.0, 0.5, -2.0):
        with pytest.raises(ValueError, match="alpha"):
            fn(alpha, 100)
    with pytest.raises(TypeError, match="alpha"):
        fn("2", 100)
    with pytest.raises(ValueError, match="T"):
        fn(2.0, -5)
    with pytest.raises(TypeError, match="T"):
        fn(2.0, "100")
    with pytest.raises(TypeError, match="N"):
        fn(2.0, 100, 2.5)
    with pytest.raises(ValueError, match="N"):
        fn(2.0, 100, 0)


# ----------------------------------------------------------------------------- signal_to_noise

@FAST
@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=3), d=st.integers(1, 1000),
       seed=st.integers(0, 2**31 - 1))
def test_signal_to_noise_matches_loop(shape, d, seed):
    rng = np.random.default_rng(seed)
    q = rng.random(shape) + 1e-3
    snr = signal_to_noise(torch.from_numpy(q), d)
    assert snr.shape == tuple(shape) and snr.dtype == torch.float64
    flat_q, flat_s = q.reshape(-1, shape[-1]), snr.reshape(-1, shape[-1]).numpy()
    for row_q, row_s in zip(flat_q, flat_s):
        norm2 = sum(v * v for v in row_q)
        np.testing.assert_allclose(row_s, [d * v * v / norm2 for v in row_q], rtol=1e-12)


def test_signal_to_noise_uniform_weights_give_d_over_n():
    snr = signal_to_noise(torch.ones(10, dtype=torch.float32), 50)
    torch.testing.assert_close(snr, torch.full((10,), 5.0, dtype=torch.float64))


def test_signal_to_noise_rejects_bad_arguments():
    with pytest.raises(TypeError, match="q"):
        signal_to_noise([1.0, 2.0], 10)
    with pytest.raises(TypeError, match="q"):
        signal_to_noise(torch.tensor([1, 2]), 10)
    with pytest.raises(ValueError, match="q must be non-negative"):
        signal_to_noise(torch.tensor([1.0, -2.0]), 10)
    with pytest.raises(ValueError, match="q must have at least one positive"):
        signal_to_noise(torch.zeros(3), 10)
    with pytest.raises(ValueError, match="d"):
        signal_to_noise(torch.ones(3), 0)
    with pytest.raises(TypeError, match="d"):
        signal_to_noise(torch.ones(3), 2.5)


# ----------------------------------------------------------------------------- exponents
def test_scaling_exponents_formulas() -> None:
    import math

    import amtools as am

    assert am.data_exponent(2.0) == -0.5
    assert math.isclose(am.data_exponent(3.0), -2 / 3)
    assert am.threshold_exponent(2.0) == -1.0
    assert am.power_exponent(2.0, 1.0) == -0.25
    assert math.isclose(am.power_exponent(2.0, 0.5), -0.5)
    # as rho decreases to 1/(2 alpha) the power rate approaches the thresholding rate
    assert am.power_exponent(2.0, 0.2501) < am.power_exponent(2.0, 0.5) < am.power_exponent(2.0, 1.0)
    assert float(am.balanced_dimension(10**4, 2.0)) == 100.0


def test_scaling_exponents_validate() -> None:
    import pytest

    import amtools as am

    for f in (am.data_exponent, am.threshold_exponent):
        with pytest.raises(ValueError, match="alpha"):
            f(1.0)
    with pytest.raises(ValueError, match="rho"):
        am.power_exponent(2.0, 0.2)
    with pytest.raises(ValueError, match="rho"):
        am.power_exponent(2.0, 0.0)
    with pytest.raises(ValueError, match="T"):
        am.balanced_dimension(-1, 2.0)


# ----------------------------------------------------------------------------- argmax_error, predicted_error

from amtools import argmax_error, predicted_error  # noqa: E402


@FAST
@given(M=st.integers(2, 30))
def test_argmax_error_is_chance_at_zero_signal(M):
    # Gauss-Hermite with 48 nodes: 1e-12 at M = 5, 1e-7 at M = 30 (the integrand sharpens with M)
    assert argmax_error(0.0, M).item() == pytest.approx(1 - 1 / M, abs=1e-6)
    assert argmax_error(0.0, M, nodes=100).item() == pytest.approx(1 - 1 / M, abs=1e-9)
    assert argmax_error(math.inf, M).item() == 0.0


@FAST
@given(M=st.integers(2, 12), zs=st.lists(st.floats(0.0, 30.0), min_size=2, max_size=8))
def test_argmax_error_decreases_and_obeys_the_union_bound(M, zs):
    zs = sorted(zs)
    e = argmax_error(zs, M)
    assert e.shape == (len(zs),) and e.dtype == torch.float64
    assert (e[1:] <= e[:-1] + 1e-12).all()
    bound = (M - 1) / 2 * torch.exp(-M * torch.tensor(zs, dtype=torch.float64) / 4)
    assert (e <= bound + 1e-12).all()


@FAST
@given(z=st.floats(0.0, 10.0))
def test_argmax_error_two_outputs_closed_form(z):
    # M = 2: 1 - E[Phi(g + sqrt(2z))] = Phi(-sqrt(2z) / sqrt(2)) = Phi(-sqrt(z)).
    expected = 0.5 * math.erfc(math.sqrt(z) / math.sqrt(2))
    assert argmax_error(z, 2).item() == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_argmax_error_matches_monte_carlo():
    g = torch.Generator().manual_seed(0)
    M, n = 5, 400_000
    for z in (0.1, 1.0, 3.0):
        scores = torch.randn(n, M, generator=g, dtype=torch.float64)
        scores[:, 0] += math.sqrt(M * z)                  # the right output has the mean advantage
        mc = (scores.argmax(1) != 0).double().mean().item()
        se = math.sqrt(mc * (1 - mc) / n)
        assert abs(argmax_error(z, M).item() - mc) <= 4 * se


@pytest.mark.parametrize("args, exc, name", [
    ((-1.0, 5), ValueError, "z"), (("1", 5), TypeError, "z"), ((1.0, 1), ValueError, "M"),
    ((1.0, 2.5), TypeError, "M"),
])
def test_argmax_error_rejects_bad_arguments(args, exc, name):
    with pytest.raises(exc, match=name):
        argmax_error(*args)


def _gaussian_model_error(q, p, d, M, n, g):
    """Monte-Carlo estimate of the Gaussian model behind predicted_error (its own assumptions)."""
    N = p.numel()
    targets = torch.arange(N) % M
    onehot = torch.nn.functional.one_hot(targets, M).double()
    s2 = ((q ** 2) @ onehot)[None, :] - (q ** 2)[:, None] * onehot          # [N, M]
    s = torch.sqrt(s2 / d)
    scores = torch.randn(n, N, M, generator=g, dtype=torch.float64) * s + q[:, None] * onehot
    wrong = (scores.argmax(-1) != targets).double().mean(0)               # [N]
    return float(wrong @ p), float(torch.sqrt((wrong * (1 - wrong) / n) @ (p ** 2)).item())


def test_predicted_error_matches_monte_carlo_of_its_model():
    g = torch.Generator().manual_seed(1)
    p = zipf(40, 1.5)
    q = p ** 0.5
    for d in (5, 20, 80):
        mc, se = _gaussian_model_error(q, p, d, 4, 40_000, g)
        assert abs(predicted_error(q, p, [d], 4).item() - mc) <= 4 * se + 1e-4


@FAST
@given(alpha=st.floats(0.5, 2.5), rho=st.floats(0.0, 1.5), M=st.integers(2, 8))
def test_predicted_error_is_monotone_in_d(alpha, rho, M):
    p = zipf(60, alpha)
    ds = [1, 3, 10, 30, 100, 300, 1000]
    e = predicted_error(p ** rho, p, ds, M)
    assert e.shape == (len(ds),) and e.dtype == torch.float64
    assert (e[1:] <= e[:-1] + 1e-10).all()
    assert (e >= 0).all() and (e <= 1 - 1 / M + 1e-9).all()


@FAST
@given(M=st.integers(2, 8), N=st.integers(1, 50))
def test_predicted_error_is_chance_without_signal(M, N):
    p = torch.full((N,), 1.0 / N, dtype=torch.float64)
    e = predicted_error(torch.zeros(N, dtype=torch.float64), p, [1, 10, 100], M)
    assert torch.allclose(e, torch.full((3,), 1 - 1 / M, dtype=torch.float64), atol=1e-12)


def test_predicted_error_reduces_to_argmax_error_for_balanced_classes():
    # Equal weights on N inputs, M balanced classes: every input has z = d / N, up to the x' != x term.
    N, M = 5000, 5
    p = torch.full((N,), 1.0 / N, dtype=torch.float64)
    ds = [500, 2000, 8000]
    e = predicted_error(torch.ones(N, dtype=torch.float64), p, ds, M)
    assert torch.allclose(e, argmax_error([d / N for d in ds], M), rtol=2e-3)


def test_predicted_error_one_row_per_d_and_targets():
    p = zipf(30, 2.0)
    ds = [4, 16]
    rows = torch.stack([(torch.arange(30) < 3).double(), (torch.arange(30) < 10).double()])
    both = predicted_error(rows, p, ds, 3)
    for k, d in enumerate(ds):
        assert both[k].item() == pytest.approx(predicted_error(rows[k], p, [d], 3).item(), rel=1e-12)
    same = predicted_error(p, p, ds, 3, targets=torch.arange(30) % 3)
    assert torch.equal(same, predicted_error(p, p, ds, 3))


@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(q=torch.ones(5, dtype=torch.long)), TypeError, "q"),
    (dict(q=-torch.ones(5, dtype=torch.float64)), ValueError, "q"),
    (dict(q=torch.ones(4, dtype=torch.float64)), ValueError, "q"),
    (dict(q=torch.ones(3, 5, dtype=torch.float64)), ValueError, "q"),
    (dict(p=torch.ones(5, dtype=torch.float64)), ValueError, "p"),
    (dict(ds=[0, 10]), ValueError, "ds"),
    (dict(ds="10"), TypeError, "ds"),
    (dict(M=1), ValueError, "M"),
    (dict(targets=torch.arange(5) + 3), ValueError, "targets"),
    (dict(targets=torch.zeros(5)), TypeError, "targets"),
])
def test_predicted_error_rejects_bad_arguments(kwargs, exc, name):
    args = dict(q=torch.ones(5, dtype=torch.float64), p=torch.full((5,), 0.2, dtype=torch.float64),
                ds=[2, 10], M=3)
    args.update(kwargs)
    with pytest.raises(exc, match=name):
        predicted_error(args.pop("q"), args.pop("p"), args.pop("ds"), args.pop("M"), **args)
