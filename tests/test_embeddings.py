"""Tests of amtools.embeddings.random_embeddings."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from amtools import random_embeddings

FAST = settings(max_examples=30, deadline=None, database=None)


@FAST
@given(n=st.integers(1, 12), extra=st.integers(0, 10), trials=st.integers(1, 3),
       seed=st.integers(0, 2**31 - 1))
def test_orthonormal_rows_are_orthonormal(n, extra, trials, seed):
    d = n + extra
    E = random_embeddings(n, d, trials, "orthonormal", torch.Generator().manual_seed(seed),
                          dtype=torch.float64)
    assert E.shape == (trials, n, d) and E.dtype == torch.float64
    for t in range(trials):
        gram = E[t].numpy() @ E[t].numpy().T
        np.testing.assert_allclose(gram, np.eye(n), atol=1e-12)


def test_orthonormal_float32_default_and_square_case():
    E = random_embeddings(16, 16, 2, "orthonormal")
    assert E.dtype == torch.float32
    torch.testing.assert_close(E @ E.transpose(1, 2), torch.eye(16).expand(2, 16, 16),
                               atol=1e-5, rtol=0)


@FAST
@given(n=st.integers(1, 20), d=st.integers(1, 20), seed=st.integers(0, 2**31 - 1))
def test_sphere_rows_have_unit_norm(n, d, seed):
    E = random_embeddings(n, d, 2, "sphere", torch.Generator().manual_seed(seed),
                          dtype=torch.float64)
    assert E.shape == (2, n, d)
    np.testing.assert_allclose(E.norm(dim=-1).numpy(), np.ones((2, n)), atol=1e-12)


def test_gaussian_entries_have_variance_one_over_d():
    d = 64
    E = random_embeddings(2000, d, 1, "gaussian", torch.Generator().manual_seed(0),
                          dtype=torch.float64)[0]
    assert abs(E.mean().item()) < 0.005
    assert E.var().item() == pytest.approx(1 / d, rel=0.03)
    # squared norms are about 1, inner products of distinct rows about N(0, 1/d)
    assert E.pow(2).sum(-1).mean().item() == pytest.approx(1.0, rel=0.02)
    inner = (E[:1000] * E[1000:]).sum(-1)
    assert inner.var().item() == pytest.approx(1 / d, rel=0.15)


def test_gaussian_is_a_scaled_standard_normal_draw():
    gen = torch.Generator().manual_seed(5)
    E = random_embeddings(3, 4, 2, "gaussian", gen, dtype=torch.float64)
    raw = torch.randn(2, 3, 4, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    torch.testing.assert_close(E, raw / 2.0)


@pytest.mark.parametrize("kind", ["gaussian", "sphere", "orthonormal"])
def test_reproducible_with_seeded_generator_and_trials_differ(kind):
    a = random_embeddings(4, 8, 3, kind, torch.Generator().manual_seed(1))
    b = random_embeddings(4, 8, 3, kind, torch.Generator().manual_seed(1))
    c = random_embeddings(4, 8, 3, kind, torch.Generator().manual_seed(2))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    assert not torch.equal(a[0], a[1])


def test_default_arguments():
    E = random_embeddings(3, 5)
    assert E.shape == (1, 3, 5) and E.dtype == torch.float32 and E.device.type == "cpu"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_generator_sets_device():
    gen = torch.Generator(device="cuda").manual_seed(0)
    E = random_embeddings(4, 8, 2, "orthonormal", gen)
    assert E.device.type == "cuda"


@pytest.mark.parametrize("n, exc", [(0, ValueError), (-2, ValueError), (2.5, TypeError),
                                    ("3", TypeError)])
def test_rejects_bad_n(n, exc):
    with pytest.raises(exc, match=r"^n must"):
        random_embeddings(n, 4)


@pytest.mark.parametrize("d, exc", [(0, ValueError), (-1, ValueError), (4.0, TypeError)])
def test_rejects_bad_d(d, exc):
    with pytest.raises(exc, match=r"^d must"):
        random_embeddings(3, d)


@pytest.mark.parametrize("trials, exc", [(0, ValueError), (1.5, TypeError)])
def test_rejects_bad_trials(trials, exc):
    with pytest.raises(exc, match="trials"):
        random_embeddings(3, 4, trials)


@pytest.mark.parametrize("kind", ["normal", "Gaussian", "", None, 3])
def test_rejects_bad_kind(kind):
    with pytest.raises(ValueError, match="kind"):
        random_embeddings(3, 4, kind=kind)


def test_orthonormal_needs_n_at_most_d():
    with pytest.raises(ValueError, match=r"n <= d.*n=5 > d=4"):
        random_embeddings(5, 4, kind="orthonormal")


def test_rejects_bad_generator():
    with pytest.raises(TypeError, match="generator"):
        random_embeddings(3, 4, generator=42)


# ----------------------------------------------------------------------------- issue 7: dtypes, devices

@pytest.mark.parametrize("dtype, exc", [(torch.int64, ValueError), (torch.bool, ValueError),
                                        (torch.complex64, ValueError), ("float32", TypeError),
                                        (None, TypeError), (float, TypeError)])
def test_rejects_non_floating_dtype(dtype, exc):
    with pytest.raises(exc, match="dtype"):
        random_embeddings(3, 4, dtype=dtype)


@pytest.mark.parametrize("device, exc", [("gpu", ValueError), (0, TypeError), ("tpu", ValueError),
                                         (torch.float32, TypeError)])
def test_rejects_bad_device(device, exc):
    with pytest.raises(exc, match="device"):
        random_embeddings(3, 4, device=device)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message without CUDA")
def test_cuda_without_cuda_is_a_clear_value_error():
    with pytest.raises(ValueError, match="CUDA"):
        random_embeddings(3, 4, device="cuda")


@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(n=True), TypeError, "n"), (dict(d=torch.tensor(True)), TypeError, "d"),
    (dict(trials=10**400), ValueError, "trials"), (dict(n=torch.tensor(2 + 0j)), TypeError, "n"),
])
def test_rejects_bool_complex_and_huge_integers(kwargs, exc, name):
    args = dict(n=3, d=4, trials=1)
    args.update(kwargs)
    with pytest.raises(exc, match=f"^{name} must"):
        random_embeddings(**args)


@pytest.mark.parametrize("kind", ["gaussian", "sphere", "orthonormal"])
def test_float32_and_float64_runs_of_a_seed_agree_up_to_rounding(kind):
    """One float64 draw, then a cast: the float32 run is the rounded float64 run."""
    e64 = random_embeddings(5, 9, 3, kind, torch.Generator().manual_seed(11), dtype=torch.float64)
    e32 = random_embeddings(5, 9, 3, kind, torch.Generator().manual_seed(11), dtype=torch.float32)
    e16 = random_embeddings(5, 9, 3, kind, torch.Generator().manual_seed(11), dtype=torch.float16)
    assert e32.dtype == torch.float32 and e16.dtype == torch.float16
    assert torch.equal(e32, e64.float())
    assert torch.equal(e16, e64.half())


@pytest.mark.parametrize("kind", ["gaussian", "sphere", "orthonormal"])
def test_chunked_draw_keeps_the_law_and_the_seed(kind, monkeypatch):
    """Large draws go in chunks of trials (bounded float64 memory): same law, reproducible."""
    import amtools.embeddings as emb

    monkeypatch.setattr(emb, "_DRAW_CHUNK", 2 * 6 * 8)          # 2 trials per chunk
    a = random_embeddings(6, 8, 5, kind, torch.Generator().manual_seed(3), dtype=torch.float64)
    b = random_embeddings(6, 8, 5, kind, torch.Generator().manual_seed(3), dtype=torch.float32)
    assert a.shape == (5, 6, 8) and torch.equal(b, a.float())
    assert len({tuple(x.flatten().tolist()) for x in a}) == 5      # trials differ
    if kind == "sphere":
        torch.testing.assert_close(a.norm(dim=-1), torch.ones(5, 6, dtype=torch.float64))
    if kind == "orthonormal":
        torch.testing.assert_close(a @ a.transpose(1, 2), torch.eye(6, dtype=torch.float64).expand(5, 6, 6))


def test_orthonormal_rotation_is_haar_uniform():
    """Without the sign correction, Q's diagonal is biased (QR makes diag(R) > 0): test its law.

    For a Haar-uniform rotation the first row is uniform on the sphere: its first coordinate has
    mean 0 and variance 1/d (sign-uncorrected Householder QR gives a clearly negative mean).
    """
    d, trials = 4, 4000
    E = random_embeddings(d, d, trials, "orthonormal", torch.Generator().manual_seed(0), dtype=torch.float64)
    first = E[:, 0, 0]
    se = (1 / d / trials) ** 0.5
    assert abs(first.mean().item()) < 4 * se
    assert first.pow(2).mean().item() == pytest.approx(1 / d, abs=4 * (2 / d**2 / trials) ** 0.5 + 0.01)
    diag = torch.diagonal(E, dim1=-2, dim2=-1)
    assert abs(diag.mean().item()) < 4 * se


def test_sphere_is_uniform_not_just_unit():
    """Uniform on the sphere: each coordinate has mean 0 and second moment 1/d."""
    d = 5
    E = random_embeddings(4000, d, 1, "sphere", torch.Generator().manual_seed(2), dtype=torch.float64)[0]
    assert E.mean(0).abs().max().item() < 4 * (1 / d / 4000) ** 0.5
    torch.testing.assert_close(E.pow(2).mean(0), torch.full((d,), 1 / d, dtype=torch.float64), atol=0.02, rtol=0)


# ----------------------------------------------------------------------------- mutation-testing additions

@pytest.mark.parametrize("trials, n, d", [(2**21, 2**21, 2**21), (4, 2**31, 2**30), (1, 2**40, 2**23)])
def test_too_many_numbers_is_a_value_error_that_states_the_count(trials, n, d):
    """More than 2**63 - 1 numbers cannot be one tensor: a ValueError naming the count, not torch's error."""
    total = trials * n * d
    assert total == 2**63
    with pytest.raises(ValueError, match=r"^trials \* n \* d = " + re.escape(f"{total:.3g}") + " numbers is too many"):
        random_embeddings(n, d, trials)


