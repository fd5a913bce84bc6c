"""Tests of amtools.embeddings.random_embeddings."""

from __future__ import annotations

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
