"""Tests for amtools.hopfield: classical, dense and modern Hopfield networks and distance energies."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from amtools import hopfield as hf
from seeded import gen

FAST = settings(max_examples=30, deadline=None, database=None)
SEEDS = st.integers(0, 2**31 - 1)


def binary(*shape: int, seed: int = 0, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    return torch.randint(0, 2, shape, generator=gen(seed)).to(dtype) * 2 - 1


def corrupt(x: torch.Tensor, rate: float, seed: int) -> torch.Tensor:
    flip = torch.rand(x.shape, generator=gen(seed + 1)) < rate
    return torch.where(flip, -x, x)


# ============================================================================ hebbian, energy

@FAST
@given(K=st.integers(1, 6), N=st.integers(1, 12), trials=st.integers(1, 3), seed=SEEDS)
def test_hebbian_is_symmetric_zero_diagonal_outer_product(K, N, trials, seed):
    X = binary(trials, K, N, seed=seed)
    W = hf.hebbian(X)
    assert W.shape == (trials, N, N)
    assert torch.equal(W, W.mT)
    assert torch.all(W.diagonal(dim1=-2, dim2=-1) == 0)
    ref = torch.einsum("tki,tkj->tij", X, X) / N
    off = ~torch.eye(N, dtype=torch.bool)
    torch.testing.assert_close(W[:, off], ref[:, off], rtol=0, atol=1e-12)


def test_hebbian_accepts_real_patterns_and_keeps_dtype():
    X = torch.randn(3, 5, generator=gen(0))
    W = hf.hebbian(X)
    assert W.dtype == torch.float32
    torch.testing.assert_close(W, (X.T @ X / 5).fill_diagonal_(0))


@FAST
@given(N=st.integers(1, 10), seed=SEEDS)
def test_energy_is_the_quadratic_form_and_broadcasts(N, seed):
    W = torch.randn(2, 1, N, N, generator=gen(seed), dtype=torch.float64)
    s = binary(3, N, seed=seed)
    E = hf.energy(W, s)
    assert E.shape == (2, 3)
    ref = -0.5 * torch.einsum("ti,abij,tj->abt", s, W, s)[:, 0]
    torch.testing.assert_close(E, ref)


# ============================================================================ recall

def reference_recall(W, states, sweeps, generator):
    """Unit by unit, element by element, with the same random orders as hf.recall ([b, N] per sweep)."""
    W = W.expand(*states.shape[:-1], *W.shape[-2:]).reshape(-1, *W.shape[-2:])
    s = states.reshape(-1, states.shape[-1]).clone()
    b, N = s.shape
    for _ in range(sweeps):
        order = torch.rand(b, N, generator=generator).argsort(-1)
        changed = False
        for e in range(b):
            for i in order[e].tolist():
                new = 1.0 if float(W[e, i] @ s[e]) >= 0 else -1.0
                changed |= new != float(s[e, i])
                s[e, i] = new
        if not changed:
            break
    return s.reshape(states.shape)


@FAST
@given(K=st.sampled_from([1, 3, 5, 7]), half_N=st.integers(2, 10), rate=st.floats(0, 0.5), seed=SEEDS)
def test_recall_batched_equals_unit_by_unit_reference(K, half_N, rate, seed):
    # K odd, N even: N h_i = sum_mu xi_i (xi . s) - K s_i is odd, so no tie and rounding cannot decide
    N = 2 * half_N
    X = binary(2, K, N, seed=seed)
    W = hf.hebbian(X)                                            # [2, N, N]
    s0 = corrupt(binary(2, 3, N, seed=seed + 7), rate, seed)      # [2, 3, N]
    out = hf.recall(W[:, None], s0, sweeps=4, generator=gen(seed))
    ref = reference_recall(W[:, None].expand(2, 3, N, N), s0, 4, gen(seed))
    assert torch.equal(out, ref)


@FAST
@given(K=st.integers(1, 8), N=st.integers(2, 24), rate=st.floats(0, 0.6), sweeps=st.integers(1, 5), seed=SEEDS)
def test_energy_never_increases_along_recall(K, N, rate, sweeps, seed):
    X = binary(K, N, seed=seed, dtype=torch.float32)
    W = hf.hebbian(X)
    s0 = corrupt(binary(4, N, seed=seed + 3, dtype=torch.float32), rate, seed)
    out, trace = hf.recall(W, s0, sweeps=sweeps, generator=gen(seed), return_energy=True)
    steps = trace.shape[0] - 1
    assert trace.shape[1:] == (4,) and steps % N == 0 and 1 <= steps // N <= sweeps
    assert torch.all(trace[1:] <= trace[:-1])                   # every single-unit update
    torch.testing.assert_close(trace[0], hf.energy(W, s0))
    torch.testing.assert_close(trace[-1], hf.energy(W, out), rtol=1e-5, atol=1e-4)
    assert torch.all(out.abs() == 1)


@FAST
@given(N=st.integers(2, 12), seed=SEEDS)
def test_energy_trace_of_a_non_symmetric_w_is_the_energy(N, seed):
    W = torch.randn(N, N, generator=gen(seed), dtype=torch.float64)
    s0 = binary(3, N, seed=seed)
    out, trace = hf.recall(W, s0, sweeps=2, generator=gen(seed), return_energy=True)
    # replay: the same orders, energy recomputed from scratch after every step
    s = s0.clone()
    order = torch.rand(3, N, generator=gen(seed)).argsort(-1)
    for t in range(N):
        i = order[:, t]
        for e in range(3):
            s[e, i[e]] = 1.0 if float(W[i[e]] @ s[e]) >= 0 else -1.0
        torch.testing.assert_close(trace[t + 1], hf.energy(W, s))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_stored_patterns_are_fixed_points_at_low_load(dtype):
    X = binary(3, 5, 200, seed=1, dtype=dtype)                  # 3 trials, load 5 / 200
    W = hf.hebbian(X)[:, None]                                  # [3, 1, N, N]: each trial's 5 patterns
    out, trace = hf.recall(W, X, generator=gen(0), return_energy=True)
    assert torch.equal(out, X) and out.dtype == dtype
    assert trace.shape == (201, 3, 5)                           # one sweep, nothing changed: stop
    # and they are attractors: 15 % corrupted probes come back
    assert torch.equal(hf.recall(W, corrupt(X, 0.15, 2), generator=gen(0)), X)


def test_sign_of_zero_is_plus_one():
    s = -torch.ones(2, 4)
    assert torch.equal(hf.recall(torch.zeros(4, 4), s, generator=gen(0)), torch.ones(2, 4))
    W = torch.tensor([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    out = hf.recall(W, torch.tensor([-1.0, 1.0, -1.0]), sweeps=1, generator=gen(0))
    assert out[0] == 1.0 or out[1] == 1.0                     # h_0 = 0 while units 1, 2 are unchanged


def test_recall_is_deterministic_given_the_generator_and_orders_differ_per_element():
    X = binary(20, 60, seed=3)
    W = hf.hebbian(X)                                           # load 1/3: many spurious states
    s0 = binary(1, 60, seed=4).expand(64, 60)                  # 64 copies of one probe
    a = hf.recall(W, s0, generator=gen(5))
    assert torch.equal(a, hf.recall(W, s0, generator=gen(5)))
    assert len({tuple(r.tolist()) for r in a}) > 1              # per-element orders: different endpoints


def test_recall_zero_sweeps_and_shapes():
    X = binary(2, 6, seed=0)
    s0 = binary(4, 6, seed=1)
    out, trace = hf.recall(hf.hebbian(X), s0, sweeps=0, return_energy=True)
    assert torch.equal(out, s0) and trace.shape == (1, 4)


# ============================================================================ overlap, flip probability

def test_overlap_broadcasts():
    X = binary(5, 8, seed=0)
    s = binary(3, 8, seed=1)
    m = hf.overlap(s[:, None, :], X)
    assert m.shape == (3, 5)
    torch.testing.assert_close(m, s @ X.T / 8)
    assert hf.overlap(X, X).eq(1).all() and hf.overlap(-X, X).eq(-1).all()


def test_flip_probability_values():
    assert hf.flip_probability(0.138) == pytest.approx(0.0036, abs=5e-5)
    assert hf.flip_probability(0.138) == pytest.approx(0.5 * math.erfc(1 / math.sqrt(0.276)), rel=1e-15)
    loads = torch.tensor([0.05, 0.1, 0.138, 0.5, 10.0], dtype=torch.float64)
    p = hf.flip_probability(loads)
    assert isinstance(p, torch.Tensor) and torch.all(p.diff() > 0) and p[-1] < 0.5
    torch.testing.assert_close(p, torch.tensor([hf.flip_probability(v) for v in loads.tolist()],
                                               dtype=torch.float64))
    assert isinstance(hf.flip_probability(torch.tensor(0.1)), torch.Tensor)


def test_flip_probability_matches_the_unstable_bits_of_stored_patterns():
    # the crosstalk of the zero-diagonal Hebbian field has variance (K - 1) / N: load (K - 1) / N
    N, K, trials = 400, 121, 6
    X = binary(trials, K, N, seed=11, dtype=torch.float32)
    h = X @ hf.hebbian(X)                                        # fields at the stored patterns (W symmetric)
    unstable = ((h * X) < 0).double().mean()
    p = hf.flip_probability((K - 1) / N)
    se = math.sqrt(p * (1 - p) / (trials * K * N))
    assert abs(unstable.item() - p) < 5 * se + 0.1 * p         # the crosstalk is only nearly Gaussian


# ============================================================================ dense associative memory

@FAST
@given(K=st.sampled_from([1, 3, 5]), half_N=st.integers(2, 12), rate=st.floats(0, 0.5), seed=SEEDS)
def test_dense_recall_with_a_2_is_classical_recall(K, half_N, rate, seed):
    N = 2 * half_N                                              # K odd, N even: no ties (see above)
    X = binary(K, N, seed=seed)
    s0 = corrupt(binary(4, N, seed=seed + 1), rate, seed)
    dense = hf.dense_recall(X, s0, a=2, sweeps=3, generator=gen(seed))
    classical = hf.recall(hf.hebbian(X), s0, sweeps=3, generator=gen(seed))
    assert torch.equal(dense, classical)


def test_dense_energy_with_a_2_is_the_classical_energy_rescaled():
    X, s = binary(4, 10, seed=0), binary(3, 10, seed=1)
    torch.testing.assert_close(hf.dense_energy(X, s, a=2), 2 * 10 * hf.energy(hf.hebbian(X), s) - 4 * 10)


@pytest.mark.parametrize("kind, a", [("poly", 2), ("poly", 3), ("poly", 4), ("exp", 3)])
def test_dense_stored_patterns_are_fixed_points_at_low_load(kind, a):
    X = binary(2, 6, 120, seed=2, dtype=torch.float32)          # 2 trials of 6 patterns
    P = X[:, None]                                              # [2, 1, 6, N]: per trial, for 6 probes
    assert torch.equal(hf.dense_recall(P, X, kind=kind, a=a, sweeps=2, generator=gen(0)), X)
    assert torch.equal(hf.dense_recall(P, corrupt(X, 0.15, 3), kind=kind, a=a, sweeps=3, generator=gen(0)), X)


@FAST
@given(kind_a=st.sampled_from([("poly", 2), ("poly", 3), ("poly", 5), ("exp", 1)]), K=st.integers(1, 12),
       N=st.integers(2, 16), seed=SEEDS)
def test_dense_energy_never_increases_along_dense_recall(kind_a, K, N, seed):
    kind, a = kind_a
    X = binary(K, N, seed=seed)
    s = binary(5, N, seed=seed + 1)
    E = hf.dense_energy(X, s, kind=kind, a=a)
    g = gen(seed)
    for _ in range(3):
        s = hf.dense_recall(X, s, kind=kind, a=a, sweeps=1, generator=g)
        E_new = hf.dense_energy(X, s, kind=kind, a=a)
        assert torch.all(E_new <= E + 1e-12 * E.abs())
        E = E_new


def test_dense_exp_is_safe_at_large_n():
    X = binary(12, 400, seed=4, dtype=torch.float32)
    probe = corrupt(X, 0.3, 5)
    assert torch.equal(hf.dense_recall(X, probe, kind="exp", sweeps=2, generator=gen(0)), X)
    assert torch.isinf(hf.dense_energy(X, X, kind="exp")).all()             # e^400 overflows float32
    torch.testing.assert_close(hf.dense_log_energy(X, X), -torch.logsumexp(X @ X.T, -1))
    small = binary(3, 20, seed=6)
    torch.testing.assert_close(hf.dense_log_energy(small, small),
                               -torch.log(-hf.dense_energy(small, small, kind="exp")))


# ============================================================================ modern Hopfield

@FAST
@given(K=st.integers(1, 8), d=st.integers(1, 6), beta=st.floats(0.01, 20), batch=st.integers(1, 3), seed=SEEDS)
def test_modern_update_is_single_query_attention(K, d, beta, batch, seed):
    g = gen(seed)
    X = torch.randn(batch, K, d, generator=g, dtype=torch.float64)
    xi = torch.randn(batch, d, generator=g, dtype=torch.float64)
    ref = F.scaled_dot_product_attention(xi[:, None, :], X, X, scale=beta)[:, 0]
    torch.testing.assert_close(hf.modern_update(X, xi, beta), ref)


@FAST
@given(K=st.integers(1, 8), d=st.integers(1, 6), beta=st.floats(0.05, 10), scale=st.floats(0.1, 3), seed=SEEDS)
def test_modern_energy_descends_and_stays_in_its_range(K, d, beta, scale, seed):
    g = gen(seed)
    X = scale * torch.randn(K, d, generator=g, dtype=torch.float64)
    xi = 2 * scale * torch.randn(4, d, generator=g, dtype=torch.float64)
    M2 = (X * X).sum(-1).max()
    E = hf.modern_energy(X, xi, beta)
    assert torch.all(E >= -1e-9 * M2)
    ref = (-torch.logsumexp(beta * xi @ X.T, -1) / beta + 0.5 * (xi * xi).sum(-1)
           + math.log(K) / beta + 0.5 * M2)
    torch.testing.assert_close(E, ref)
    for _ in range(5):
        xi = hf.modern_update(X, xi, beta)
        E_new = hf.modern_energy(X, xi, beta)
        assert torch.all(E_new <= E + 1e-9 * (1 + M2))
        assert torch.all(E_new >= -1e-9 * M2) and torch.all(E_new <= 2 * M2 * (1 + 1e-9))
        E = E_new
    assert hf.mchn_energy is hf.modern_energy


@FAST
@given(K=st.integers(2, 8), d=st.integers(1, 6), seed=SEEDS)
def test_separation_brute_force(K, d, seed):
    X = torch.randn(2, K, d, generator=gen(seed), dtype=torch.float64)
    delta = hf.separation(X)
    for t in range(2):
        for i in range(K):
            others = max(float(X[t, i] @ X[t, j]) for j in range(K) if j != i)
            assert delta[t, i].item() == pytest.approx(float(X[t, i] @ X[t, i]) - others, rel=1e-12, abs=1e-12)


# ============================================================================ distance energies

@FAST
@given(K=st.integers(1, 8), d=st.integers(1, 6), seed=SEEDS)
def test_distance_update_is_half_a_gradient_step(K, d, seed):
    g = gen(seed)
    P = torch.randn(3, K, d, generator=g, dtype=torch.float64)
    x = torch.randn(3, d, generator=g, dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(hf.distance_energy(P, x).sum(), x)
    torch.testing.assert_close(hf.distance_update(P, x.detach()), x.detach() - 0.5 * grad)


@FAST
@given(K=st.integers(1, 8), d=st.integers(1, 6), radius=st.floats(0.1, 4), seed=SEEDS)
def test_equal_norm_patterns_link_distance_and_modern_energies(K, d, radius, seed):
    g = gen(seed)
    P = torch.randn(K, d, generator=g, dtype=torch.float64)
    P = radius * P / P.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    x = torch.randn(5, d, generator=g, dtype=torch.float64)
    torch.testing.assert_close(hf.distance_energy(P, x), 2 * hf.modern_energy(P, x, 2.0) - math.log(K))
    torch.testing.assert_close(hf.distance_update(P, x), hf.modern_update(P, x, 2.0))


@FAST
@given(K=st.integers(1, 8), d=st.integers(1, 6), spread=st.floats(0.1, 5), seed=SEEDS)
def test_distance_energy_sandwich(K, d, spread, seed):
    g = gen(seed)
    P = spread * torch.randn(K, d, generator=g, dtype=torch.float64)
    x = spread * torch.randn(6, d, generator=g, dtype=torch.float64)
    E, nearest = hf.distance_energy(P, x), hf.nearest_distance(P, x)
    torch.testing.assert_close(nearest, torch.cdist(x, P).square().amin(-1))
    assert torch.all(nearest - math.log(K) <= E + 1e-9) and torch.all(E <= nearest + 1e-9)


@FAST
@given(sizes=st.lists(st.integers(1, 6), min_size=1, max_size=4), d=st.integers(1, 5),
       spread=st.floats(0.1, 1.5), seed=SEEDS)
def test_global_energy_sandwich(sizes, d, spread, seed):
    g = gen(seed)
    layers = [spread * torch.randn(k, d, generator=g, dtype=torch.float64) for k in sizes]
    x = spread * torch.randn(4, d, generator=g, dtype=torch.float64)
    E = hf.global_energy(layers, x)
    per_layer = torch.stack([hf.distance_energy(P, x) for P in layers])
    low = per_layer.amin(0)
    assert torch.all(low - math.log(len(layers)) <= E + 1e-9)
    if len(layers) == 1:
        torch.testing.assert_close(E, low)
    else:
        # E = low - log(1 + sum of exp(-(gap to each other layer))): strictly below low, but in float64
        # only while the gap to the second-lowest layer is small enough for exp(-gap) to register
        # (hypothesis found gaps near 39, where the correction underflows and E == low exactly).
        gap = per_layer.sort(0).values[1] - low
        assert torch.all(E <= low)
        assert torch.all(E[gap < 30] < low[gap < 30])
    torch.testing.assert_close(E, hf.distance_energy(torch.cat(layers), x))
    if len(set(sizes)) == 1:
        torch.testing.assert_close(hf.global_energy(torch.stack(layers), x), E)


# ============================================================================ dtypes, devices

def test_mixed_dtypes_are_promoted():
    X = binary(3, 8, seed=0, dtype=torch.float32)
    s = binary(2, 8, seed=1, dtype=torch.float64)
    assert hf.recall(hf.hebbian(X), s, generator=gen(0)).dtype == torch.float64
    assert hf.overlap(s, X[0]).dtype == torch.float64
    assert hf.modern_update(X, s, 1.0).dtype == torch.float64


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_with_a_cpu_generator():
    X = binary(3, 32, seed=0).cuda()
    out = hf.recall(hf.hebbian(X), X, generator=gen(0))
    assert out.is_cuda and torch.equal(out, X)
    assert hf.dense_recall(X, X, generator=gen(0)).is_cuda


@pytest.mark.parametrize("X_shape, xi_shape", [((7, 5), (3, 5)), ((4, 1, 7, 5), (4, 3, 5)), ((7, 5), (5,)),
                                                ((2, 7, 5), (3, 1, 5)), ((1, 7, 5), (2, 3, 5))])
def test_modern_update_folds_shared_pattern_sets_without_changing_the_result(X_shape, xi_shape):
    """Queries sharing a pattern set are stacked into one GEMM; the result equals the plain broadcast."""
    g = torch.Generator().manual_seed(0)
    X = torch.randn(*X_shape, dtype=torch.float64, generator=g)
    xi = torch.randn(*xi_shape, dtype=torch.float64, generator=g)
    p = torch.softmax(0.7 * (xi.unsqueeze(-2) @ X.mT).squeeze(-2), dim=-1)
    ref = (p.unsqueeze(-2) @ X).squeeze(-2)
    out = hf.modern_update(X, xi, 0.7)
    assert out.shape == ref.shape
    assert torch.allclose(out, ref, rtol=0, atol=1e-12)
