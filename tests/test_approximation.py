r"""Tests of amtools.approximation: the scalar map of SGD, its iterates, the batched recursion, the error.

Notation: :math:`f(q) = q + g(q)` with :math:`g(q) = \gamma (M-1)/(e^q + M - 1)`, :math:`q_k = f^k(0)`,
:math:`a = g(0) = \gamma (M-1)/M`, :math:`F(q) = e^q + (M-1) q` (so that :math:`F'(q) g(q) = \gamma (M-1)`).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import amtools as am
from amtools import approx_error, approx_sgd, q_gamma, sgd_iterates, sgd_map

FAST = settings(max_examples=30, deadline=None, database=None)
EPS = float(torch.finfo(torch.float64).eps)

Ms = st.integers(2, 1000)
qs = st.floats(-30.0, 20.0)


# ============================================================================ the map f

@FAST
@given(q1=qs, q2=qs, gamma=st.floats(1e-3, 3.9), M=Ms)
def test_sgd_map_is_increasing_for_gamma_below_4(q1, q2, gamma, M):
    """f'(q) = 1 - gamma (M-1) e^q / (e^q + M - 1)^2 >= 1 - gamma/4 > 0 (the fraction is at most 1/4)."""
    lo, hi = sorted((q1, q2))
    hi = max(hi, lo + 1e-6 * (1.0 + abs(lo)))          # true gap >= (1 - gamma/4) 1e-6: far above rounding
    f = sgd_map(torch.tensor([lo, hi], dtype=torch.float64), gamma, M)
    assert f[1] > f[0]
    assert f[1] - f[0] >= (1 - gamma / 4) * (hi - lo) * (1 - 1e-6)


def test_sgd_map_is_not_monotone_above_gamma_4():
    """The bound gamma < 4 is sharp: at e^q = M - 1, f'(q) = 1 - gamma/4 < 0 for gamma = 8."""
    M, q0 = 5, math.log(4)
    f = sgd_map(torch.tensor([q0 - 1e-3, q0 + 1e-3], dtype=torch.float64), 8.0, M)
    assert f[1] < f[0]
    slope = ((f[1] - f[0]) / 2e-3).item()
    assert slope == pytest.approx(1 - 8.0 / 4, rel=1e-5)


@FAST
@given(q=st.lists(qs, min_size=1, max_size=20), gamma=st.floats(1e-3, 10.0), M=Ms)
def test_sgd_map_moves_up_by_g(q, gamma, M):
    """f(q) > q, and f(q) - q is g(q) = gamma (M-1)/(e^q + M - 1) (computed here in a different form)."""
    q = torch.tensor(q, dtype=torch.float64)
    f = sgd_map(q, gamma, M)
    assert f.shape == q.shape and f.dtype == torch.float64
    assert (f > q).all()
    g = gamma * (M - 1) / (torch.exp(q) + M - 1)
    # f - q is exact up to the rounding of f (|f| ulp) and of g (a few eps relative)
    assert torch.allclose(f - q, g, rtol=1e-12, atol=4 * EPS * f.abs().max().item())


@FAST
@given(q1=qs, q2=qs, gamma=st.floats(1e-3, 10.0), M=Ms)
def test_sgd_map_increment_is_decreasing(q1, q2, gamma, M):
    """g(q) = f(q) - q is strictly decreasing in q (any gamma), up to the rounding of f(q) - q."""
    lo, hi = sorted((q1, q2))
    f = sgd_map(torch.tensor([lo, hi], dtype=torch.float64), gamma, M)
    step = f - torch.tensor([lo, hi], dtype=torch.float64)
    rounding = 4 * EPS * max(1.0, abs(lo), abs(hi), f.abs().max().item())
    assert step[1] <= step[0] + rounding
    if hi - lo > 0.5:                          # a visible gap: g(lo)/g(hi) >= e^{(hi-lo)} (M-1)/(...) > 1
        assert step[1] < step[0]


def test_sgd_map_by_hand_and_large_q():
    # f(0) = gamma (M-1)/M; no overflow for large q: f(q) = q when e^q overflows
    assert sgd_map(0.0, 0.5, 3).item() == pytest.approx(0.5 * 2 / 3, rel=1e-15)
    assert sgd_map(torch.tensor([800.0], dtype=torch.float64), 1.0, 3).item() == 800.0
    assert sgd_map(torch.tensor([-800.0], dtype=torch.float64), 1.0, 3).item() == -799.0
    # numbers and lists are taken elementwise, in float64
    assert sgd_map([0.0, 1.0], 1.0, 2).tolist() == sgd_map(torch.tensor([0.0, 1.0]), 1.0, 2).tolist()


