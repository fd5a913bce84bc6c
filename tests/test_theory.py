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


# ----------------------------------------------------------------------------- issue 7: memory and numerics

import amtools.theory as theory_module  # noqa: E402
from amtools import balanced_dimension, power_exponent  # noqa: E402


@FAST
@given(alpha=st.floats(0.0, 6.0), extra=st.integers(1, 300_000))
def test_zipf_constant_euler_maclaurin_tail_matches_the_exact_sum(alpha, extra):
    N = theory_module._EXACT_TERMS + extra                  # beyond the exactly summed terms
    k = torch.arange(1, N + 1, dtype=torch.float64)
    exact = 1.0 / float((k ** -alpha).sum())
    assert zipf_constant(alpha, N) == pytest.approx(exact, rel=1e-13)


def test_zipf_constant_is_continuous_across_the_cutoff():
    n = theory_module._EXACT_TERMS
    for alpha in (0.0, 0.5, 1.0, 2.0):
        below, above = 1 / zipf_constant(alpha, n), 1 / zipf_constant(alpha, n + 1)
        assert above - below == pytest.approx((n + 1) ** -alpha, rel=1e-9)


@pytest.mark.parametrize("N", [10**10, 2**63 - 1])
def test_zipf_constant_of_huge_N_needs_no_memory(N):
    # a table of N floats would need 80 GB or more: the tail is a closed form
    assert zipf_constant(2.0, N) == pytest.approx(zipf_constant(2.0), rel=1e-9)
    harmonic = math.log(N) + 0.5772156649015329 + 1 / (2 * N)   # H_N, alpha = 1
    assert zipf_constant(1.0, N) == pytest.approx(1 / harmonic, rel=1e-13)
    assert zipf_constant(0.0, N) == pytest.approx(1 / N, rel=1e-15)
    # alpha = 0.5: sum_{k <= N} k^-1/2 = 2 sqrt(N) + zeta(1/2) + 1/(2 sqrt(N)) + O(N^-3/2)
    assert zipf_constant(0.5, N) == pytest.approx(1 / (2 * math.sqrt(N) - 1.4603545088095868), rel=1e-13)


@FAST
@given(p=laws(), Ts=sizes, chunk=st.integers(1, 40))
def test_unseen_mass_and_distinct_do_not_depend_on_the_chunking(p, Ts, chunk):
    whole_u, whole_d = unseen_mass(p, Ts), expected_distinct(p, Ts)
    saved = theory_module._CHUNK_FLOATS
    theory_module._CHUNK_FLOATS = chunk * len(Ts)            # chunks of `chunk` tokens
    try:
        torch.testing.assert_close(unseen_mass(p, Ts), whole_u, rtol=1e-12, atol=1e-15)
        torch.testing.assert_close(expected_distinct(p, Ts), whole_d, rtol=1e-12, atol=1e-12)
    finally:
        theory_module._CHUNK_FLOATS = saved
    for value, T in zip(whole_u.tolist(), Ts):
        assert value == pytest.approx(sum(px * (1 - px) ** T for px in p.tolist()), rel=1e-9, abs=1e-15)


def test_sizes_follow_one_rule_for_every_container():
    p = zipf(20, 1.0)
    as_list = unseen_mass(p, [0, 10, math.inf])
    for same in (torch.tensor([0.0, 10.0, math.inf]), np.array([0.0, 10.0, math.inf]), (0, 10, math.inf),
                 [np.int64(0), torch.tensor(10), np.float32(math.inf)]):
        torch.testing.assert_close(unseen_mass(p, same), as_list)
    assert unseen_mass(p, np.arange(6).reshape(2, 3)).shape == (2, 3)
    for bad, exc in [(torch.tensor([True, False]), TypeError), (torch.tensor([1 + 1j]), TypeError),
                     (torch.tensor(2 + 0j), TypeError), (np.array([1 + 0j]), TypeError),
                     (np.array([True]), TypeError), (["10"], TypeError), ([10, None], TypeError),
                     ([True, 3], TypeError), (10**400, ValueError), ([1, 10**400], ValueError),
                     (torch.tensor([1.0, math.nan]), ValueError), (-math.inf, ValueError),
                     (torch.tensor([-math.inf]), ValueError)]:
        for fn in (unseen_mass, expected_distinct):
            with pytest.raises(exc, match="T"):
                fn(p, bad)


@pytest.mark.parametrize("T", [0, 0.5, [10, 0], torch.tensor([0.0, 5.0])])
def test_unseen_mass_asymptotic_rejects_T_below_one(T):
    # the large-T equivalent diverges at T = 0 (it used to return inf there)
    with pytest.raises(ValueError, match=r"^T must be >= 1"):
        unseen_mass_asymptotic(2.0, T)