@pytest.mark.parametrize("kind", ["gaussian", "sphere"])
def test_chunked_draw_of_single_coordinate_embeddings(kind, monkeypatch):
    """d = 1 (and n > d) in chunks of trials: the draw still works and keeps the law of each kind."""
    import amtools.embeddings as emb

    monkeypatch.setattr(emb, "_DRAW_CHUNK", 2 * 8)                # 2 trials per chunk
    a = random_embeddings(8, 1, 5, kind, torch.Generator().manual_seed(4), dtype=torch.float64)
    b = random_embeddings(8, 1, 5, kind, torch.Generator().manual_seed(4), dtype=torch.float64)
    assert a.shape == (5, 8, 1) and torch.equal(a, b)
    if kind == "sphere":
        assert set(a.flatten().tolist()) <= {-1.0, 1.0}
    assert len({tuple(x.flatten().tolist()) for x in a}) == 5      # trials differ


@pytest.mark.parametrize("kind", ["gaussian", "orthonormal"])
def test_generator_on_another_device_than_the_draw_is_a_value_error(kind):
    class FakeCudaGenerator(torch.Generator):        # a CPU generator that says it lives on CUDA
        @property
        def device(self):  # type: ignore[override]
            return torch.device("cuda")

    with pytest.raises(ValueError, match=r"^generator is on cuda, but the draw is on cpu"):
        random_embeddings(3, 4, 2, kind, FakeCudaGenerator(), device="cpu")