# ============================================================================ the iterates f^k(0)

@FAST
@given(n=st.integers(1, 300), gamma=st.floats(1e-3, 20.0), M=Ms)
def test_iterates_are_increasing_and_concave(n, gamma, M):
    """q_{k+1} - q_k = g(q_k) > 0, and g decreasing with q_k increasing makes the increments decrease."""
    it = sgd_iterates(n, gamma, M)
    assert it.shape == (n + 1,) and it.dtype == torch.float64 and it[0] == 0
    inc = it.diff()
    assert (inc > 0).all()
    rounding = 4 * EPS * max(1.0, it[-1].item())
    assert (inc.diff() <= rounding).all()
    assert inc[0].item() == pytest.approx(gamma * (M - 1) / M, rel=1e-14)


@FAST
@given(n=st.integers(1, 100), gamma=st.floats(1e-3, 20.0), M=Ms)
def test_iterates_compose_the_map(n, gamma, M):
    """sgd_iterates[k + 1] = sgd_map(sgd_iterates[k]), up to rounding.

    Not bitwise: torch evaluates ``float / tensor`` (sgd_map's gamma) as ``float * (1 / tensor)``,
    and ``tensor / tensor`` (sgd_iterates') directly, so single steps differ by an ulp or two.
    """
    it = sgd_iterates(n, gamma, M)
    assert torch.allclose(sgd_map(it[:-1], gamma, M), it[1:], rtol=4 * EPS, atol=0)


def test_iterates_for_several_step_sizes_stack_single_calls():
    gammas = [0.01, 0.5, 3.0]
    both = sgd_iterates(50, gammas, 4)
    assert both.shape == (3, 51)
    for i, g in enumerate(gammas):
        assert torch.equal(both[i], sgd_iterates(50, g, 4))
    assert torch.equal(sgd_iterates(50, torch.tensor(gammas, dtype=torch.float64), 4), both)
    assert sgd_iterates(0, 0.5, 3).tolist() == [0.0]


@FAST
@given(t=st.floats(1e-4, 1e-2), n=st.integers(2, 200), M=Ms)
def test_small_gamma_regime_is_linear(t, n, M):
    r"""For a n << 1 (a = gamma (M-1)/M), f^n(0) = a n (1 - r) with 0 <= r <= a (n-1)/(2M) e^{an}.

    Upper: g(q) <= g(0) = a for q >= 0, so q_k <= a k. Lower: |g'(q)| = gamma (M-1) e^q/(e^q + M-1)^2
    <= gamma (M-1) e^{an}/M^2 = (a/M) e^{an} on [0, an], so q_{k+1} >= q_k + a - (a/M) e^{an} q_k
    >= q_k + a - (a^2/M) e^{an} k; summing, q_n >= a n - (a^2/M) e^{an} n(n-1)/2. The second-order
    term a(n-1)/(2M) is also the size of r: the next order changes it by a relative O(a n) (measured
    at most 0.32 a n for M up to 100), so r/(a(n-1)/(2M)) is asserted in [1 - a n, 1 + a n].
    """
    gamma = t * M / ((M - 1) * n)                    # a n = t
    a = gamma * (M - 1) / M
    qn = sgd_iterates(n, gamma, M)[-1].item()
    r = 1 - qn / (a * n)
    second = a * (n - 1) / (2 * M)
    assert -1e-12 <= r <= second * math.exp(a * n)
    assert abs(r / second - 1) <= a * n