def test_unseen_mass_asymptotic_at_T_one_and_infinity():
    c = zipf_constant(2.0)
    assert unseen_mass_asymptotic(2.0, 1).item() == pytest.approx(math.gamma(0.5) / 2 * c ** 0.5)
    assert unseen_mass_asymptotic(2.0, [1, math.inf]).tolist()[1] == 0.0
    assert distinct_asymptotic(2.0, 0).item() == 0.0                 # exact at T = 0


@FAST
@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=3), d=st.integers(1, 1000),
       scale=st.integers(-300, 300), seed=st.integers(0, 2**31 - 1))
def test_signal_to_noise_is_scale_invariant_even_near_the_float_limits(shape, d, scale, seed):
    q = torch.from_numpy(np.random.default_rng(seed).random(shape) + 1e-3)
    scaled = signal_to_noise(q * 10.0 ** scale, d)
    assert torch.isfinite(scaled).all()
    torch.testing.assert_close(scaled, signal_to_noise(q, d), rtol=1e-12, atol=0)
    # the ratios sum to d over each row
    torch.testing.assert_close(scaled.sum(-1), torch.full(tuple(shape[:-1]), float(d), dtype=torch.float64))


def test_signal_to_noise_extreme_values_and_d_one():
    for value in (1e200, 1e-200, 5e-324, 8e307):
        snr = signal_to_noise(torch.tensor([value, 2 * value, 0.0], dtype=torch.float64), 10)
        torch.testing.assert_close(snr, torch.tensor([2.0, 8.0, 0.0], dtype=torch.float64))
    assert signal_to_noise(torch.tensor([3.0]), 1).item() == 1.0


@pytest.mark.parametrize("q, exc, match", [
    (torch.tensor([1.0, float("nan")]), ValueError, r"^q must contain only finite"),
    (torch.tensor([1.0, float("inf")]), ValueError, r"^q must contain only finite"),
    (torch.tensor(1.0), ValueError, r"^q must have at least 1 dimension"),
    (torch.empty(0), ValueError, r"^q must not be empty"),
    (torch.tensor([[1.0, 2.0], [0.0, 0.0]]), ValueError, r"^q must have at least one positive entry"),
    (torch.tensor([1 + 1j]), TypeError, r"^q must be a floating"),
    (torch.tensor([True]), TypeError, r"^q must be a floating"),
])
def test_signal_to_noise_rejects_non_finite_and_degenerate_q(q, exc, match):
    with pytest.raises(exc, match=match):
        signal_to_noise(q, 10)


# ----------------------------------------------------------------------------- issue 7: boundaries

@pytest.mark.parametrize("alpha, rho", [(2.0, 0.25), (1.25, 0.4), (4.0, 0.125)])
def test_power_exponent_boundary_two_rho_alpha_equal_one(alpha, rho):
    assert 2 * rho * alpha == 1.0
    with pytest.raises(ValueError, match=r"^rho must satisfy 2 \* rho \* alpha > 1"):
        power_exponent(alpha, rho)
    above = power_exponent(alpha, rho * (1 + 1e-9))                 # just above: the thresholding rate
    assert above == pytest.approx(-(alpha - 1.0), rel=1e-8)


@pytest.mark.parametrize("alpha", [1.0, 0.999, 0.5, 0.0, -1.0])
def test_power_exponent_and_balanced_dimension_need_alpha_above_one(alpha):
    with pytest.raises(ValueError, match=r"^alpha must be > 1"):
        power_exponent(alpha, 1.0)
    with pytest.raises(ValueError, match=r"^alpha must be > 1"):
        balanced_dimension(100, alpha)                                 # 0.5 used to return T^2


@FAST
@given(alpha=st.floats(1.01, 5.0), T=st.floats(1.0, 1e12))
def test_balanced_dimension_balances_the_two_terms(alpha, T):
    d = balanced_dimension(T, alpha).item()
    assert d ** -(alpha - 1) == pytest.approx(T ** -(1 - 1 / alpha), rel=1e-9)
    assert balanced_dimension(1, alpha).item() == 1.0


def test_argmax_error_rejects_too_many_nodes_and_bad_z():
    with pytest.raises(ValueError, match=r"^nodes must be <= 256"):
        argmax_error(1.0, 3, nodes=2**63 - 1)
    with pytest.raises(TypeError, match="z"):
        argmax_error(torch.tensor([1 + 0j]), 3)
    with pytest.raises(ValueError, match="z"):
        argmax_error([1.0, math.nan], 3)
    with pytest.raises(TypeError, match="M"):
        argmax_error(1.0, True)


@FAST
@given(scale=st.integers(-300, 300), M=st.integers(2, 6))
def test_predicted_error_is_scale_invariant_in_q(scale, M):
    p = zipf(30, 1.5)
    q = p ** 0.7
    torch.testing.assert_close(predicted_error(q * 10.0 ** scale, p, [2, 20], M),
                               predicted_error(q, p, [2, 20], M), rtol=1e-12, atol=1e-15)


