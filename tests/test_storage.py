"""Tests of amtools.storage: the batched (d, T) error grid and the storage weights."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
import torch

from amtools import (decode, fit_power_law, generalization_error, memory_matrix, scores,
                     token_counts, unseen_mass, zipf)
from amtools.storage import SCHEMES, _at_dim, _draw, error_grid, storage_weights

CPU = torch.device("cpu")
TOPS = {"fill": None, "frequency": None, "power": None, "threshold": lambda d: d // 2}


def reference_q(tokens_t, key_t, p, T, scheme, rho, P):
    """q for one trial by plain Python: counts, then the scheme, ranking by hand."""
    N = p.numel()
    if T == math.inf:
        w = {"fill": torch.ones(N, dtype=torch.float64), "frequency": p.clone(),
             "power": p ** rho, "threshold": p ** rho}[scheme]
        if scheme == "threshold":
            w = w * (torch.arange(N) < P)
        return w
    counts = np.bincount(tokens_t[:T].numpy(), minlength=N).astype(float)
    phat = counts / T
    if scheme == "fill":
        w = (counts > 0).astype(float)
    elif scheme == "frequency":
        w = phat
    else:
        w = np.where(counts > 0, phat ** rho, 0.0)
    if scheme == "threshold":
        seen = [x for x in range(N) if counts[x] > 0]
        seen.sort(key=lambda x: (-counts[x], -key_t[x].item()))   # exact ties: larger key first
        keep = np.zeros(N)
        keep[seen[:P]] = 1.0
        w = w * keep
    return torch.from_numpy(w)


def at_dim(X, d, embeddings):
    """The embeddings at dimension d, by hand: N(0, 1/d) entries or unit rows."""
    Xd = X[..., :d]
    if embeddings == "sphere":
        return Xd / Xd.norm(dim=-1, keepdim=True)
    return Xd * math.sqrt(X.shape[-1] / d)


def reference_grid(N, M, alpha, ds, Ts, scheme, *, rho, top, trials, seed, dtype=torch.float64,
                   embeddings="gaussian"):
    """Per trial, d and T: memory_matrix + decode + generalization_error in float64
    (from the draws error_grid makes in ``dtype``)."""
    finite = [T for T in Ts if T != math.inf]
    draws = _draw(N, M, alpha, max(ds), max(finite, default=0), trials, seed, embeddings,
                  CPU, dtype)
    p, E_max, U_max = draws["p"], draws["E"].double(), draws["U"].double()
    targets = torch.arange(N) % M
    out = torch.empty(trials, len(ds), len(Ts), dtype=torch.float64)
    for t in range(trials):
        for i, d in enumerate(ds):
            P = top(d) if callable(top) else top
            E, U = at_dim(E_max[t], d, embeddings), at_dim(U_max[t], d, embeddings)
            for j, T in enumerate(Ts):
                tok = draws["tokens"][t] if draws["tokens"] is not None else None
                q = reference_q(tok, draws["tie_key"][t], p, T, scheme, rho, P)
                W = memory_matrix(q, E, U, targets)
                out[t, i, j] = generalization_error(decode(W, E, U), targets, p)
    return out


@pytest.mark.parametrize("embeddings", ["gaussian", "sphere"])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_error_grid_matches_plain_reference(scheme, embeddings):
    N, M, ds, Ts = 40, 3, [4, 16, 64], [3, 30, math.inf, 10]
    kw = dict(rho=0.5, top=TOPS[scheme], trials=3, seed=7, embeddings=embeddings)
    got = error_grid(N, M, 1.3, ds, Ts, scheme, device="cpu", dtype=torch.float64, **kw)
    assert got.shape == (3, 3, 4) and got.dtype == torch.float64
    want = reference_grid(N, M, 1.3, ds, Ts, scheme, **kw)
    torch.testing.assert_close(got, want, atol=1e-9, rtol=0)
    # float32 matmuls: same predictions except at (rare) float32 near-ties
    got32 = error_grid(N, M, 1.3, ds, Ts, scheme, device="cpu", **kw)
    want32 = reference_grid(N, M, 1.3, ds, Ts, scheme, dtype=torch.float32, **kw)
    assert (got32 - want32).abs().max() < 0.05
    assert torch.isclose(got32, want32, atol=1e-6).float().mean() > 0.9


def test_threshold_with_int_top_and_chunking_match_reference():
    kw = dict(rho=0.0, top=5, trials=2, seed=3)
    got = error_grid(30, 4, 1.0, [8, 32], [5, 50, math.inf], "threshold", device="cpu",
                     dtype=torch.float64, chunk=7, **kw)
    want = reference_grid(30, 4, 1.0, [8, 32], [5, 50, math.inf], "threshold", **kw)
    torch.testing.assert_close(got, want, atol=1e-9, rtol=0)


def test_scores_are_B_times_G():
    """The transpose: s = (E A^T)(U U^T) equals scores(memory_matrix(...))."""
    g = torch.Generator().manual_seed(0)
    N, M, d = 9, 4, 6
    E, U, q = torch.randn(N, d, generator=g), torch.randn(M, d, generator=g), torch.rand(N, generator=g)
    targets = torch.tensor([0, 1, 2, 3, 0, 1, 1, 3, 2])
    A = (torch.nn.functional.one_hot(targets, M).float() * q[:, None]).T @ E
    torch.testing.assert_close((E @ A.T) @ (U @ U.T), scores(memory_matrix(q, E, U, targets), E, U))


def test_Ts_order_and_duplicates_are_consistent():
    a = error_grid(50, 5, 1.5, [8, 20], [10, 100, math.inf], "power", rho=0.5, trials=4, device="cpu")
    b = error_grid(50, 5, 1.5, [8, 20], [math.inf, 100, 10, 100], "power", rho=0.5, trials=4, device="cpu")
    torch.testing.assert_close(b[..., [2, 1, 0]], a)
    torch.testing.assert_close(b[..., 3], b[..., 1])
    c = error_grid(50, 5, 1.5, [8, 20], [10], "fill", trials=4, embeddings="sphere", device="cpu")
    assert c.shape == (4, 2, 1) and ((c >= 0) & (c <= 1)).all()


def test_fill_population_error_vanishes_when_d_much_larger_than_N():
    err = error_grid(20, 5, 1.0, [5, 50, 500, 5000], [math.inf], "fill", trials=20, device="cpu")
    mean = err.mean(0)[:, 0]
    assert (mean[1:] <= mean[:-1] + 1e-12).all(), mean
    assert mean[0] > 0.2 and mean[-1] < 1e-3, mean


def test_threshold_does_not_leak_population_order():
    """Keep everything seen, small T: unseen inputs are not stored, so they cost (1 - 1/M) of their mass."""
    N, M, T, trials = 200, 5, 20, 30
    err = error_grid(N, M, 1.5, [64], [T], "threshold", rho=0.0, top=lambda d: N,
                     trials=trials, seed=1, device="cpu")[:, 0, 0]
    draws = _draw(N, M, 1.5, 64, T, trials, 1, "gaussian", CPU, torch.float32)
    unseen = (token_counts(draws["tokens"], N) == 0).double() @ draws["p"]       # per trial
    assert unseen.mean() > 0.1
    assert (err.mean() >= (1 - 1 / M) * 0.5 * unseen.mean()), (err.mean(), unseen.mean())
    assert abs(unseen.mean() - unseen_mass(draws["p"], T)) < 0.05


def test_threshold_weights_only_keep_seen_inputs_and_break_ties_at_random():
    counts = torch.zeros(4, 100, dtype=torch.float64)
    counts[:, 50:] = 1.0            # 50 seen inputs, all tied
    counts[:, 99] = 3.0             # the most frequent seen input has the largest index
    g = torch.Generator().manual_seed(0)
    q = storage_weights(counts, "threshold", rho=0.0, top=10, generator=g)
    kept = q > 0
    assert (kept.sum(-1) == 10).all() and not kept[:, :50].any() and kept[:, 99].all()
    assert not kept[:, 50:59].all(-1).any()                 # not the 9 smallest indices
    assert len({tuple(k.nonzero().flatten().tolist()) for k in kept}) > 1   # differs across trials
    # more room than seen inputs: exactly the seen ones are kept, never an unseen one
    q = storage_weights(counts, "threshold", rho=1.0, top=80, generator=g)
    torch.testing.assert_close(q, counts / counts.sum(-1, keepdim=True))


def test_storage_weights_schemes():
    counts = torch.tensor([4.0, 0.0, 1.0, 3.0])
    torch.testing.assert_close(storage_weights(counts, "fill"), torch.tensor([1.0, 0, 1, 1], dtype=torch.float64))
    torch.testing.assert_close(storage_weights(counts, "frequency"), counts.double() / 8)
    torch.testing.assert_close(storage_weights(counts, "power", rho=0.0), storage_weights(counts, "fill"))
    torch.testing.assert_close(storage_weights(counts, "power", rho=2.0), (counts.double() / 8) ** 2)
    p = torch.tensor([0.5, 0.3, 0.2], dtype=torch.float64)
    torch.testing.assert_close(storage_weights(p, "fill", population=True), torch.ones(3, dtype=torch.float64))
    torch.testing.assert_close(storage_weights(p, "threshold", rho=0.5, top=2, population=True),
                               torch.tensor([0.5 ** 0.5, 0.3 ** 0.5, 0.0], dtype=torch.float64))


def test_fig1_slopes():
    """Reference checks 8.1.1 and 8.1.2: T = inf, N=1000, M=5, alpha=2."""
    ds = [10, 32, 100, 316, 1000]
    thr = error_grid(1000, 5, 2.0, ds, [math.inf], "threshold", rho=0.0, top=lambda d: d // 8,
                     trials=20, device="cpu").mean(0)[:, 0]
    freq = error_grid(1000, 5, 2.0, ds, [math.inf], "frequency", trials=20, device="cpu").mean(0)[:, 0]
    assert abs(fit_power_law(ds, thr).exponent + 1.0) < 0.15, thr
    assert abs(fit_power_law(ds, freq).exponent + 0.28) < 0.1, freq
    assert abs(thr[0] - 0.32) < 0.1 and abs(freq[0] - 0.21) < 0.06


def test_large_N_runs_in_chunks_quickly():
    start = time.perf_counter()
    err = error_grid(10**5, 5, 2.0, [100], [100], "fill", trials=2, device="cpu")
    assert time.perf_counter() - start < 10
    assert err.shape == (2, 1, 1) and ((err > 0) & (err < 1)).all()
    # reference 8.1.8 (q_0 near its minimum at T ~ 100, error ~ 0.06)
    assert abs(err.mean() - 0.06) < 0.04


@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(N=0), ValueError, "N"), (dict(N=2.5), TypeError, "N"), (dict(M=1), ValueError, "M"),
    (dict(alpha=-1.0), ValueError, "alpha"), (dict(ds=[]), ValueError, "ds"),
    (dict(ds=[0]), ValueError, "ds"), (dict(ds=5), TypeError, "ds"), (dict(ds=[4.5]), ValueError, "ds"),
    (dict(ds=[math.inf]), ValueError, "ds"), (dict(ds=torch.tensor([math.inf])), ValueError, "ds"),
    (dict(ds=[True]), TypeError, "ds"), (dict(ds=[float("nan")]), ValueError, "ds"),
    (dict(Ts=[]), ValueError, "Ts"), (dict(Ts=[0]), ValueError, "Ts"), (dict(Ts=[2.5]), ValueError, "Ts"),
    (dict(Ts=[-math.inf]), ValueError, "Ts"), (dict(Ts="10"), TypeError, "Ts"),
    (dict(Ts=torch.tensor([2.5])), ValueError, "Ts"), (dict(Ts=torch.tensor([1 + 1j])), TypeError, "Ts"),
    (dict(seed=2**64), ValueError, "seed"), (dict(seed=10**400), ValueError, "seed"),
    (dict(seed=True), TypeError, "seed"), (dict(seed=torch.tensor(True)), TypeError, "seed"),
    (dict(trials=torch.tensor(1 + 0j)), TypeError, "trials"), (dict(N=10**400), ValueError, "N"),
    (dict(dtype=torch.float16), ValueError, "dtype"), (dict(dtype=torch.int64), ValueError, "dtype"),
    (dict(dtype="float32"), TypeError, "dtype"), (dict(dtype=None), TypeError, "dtype"),
    (dict(device="gpu"), ValueError, "device"), (dict(device=0), TypeError, "device"),
    (dict(embeddings=None), ValueError, "embeddings"), (dict(chunk=0), ValueError, "chunk"),
    (dict(scheme="threshold", top=lambda d: True), TypeError, "top"),
    (dict(scheme="bogus"), ValueError, "scheme"), (dict(rho=-1.0), ValueError, "rho"),
    (dict(scheme="threshold"), ValueError, "top"), (dict(top=3), ValueError, "top"),
    (dict(scheme="threshold", top=-1), ValueError, "top"),
    (dict(scheme="threshold", top="a"), TypeError, "top"),
    (dict(scheme="threshold", top=lambda d: -1), ValueError, "top"),
    (dict(trials=0), ValueError, "trials"), (dict(seed=-1), ValueError, "seed"),
    (dict(embeddings="orthonormal"), ValueError, "embeddings"),
])
def test_error_grid_validation_names_the_argument(kwargs, exc, name):
    args = dict(N=10, M=3, alpha=1.0, ds=[4], Ts=[5], scheme="fill", trials=1, device="cpu")
    args.update(kwargs)
    with pytest.raises(exc, match=name):
        error_grid(**args)


def test_storage_weights_validation():
    c = torch.tensor([1.0, 0.0])
    with pytest.raises(ValueError, match="scheme"):
        storage_weights(c, "nope")
    with pytest.raises(ValueError, match="top"):
        storage_weights(c, "threshold")
    with pytest.raises(TypeError, match="top"):
        storage_weights(c, "threshold", top=lambda d: 1)
    with pytest.raises(ValueError, match="counts_or_p"):
        storage_weights(torch.tensor([-1.0]), "fill")
    with pytest.raises(TypeError, match="counts_or_p"):
        storage_weights([1.0], "fill")
    with pytest.raises(ValueError, match="rho"):
        storage_weights(c, "power", rho=-0.5)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message without CUDA")
def test_error_grid_cuda_without_cuda_is_a_clear_value_error():
    with pytest.raises(ValueError, match="device 'cuda'.*CUDA"):
        error_grid(10, 3, 1.0, [4], [5], "fill", trials=1, device="cuda")


def test_storage_weights_rejects_non_finite_and_bad_flags():
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match="counts_or_p"):
            storage_weights(torch.tensor([1.0, bad]), "fill")
    with pytest.raises(TypeError, match="counts_or_p"):
        storage_weights(torch.tensor([1 + 0j]), "fill")
    with pytest.raises(TypeError, match="population"):
        storage_weights(torch.tensor([1.0]), "fill", population=1)
    with pytest.raises(TypeError, match="generator"):
        storage_weights(torch.tensor([1.0]), "threshold", top=1, generator=0)
    with pytest.raises(TypeError, match="top"):
        storage_weights(torch.tensor([1.0]), "threshold", top=torch.tensor(True))
    with pytest.raises(ValueError, match="scheme"):
        storage_weights(torch.tensor([1.0]), None)


# ---------------------------------------------------------------- issue 7, wrong result 1: per-d embeddings

@pytest.mark.parametrize("embeddings", ["gaussian", "sphere"])
def test_embeddings_at_each_d_have_the_law_of_that_d(embeddings):
    """From one d_max = 64 draw: unit rows (sphere) or N(0, 1/d) entries (gaussian) at every d."""
    draws = _draw(50, 5, 1.0, 64, 0, 200, 3, embeddings, CPU, torch.float64)
    for d in (1, 2, 7, 64):
        for X in (draws["E"], draws["U"]):
            Xd = _at_dim(X, d, embeddings)
            assert Xd.shape == X.shape[:-1] + (d,)
            torch.testing.assert_close(Xd[..., :1] / Xd[..., :1].abs(), X[..., :1] / X[..., :1].abs())
            if embeddings == "sphere":
                torch.testing.assert_close(Xd.norm(dim=-1), torch.ones(X.shape[:-1], dtype=torch.float64))
        E = _at_dim(draws["E"], d, embeddings)
        n = E.numel()                                   # 10,000 x d entries: var within ~4 %
        var = E.pow(2).mean().item()
        assert abs(var - 1 / d) < 5 * (2 / n) ** 0.5 / d, (d, var)
        assert abs(E.pow(2).sum(-1).mean().item() - 1.0) < 0.05


@pytest.mark.parametrize("embeddings", ["gaussian", "sphere"])
def test_error_at_small_d_does_not_depend_on_the_other_ds(embeddings):
    """Regression (issue 7): d = 2 run alongside d = 64 has the error law of d = 2 alone.

    With the raw prefix of a 64-dimensional unit vector, the sphere mean error was off by about
    10 standard errors of the difference (0.695 vs 0.660 here); now it agrees within 4.
    """
    kw = dict(trials=2000, device="cpu", embeddings=embeddings)
    alone = error_grid(50, 5, 1.0, [2], [math.inf], "frequency", seed=1, **kw)[:, 0, 0]
    shared = error_grid(50, 5, 1.0, [2, 64], [math.inf], "frequency", seed=2, **kw)[:, 0, 0]
    se = math.sqrt(alone.var().item() / len(alone) + shared.var().item() / len(shared))
    assert abs(alone.mean().item() - shared.mean().item()) < 4 * se, (alone.mean(), shared.mean(), se)


def test_gaussian_rescaling_does_not_change_the_argmax():
    """The gaussian prefix is rescaled to N(0, 1/d): scores scale by a positive factor, errors are unchanged."""
    a = error_grid(40, 4, 1.2, [3, 9, 27], [20, math.inf], "power", rho=0.7, trials=5, seed=4,
                   device="cpu", dtype=torch.float64)
    draws = _draw(40, 4, 1.2, 27, 20, 5, 4, "gaussian", CPU, torch.float64)
    targets = torch.arange(40) % 4
    for i, d in enumerate([3, 9, 27]):
        E, U = draws["E"][..., :d], draws["U"][..., :d]          # raw prefixes, not rescaled
        q = storage_weights(draws["p"], "power", rho=0.7, population=True)
        for t in range(5):
            pred = decode(memory_matrix(q, E[t], U[t], targets), E[t], U[t])
            assert a[t, i, 1].item() == pytest.approx(float(generalization_error(pred, targets, draws["p"])), abs=1e-12)


# ---------------------------------------------------------------- issue 7, wrong result 2: exact ties only

def test_threshold_keeps_the_most_frequent_input_for_every_seed():
    """Regression (issue 7): frequencies 0.36 > 0.34 > 0.30 with top = 1 keep input 0, always."""
    freq = torch.tensor([0.36, 0.34, 0.30], dtype=torch.float64)
    for seed in range(100):
        q = storage_weights(freq, "threshold", rho=1.0, top=1, generator=torch.Generator().manual_seed(seed))
        assert q.tolist() == [0.36, 0.0, 0.0], (seed, q)
    # tiny gaps too, in one batch of 2,000 independent rows (float32 input)
    rows = torch.tensor([0.25, 0.2500001, 0.25, 0.2499999], dtype=torch.float32).expand(2000, 4)
    q = storage_weights(rows, "threshold", rho=0.0, top=2, generator=torch.Generator().manual_seed(0))
    assert (q[:, 1] == 1).all() and (q[:, 3] == 0).all()
    assert 800 < (q[:, 0] == 1).sum() < 1200                   # the exact tie 0 vs 2: about half each


def test_threshold_orders_counts_differing_by_one():
    g = torch.Generator().manual_seed(1)
    for _ in range(20):
        counts = 5.0 + torch.randint(0, 2, (8, 30), generator=g).double()      # 5s and 6s
        counts[:, :3] = 0.0
        sixes = (counts == 6).sum(-1, keepdim=True)
        for top in (1, 4, 12):
            kept = storage_weights(counts, "threshold", rho=0.0, top=top, generator=g) > 0
            # the top min(top, #sixes) are all sixes
            assert (torch.where(kept, counts, torch.zeros_like(counts)).eq(6).sum(-1, keepdim=True)
                    == torch.clamp(sixes, max=top)).all()
            # every kept count >= every dropped seen count
            low_kept = torch.where(kept, counts, torch.full_like(counts, math.inf)).amin(-1)
            high_dropped = torch.where(~kept & (counts > 0), counts, torch.zeros_like(counts)).amax(-1)
            assert (low_kept >= high_dropped).all()
            assert (kept.sum(-1) == torch.clamp((counts > 0).sum(-1), max=top)).all()
            assert not kept[:, :3].any()


def test_threshold_breaks_exact_ties_at_random_and_reproducibly():
    counts = torch.tensor([2.0, 2.0, 1.0, 0.0])
    kept0 = []
    for seed in range(200):
        q = storage_weights(counts, "threshold", rho=0.0, top=1, generator=torch.Generator().manual_seed(seed))
        again = storage_weights(counts, "threshold", rho=0.0, top=1,
                                generator=torch.Generator().manual_seed(seed))
        assert torch.equal(q, again)
        assert q[2:].tolist() == [0.0, 0.0] and q[:2].sum() == 1
        kept0.append(q[0].item() == 1)
    # both orders occur, about half each (binomial(200, 1/2): 4 sd = 28)
    assert 100 - 28 < sum(kept0) < 100 + 28
    # population: ties by index, no randomness
    p = torch.tensor([0.25, 0.25, 0.25, 0.25], dtype=torch.float64)
    assert storage_weights(p, "threshold", rho=0.0, top=2, population=True).tolist() == [1, 1, 0, 0]


def test_threshold_population_ranks_by_value():
    p = torch.tensor([0.1, 0.5, 0.15, 0.25], dtype=torch.float64)
    q = storage_weights(p, "threshold", rho=1.0, top=2, population=True)
    assert q.tolist() == [0.0, 0.5, 0.0, 0.25]


def test_error_grid_threshold_tie_break_is_seeded():
    """Same seed, same grid; another seed differs; counts-ties use the grid's own tie keys."""
    kw = dict(rho=0.0, top=lambda d: d // 2, trials=6, device="cpu")
    a = error_grid(60, 4, 0.5, [8, 16], [15, 40], "threshold", seed=3, **kw)
    b = error_grid(60, 4, 0.5, [8, 16], [15, 40], "threshold", seed=3, **kw)
    c = error_grid(60, 4, 0.5, [8, 16], [15, 40], "threshold", seed=4, **kw)
    assert torch.equal(a, b) and not torch.equal(a, c)


# ---------------------------------------------------------------- issue 7: one rule for sizes, dtypes

def test_error_grid_sizes_as_tensors_or_lists_agree():
    kw = dict(trials=3, seed=5, device="cpu")
    a = error_grid(30, 3, 1.0, [4, 8], [10, math.inf], "fill", **kw)
    b = error_grid(30, 3, 1.0, torch.tensor([4.0, 8.0]), torch.tensor([10.0, math.inf]), "fill", **kw)
    c = error_grid(30, 3, 1.0, (4, 8.0), np.array([10, math.inf]), "fill", **kw)
    assert torch.equal(a, b) and torch.equal(a, c)


def test_error_grid_float32_and_float64_agree_up_to_rounding():
    kw = dict(rho=0.5, trials=8, seed=2, device="cpu")
    a = error_grid(80, 5, 1.1, [6, 20, 60], [30, math.inf], "power", dtype=torch.float32, **kw)
    b = error_grid(80, 5, 1.1, [6, 20, 60], [30, math.inf], "power", dtype=torch.float64, **kw)
    assert (a == b).double().mean() > 0.9 and (a - b).abs().max() < 0.05


# ---------------------------------------------------------------- mutation-testing additions

def test_top_required_message_says_what_top_may_be():
    counts = torch.tensor([3.0, 1.0])
    with pytest.raises(ValueError, match=r"^top is required with scheme='threshold' \(an int >= 0\)$"):
        storage_weights(counts, "threshold")
    with pytest.raises(ValueError, match=r"^top is required with scheme='threshold' "
                                         r"\(an int >= 0 or a callable d -> P\)$"):
        error_grid(5, 2, 1.0, [2], [3], "threshold", trials=1, device="cpu")


def test_threshold_top_zero_keeps_nothing():
    counts = torch.tensor([[4.0, 0.0, 2.0], [1.0, 1.0, 1.0]])
    assert storage_weights(counts, "threshold", top=0).tolist() == [[0.0] * 3] * 2
    p = torch.tensor([0.5, 0.3, 0.2], dtype=torch.float64)
    assert storage_weights(p, "threshold", top=0, population=True).tolist() == [0.0] * 3


def test_error_grid_callable_top_may_be_zero_at_small_d():
    kw = dict(rho=1.0, top=lambda d: 0 if d < 8 else 3, trials=2, seed=4)
    got = error_grid(12, 3, 1.0, [4, 16], [6, math.inf], "threshold", device="cpu", dtype=torch.float64, **kw)
    want = reference_grid(12, 3, 1.0, [4, 16], [6, math.inf], "threshold", **kw)
    torch.testing.assert_close(got, want, atol=1e-9, rtol=0)


def test_threshold_population_breaks_ties_by_index_for_many_inputs():
    """A uniform law (alpha = 0), N = 100: the ``top`` kept inputs are the first ``top`` indices."""
    p = torch.full((100,), 0.01, dtype=torch.float64)
    q = storage_weights(p, "threshold", top=10, population=True)
    assert torch.equal(q > 0, torch.arange(100) < 10)


@pytest.mark.parametrize("population", [False, True])
@pytest.mark.parametrize("rho", [0.0, 0.5, 1.0])
def test_threshold_with_top_N_is_power(population, rho):
    """Keeping the ``top = N`` largest inputs keeps them all: threshold is then power (zeros included)."""
    x = torch.tensor([[0.5, 0.0, 0.25, 0.25], [0.0, 0.0, 0.0, 1.0]], dtype=torch.float64)
    if not population:
        x = x * 8
    want = storage_weights(x, "power", rho=rho, population=population)
    got = storage_weights(x, "threshold", rho=rho, top=4, population=population)
    torch.testing.assert_close(got, want, atol=0, rtol=0)


def test_storage_weights_default_rho_is_one():
    counts = torch.tensor([6.0, 0.0, 3.0, 1.0])
    assert torch.equal(storage_weights(counts, "power"), storage_weights(counts, "frequency"))
    assert torch.equal(storage_weights(counts, "threshold", top=2, generator=torch.Generator().manual_seed(0)),
                       torch.tensor([0.6, 0.0, 0.3, 0.0], dtype=torch.float64))


def test_population_fill_stores_every_input_even_of_zero_probability():
    p = torch.tensor([0.6, 0.4, 0.0], dtype=torch.float64)
    assert storage_weights(p, "fill", population=True).tolist() == [1.0, 1.0, 1.0]
    assert storage_weights(p * 10, "fill").tolist() == [1.0, 1.0, 0.0]


def test_threshold_without_generator_keeps_the_top_counts():
    counts = torch.tensor([[5, 3, 0, 1], [0, 2, 7, 1]])
    q = storage_weights(counts, "threshold", top=2)
    assert q.dtype == torch.float64
    torch.testing.assert_close(q, torch.tensor([[5 / 9, 3 / 9, 0, 0], [0, 0.2, 0.7, 0]], dtype=torch.float64))


@pytest.mark.parametrize("N, M, ds, Ts", [(1, 2, [1], [1, math.inf]), (3, 5, [1, 3], [1, 2, math.inf]),
                                          (7, 2, [1, 2, 5], [1, 4, math.inf])])
def test_error_grid_smallest_sizes_match_reference(N, M, ds, Ts):
    """N = 1, N < M, M = 2, d = 1, T = 1 and chunk = 1 are all valid."""
    kw = dict(rho=0.5, top=None, trials=2, seed=1)
    got = error_grid(N, M, 1.0, ds, Ts, "power", device="cpu", dtype=torch.float64, chunk=1, **kw)
    want = reference_grid(N, M, 1.0, ds, Ts, "power", **kw)
    assert got.shape == (2, len(ds), len(Ts))
    torch.testing.assert_close(got, want, atol=1e-9, rtol=0)


def test_error_grid_defaults():
    """Defaults: rho = 1, 100 trials, seed 0, float32, gaussian embeddings."""
    got = error_grid(10, 2, 1.0, [4], [5, math.inf], "power", device="cpu")
    assert got.shape == (100, 1, 2) and got.dtype == torch.float64
    want = error_grid(10, 2, 1.0, [4], [5, math.inf], "power", device="cpu", rho=1.0, trials=100, seed=0,
                      dtype=torch.float32, embeddings="gaussian", chunk=8192)
    assert torch.equal(got, want)
    assert torch.equal(got, error_grid(10, 2, 1.0, [4], [5, math.inf], "frequency", device="cpu"))


@pytest.mark.parametrize("scheme", ["fill", "threshold"])
def test_error_grid_population_only_matches_reference(scheme):
    """Ts = [inf] alone: no sample is needed, the weights come from p itself."""
    kw = dict(rho=1.0, top=(lambda d: d // 2) if scheme == "threshold" else None, trials=2, seed=6)
    got = error_grid(20, 3, 1.2, [4, 12], [math.inf], scheme, device="cpu", dtype=torch.float64, **kw)
    want = reference_grid(20, 3, 1.2, [4, 12], [math.inf], scheme, **kw)
    torch.testing.assert_close(got, want, atol=1e-9, rtol=0)


@pytest.mark.parametrize("scheme", ["fill", "power"])
def test_population_stores_inputs_whose_probability_underflows(scheme):
    """alpha = 500: p(x) underflows to 0 for x >= 4, yet population fill (or power with rho = 0)
    still stores every input with weight 1, as storage_weights(p, population=True) does."""
    p = zipf(6, 500.0)
    assert (p == 0).any()
    assert storage_weights(p, scheme, rho=0.0, population=True).tolist() == [1.0] * 6
    kw = dict(rho=0.0, top=None, trials=16, seed=0)
    got = error_grid(6, 2, 500.0, [2, 3], [math.inf], scheme, device="cpu", dtype=torch.float64, **kw)
    want = reference_grid(6, 2, 500.0, [2, 3], [math.inf], scheme, **kw)
    torch.testing.assert_close(got, want, atol=0, rtol=1e-9)