@settings(max_examples=12, deadline=None, database=None)
@given(gamma=st.floats(1e-3, 0.2), M=st.integers(2, 200))
def test_ode_invariant_holds_for_small_gamma(gamma, M):
    r"""The ODE dq/dn = g(q) conserves F(q) - gamma (M-1) n with F(q) = e^q + (M-1) q, F(0) = 1.

    For the iterates (Taylor with F'(q_k) g(q_k) = gamma (M-1)): F(q_{k+1}) - F(q_k) = gamma (M-1)
    + e^{xi} g(q_k)^2 / 2 with xi in [q_k, q_{k+1}]. So the excess x_n = F(q_n) - gamma (M-1) n - 1 is

    - non-negative and at most n gamma^2 (M-1) e^gamma / 8 (since e^q (M-1)/(e^q+M-1)^2 <= 1/4,
      e^{xi - q_k} <= e^gamma): relative to the right side at most gamma e^gamma / 8;
    - to leading order sum_k e^{q_k} g(q_k)^2/2 ~ integral of e^q g(q)/2 dq
      = (gamma (M-1)/2) log((e^{q_n} + M - 1)/M): it grows like log n, not like n. The next order is
      a relative O(gamma) (e^{xi - q_k} - 1 <= e^gamma - 1, and the Riemann sum's error): measured at
      most 0.16 gamma over M in [2, 100], gamma in [1e-3, 0.5], n = 20000; asserted within gamma.

    A wrong invariant (M q instead of (M-1) q) adds q_n to the excess, a relative shift of about
    2/(gamma (M-1)) of the leading term: beyond the tolerance gamma whenever gamma^2 (M-1) <= 1.
    """
    n = 3000
    it = sgd_iterates(n, gamma, M)
    k = torch.arange(n + 1, dtype=torch.float64)
    rhs = gamma * (M - 1) * k + 1
    excess = torch.exp(it) + (M - 1) * it - rhs
    rounding = 1e-12 * rhs
    assert (excess >= -rounding).all()
    assert (excess <= k * gamma**2 * (M - 1) * math.exp(gamma) / 8 + rounding).all()
    assert (excess / rhs).max() <= gamma * math.exp(gamma) / 8
    leading = gamma * (M - 1) / 2 * torch.log((torch.exp(it[-1]) + M - 1) / M)
    assert abs(excess[-1] / leading - 1) <= gamma
    if gamma**2 * (M - 1) <= 1:                                          # the wrong invariant fails
        assert abs((torch.exp(it[-1]) + M * it[-1] - rhs[-1]) / leading - 1) > gamma


# ============================================================================ q_gamma

@FAST
@given(counts=st.lists(st.integers(0, 60), min_size=1, max_size=12), rows=st.integers(1, 3),
       gamma=st.floats(1e-3, 20.0), M=Ms)
def test_q_gamma_reads_the_iterates(counts, rows, gamma, M):
    """q_gamma(counts) = sgd_iterates(max(counts))[counts], elementwise, any shape (an identity)."""
    c = torch.tensor(counts).repeat(rows, 1)
    q = q_gamma(c, gamma, M)
    assert q.shape == c.shape and q.dtype == torch.float64
    assert torch.equal(q, sgd_iterates(max(counts), gamma, M)[c])
    assert torch.equal(q_gamma(counts, gamma, M), q[0])                 # a list of counts works too


def test_q_gamma_edge_cases():
    assert q_gamma(torch.tensor([], dtype=torch.long), 1.0, 3).shape == (0,)
    assert q_gamma(torch.zeros(2, 3, dtype=torch.long), 1.0, 3).eq(0).all()
    assert q_gamma(torch.tensor(1), 0.3, 4).item() == pytest.approx(0.3 * 3 / 4, rel=1e-15)


# ============================================================================ approx_sgd

@FAST
@given(N=st.integers(1, 20), T=st.integers(0, 60), trials=st.integers(1, 3), M=st.integers(2, 10),
       lr=st.floats(1e-3, 20.0), seed=st.integers(0, 2**31 - 1))
def test_batch_size_one_is_q_gamma_of_the_counts(N, T, trials, M, lr, seed):
    """With B = 1 only the sampled input moves, by f: q(x) = f^{n_x}(0) = q_gamma(n_x) (an identity)."""
    tokens = torch.randint(0, N, (trials, T), generator=torch.Generator().manual_seed(seed))
    res = approx_sgd(tokens, N, M, lr=lr)
    counts = am.token_counts(tokens, N).long()
    assert res.q.shape == (trials, N) and res.q.dtype == torch.float64
    assert torch.equal(res.q, q_gamma(counts, lr, M))
    assert res.steps is None and res.q_curve is None