def test_predicted_error_fewer_inputs_than_outputs_matches_monte_carlo():
    # N < M: each input is alone in its class (its score is q(x) exactly) and M - N classes are empty
    g = torch.Generator().manual_seed(2)
    p = zipf(6, 1.0)
    q = p ** 0.5
    for d in (1, 4):
        mc, se = _gaussian_model_error(q, p, d, 9, 40_000, g)
        assert abs(predicted_error(q, p, [d], 9).item() - mc) <= 4 * se + 1e-4


def test_predicted_error_empty_outputs_cost_nothing():
    # An empty output scores exactly 0 and never beats a stored input alone in its class
    # (its score is q(x) > 0): any M > N gives the same error, and a huge M runs at once.
    p = zipf(7, 1.2)
    q = p ** 0.3
    small = predicted_error(q, p, [1, 5, 50], 8)
    torch.testing.assert_close(predicted_error(q, p, [1, 5, 50], 2**62), small, rtol=1e-12, atol=1e-15)
    # with unstored inputs the chance level 1 - 1/M does depend on M
    q0 = torch.where(torch.arange(7) < 3, q, torch.zeros_like(q))
    e = predicted_error(q0, p, [5], 2**40).item()
    assert e == pytest.approx(predicted_error(q0, p, [5], 8).item() + float(p[3:].sum()) * (1 / 8 - 2**-40),
                              rel=1e-12)


@FAST
@given(chunk=st.integers(1, 500), M=st.integers(2, 5))
def test_predicted_error_does_not_depend_on_the_chunking(chunk, M):
    p = zipf(12, 1.3)
    rows = torch.stack([p ** 0.5, p, (torch.arange(12) < 4).double()])
    whole = predicted_error(rows, p, [1, 7, 40], M, nodes=12)
    saved = theory_module._CHUNK_FLOATS
    theory_module._CHUNK_FLOATS = chunk
    try:
        torch.testing.assert_close(predicted_error(rows, p, [1, 7, 40], M, nodes=12), whole, rtol=1e-13, atol=0)
    finally:
        theory_module._CHUNK_FLOATS = saved


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(q=torch.tensor([1.0, math.nan, 1.0, 1.0, 1.0], dtype=torch.float64)), ValueError, r"^q must contain only finite"),
    (dict(q=torch.tensor([1.0, math.inf, 1.0, 1.0, 1.0], dtype=torch.float64)), ValueError, r"^q must contain only finite"),
    (dict(ds=[2, math.inf]), ValueError, r"^ds must hold"),
    (dict(ds=torch.tensor([2, 1 + 0j])), TypeError, r"^ds must hold real"),
    (dict(nodes=10**6), ValueError, r"^nodes must be <= 256"),
    (dict(M=10**400), ValueError, r"^M must be <="),
])
def test_predicted_error_rejects_non_finite_and_huge_arguments(kwargs, exc, match):
    args = dict(q=torch.ones(5, dtype=torch.float64), p=torch.full((5,), 0.2, dtype=torch.float64),
                ds=[2, 10], M=3)
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        predicted_error(args.pop("q"), args.pop("p"), args.pop("ds"), args.pop("M"), **args)


@pytest.mark.parametrize("a, b", [(5, 100), (10, 10**4), (20, 21), (7, 7)])
@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0, 1.5, 2.0, 3.0])
def test_euler_maclaurin_tail_to_the_size_of_its_first_omitted_term(a, b, alpha):
    # Small a makes every correction term visible: the error must stay below twice the first
    # omitted one, |B_10 / 10!| alpha (alpha+1) ... (alpha+8) a^(-alpha-9), which is 10 to 100
    # times smaller than the last kept term, so a wrong coefficient fails.
    exact = math.fsum(k ** -alpha for k in range(a, b + 1))
    rising = math.prod(alpha + i for i in range(9))
    omitted = 5 / 66 / math.factorial(10) * rising * a ** (-alpha - 9)
    got = theory_module._power_sum_tail(alpha, a, b)
    assert abs(got - exact) <= 2 * omitted + 4e-15 * exact            # plus rounding


@pytest.mark.parametrize("alpha", [30.0, 700.0, 1e300])
def test_zipf_constant_steep_laws_with_huge_N(alpha):
    # every term but k = 1 underflows: the corrections must give 0, not inf * 0 = nan
    assert zipf_constant(alpha, 10**12) == pytest.approx(zipf_constant(alpha), rel=1e-15)
    assert zipf_constant(alpha, 10**12) == pytest.approx(1.0, rel=1e-9)


def test_expected_distinct_has_no_cancellation_at_small_T():
    # 1 - (1 - p)^T is computed with expm1: at T = 1 the sum is exactly sum(p), and at tiny T
    # it is T * sum(-log(1 - p)), both far below the rounding of N - sum (1 - p)^T.
    p = zipf(10**5, 1.0)
    assert expected_distinct(p, 1).item() == pytest.approx(float(p.sum()), rel=1e-14)
    tiny = expected_distinct(p, 1e-9).item()
    assert tiny == pytest.approx(1e-9 * float(-torch.log1p(-p).sum()), rel=1e-12)