def reference_batched(tokens, N, M, lr, B):
    """The recursion of the module docstring, one trial, one token at a time, in plain Python."""
    q = [0.0] * N
    for s in range(len(tokens) // B):
        start = list(q)                                            # the stale q of the step
        for x in tokens[s * B:(s + 1) * B]:
            q[x] += lr / B / (1.0 + math.exp(start[x]) / (M - 1))
    return q


@FAST
@given(N=st.integers(1, 12), T=st.integers(1, 40), B=st.integers(1, 8), trials=st.integers(1, 3),
       M=st.integers(2, 10), lr=st.floats(1e-3, 20.0), seed=st.integers(0, 2**31 - 1))
def test_batched_recursion_matches_a_plain_loop(N, T, B, trials, M, lr, seed):
    B = min(B, T)
    tokens = torch.randint(0, N, (trials, T), generator=torch.Generator().manual_seed(seed))
    res = approx_sgd(tokens, N, M, lr=lr, batch_size=B)
    for t in range(trials):
        ref = torch.tensor(reference_batched(tokens[t].tolist(), N, M, lr, B), dtype=torch.float64)
        # same terms, summed in a different order: rounding only
        assert torch.allclose(res.q[t], ref, rtol=1e-12, atol=1e-12)


@FAST
@given(N=st.integers(1, 10), B=st.integers(1, 16), M=st.integers(2, 50), lr=st.floats(1e-3, 20.0),
       seed=st.integers(0, 2**31 - 1))
def test_one_batch_step_from_zero(N, B, M, lr, seed):
    """From q = 0 one step adds lr/B c_x (M-1)/M, c_x the count of x in the batch."""
    tokens = torch.randint(0, N, (2, B), generator=torch.Generator().manual_seed(seed))
    res = approx_sgd(tokens, N, M, lr=lr, batch_size=B, record_every=1)
    c = am.token_counts(tokens, N)
    assert torch.allclose(res.q, lr / B * c * (M - 1) / M, rtol=1e-14, atol=0)
    assert res.steps.tolist() == [0, 1]
    assert torch.equal(res.q_curve[1], res.q) and res.q_curve[0].eq(0).all()


@pytest.mark.parametrize("T, B, every, steps", [
    (100, 10, 3, [0, 3, 6, 9, 10]), (100, 10, 5, [0, 5, 10]), (105, 10, 20, [0, 10]),
    (7, 7, 1, [0, 1]), (9, 2, 1, [0, 1, 2, 3, 4]),
])
def test_record_every_steps_and_curve(T, B, every, steps):
    tokens = torch.randint(0, 6, (3, T), generator=torch.Generator().manual_seed(0))
    res = approx_sgd(tokens, 6, 3, lr=0.7, batch_size=B, record_every=every)
    assert res.steps.tolist() == steps
    assert res.q_curve.shape == (len(steps), 3, 6) and res.q_curve.dtype == torch.float64
    assert res.q_curve[0].eq(0).all() and torch.equal(res.q_curve[-1], res.q)
    # each recorded point is the run stopped at that step
    for k, s in enumerate(steps):
        assert torch.equal(res.q_curve[k], approx_sgd(tokens[:, :s * B], 6, 3, lr=0.7, batch_size=B).q) if s else True
    # the curve is non-decreasing in every coordinate (every increment is >= 0)
    assert (res.q_curve.diff(dim=0) >= 0).all()


def test_no_full_step_leaves_q_at_zero():
    tokens = torch.randint(0, 5, (2, 7))
    res = approx_sgd(tokens, 5, 3, lr=1.0, batch_size=7, record_every=2)
    assert res.steps.tolist() == [0, 1]
    res = approx_sgd(tokens[:, :0], 5, 3, lr=1.0, record_every=2)
    assert res.q.eq(0).all() and res.steps.tolist() == [0] and res.q_curve.shape == (1, 2, 5)


# ============================================================================ approx_error

def _orthonormal_columns(d: int, m: int, seed: int, trials: int = 1) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.linalg.qr(torch.randn(trials, d, d, dtype=torch.float64, generator=g))[0][..., :m]


def test_approx_error_exact_case_by_hand():
    r"""E = I (N = d), U with orthonormal columns: the logits are q(x) u_{f(x)}.u_y = q(x) [y = f(x)].

    q > 0: the right class wins. q = 0: every logit is exactly 0, the tie goes to class 0, right
    only if f(x) = 0. q < 0: the right logit is the only negative one: always wrong.
    """
    N = d = 6
    M = 3
    targets = torch.arange(N) % M                                      # 0 1 2 0 1 2
    q = torch.tensor([1.0, 0.0, -1.0, 0.0, 2.0, -0.5], dtype=torch.float64)
    # right: x=0 (q>0), x=3 (tie, f=0), x=4 (q>0); wrong: x=1 (tie, f=1), x=2 (q<0), x=5 (q<0)
    p = torch.tensor([0.3, 0.2, 0.15, 0.15, 0.1, 0.1], dtype=torch.float64)
    E = torch.eye(N, dtype=torch.float64)
    U = _orthonormal_columns(d, M, seed=0)[0]
    assert approx_error(q, E, U, p, targets).item() == pytest.approx(0.2 + 0.15 + 0.1, rel=1e-14)
    assert approx_error(q.abs() + 1, E, U, p, targets).item() == 0.0
    assert approx_error(torch.zeros(N, dtype=torch.float64), E, U, p, targets).item() == pytest.approx(
        p[targets != 0].sum().item(), rel=1e-14)


@FAST
@given(N=st.integers(1, 12), M=st.integers(2, 6), trials=st.integers(1, 3), seed=st.integers(0, 2**31 - 1))
def test_approx_error_with_orthonormal_embeddings(N, M, trials, seed):
    """The rule of the hand case on random q (with exact zeros), laws, targets and orthonormal U."""
    d = max(N, M)
    rng = np.random.default_rng(seed)
    q = torch.from_numpy(rng.standard_normal((trials, N)) * (rng.random((trials, N)) < 0.7))
    w = rng.random(N) + 0.01
    p = torch.from_numpy(w / w.sum())
    targets = torch.from_numpy(rng.integers(0, M, N))
    E = torch.eye(d, dtype=torch.float64)[:N]                   # orthonormal rows (E = I when N = d)
    U = _orthonormal_columns(d, M, seed, trials)
    wrong = (q < 0) | ((q == 0) & (targets != 0))
    expected = (wrong.double() * p).sum(-1)
    assert torch.allclose(approx_error(q, E, U, p, targets), expected, rtol=1e-12, atol=0)


@FAST
@given(N=st.integers(1, 10), d=st.integers(1, 12), M=st.integers(2, 5), trials=st.integers(1, 3),
       seed=st.integers(0, 2**31 - 1))
def test_approx_error_is_the_error_of_the_explicit_memory(N, d, M, trials, seed):
    """W = sum_x q(x) e_x^T u_{f(x)}^T (row convention, [d, d]); logits = E W U; error = p-mass of argmax != f."""
    g = torch.Generator().manual_seed(seed)
    q = torch.rand(trials, N, dtype=torch.float64, generator=g) * 3
    E = torch.randn(trials, N, d, dtype=torch.float64, generator=g) / math.sqrt(d)
    U = torch.randn(trials, d, M, dtype=torch.float64, generator=g) / math.sqrt(d)
    p = am.zipf(N, 1.3)
    targets = torch.arange(N) % M
    for t in range(trials):
        W = sum(q[t, x] * torch.outer(E[t, x], U[t][:, targets[x]]) for x in range(N))
        logits = E[t] @ W @ U[t]
        expected = p[logits.argmax(-1) != targets].sum()
        assert approx_error(q[t], E[t], U[t], p, targets).item() == pytest.approx(expected.item(), abs=1e-12)


def test_approx_error_broadcasts_over_a_step_axis():
    """q_curve [K, trials, N] against E [trials, N, d], U [trials, d, M] gives [K, trials] = a loop over K."""
    N, M, d, trials = 30, 4, 12, 3
    g = torch.Generator().manual_seed(5)
    tokens = am.sample_tokens(am.zipf(N, 1.5), 200, trials, generator=g)
    res = approx_sgd(tokens, N, M, lr=1.0, batch_size=4, record_every=10)
    E = torch.randn(trials, N, d, generator=g) / math.sqrt(d)
    U = torch.randn(trials, d, M, generator=g) / math.sqrt(d)
    p, targets = am.zipf(N, 1.5), torch.arange(N) % M
    curve = approx_error(res.q_curve, E, U, p, targets)
    assert curve.shape == (len(res.steps), trials) and curve.dtype == torch.float64
    loop = torch.stack([approx_error(res.q_curve[k], E, U, p, targets) for k in range(len(res.steps))])
    assert torch.equal(curve, loop)
    per_trial = torch.stack([approx_error(res.q_curve[:, t], E[t], U[t], p, targets) for t in range(trials)], -1)
    assert torch.equal(curve, per_trial)
    # step 0 is q = 0: every logit is 0, the tie goes to class 0
    assert torch.allclose(curve[0], p[targets != 0].sum().expand(trials))


@pytest.mark.parametrize("kwargs, name", [
    (dict(q=torch.ones(3, 4, dtype=torch.float64)), "q"),
    (dict(U=torch.randn(2, 8, 2)), "U"),
    (dict(p=torch.full((4,), 0.1, dtype=torch.float64)), "p"),
    (dict(targets=torch.tensor([0, 1, 2, -1])), "targets"),
])
def test_approx_error_refuses_inconsistent_arguments(kwargs, name):
    args = dict(q=torch.ones(4, dtype=torch.float64), E=torch.randn(2, 4, 8), U=torch.randn(2, 8, 3),
                p=am.zipf(4, 1.0), targets=torch.arange(4) % 3)
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        approx_error(**args)
