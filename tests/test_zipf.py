"""Tests of amtools.zipf: the Zipf law, inverse-CDF sampling and counting."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from amtools import first_seen, sample_tokens, token_counts, zipf

FAST = settings(max_examples=30, deadline=None, database=None)


# ----------------------------------------------------------------------------- zipf

@FAST
@given(N=st.integers(1, 3000), alpha=st.floats(0.0, 8.0, allow_nan=False))
def test_zipf_sums_to_one_and_is_non_increasing(N, alpha):
    p = zipf(N, alpha)
    assert p.shape == (N,)
    assert p.dtype == torch.float64
    assert abs(p.sum().item() - 1.0) < 1e-12
    assert (p >= 0).all()
    assert (p[1:] <= p[:-1]).all()


@FAST
@given(N=st.integers(1, 500), alpha=st.floats(0.0, 5.0, allow_nan=False))
def test_zipf_matches_plain_formula(N, alpha):
    ranks = np.arange(1, N + 1, dtype=np.float64)
    w = ranks ** -alpha
    expected = w / w.sum()
    np.testing.assert_allclose(zipf(N, alpha).numpy(), expected, rtol=1e-10, atol=1e-300)


def test_zipf_alpha_zero_is_uniform_and_large_alpha_is_a_point_mass():
    torch.testing.assert_close(zipf(7, 0), torch.full((7,), 1 / 7, dtype=torch.float64))
    p = zipf(5, 500.0)
    assert torch.isfinite(p).all()
    assert p[0].item() == pytest.approx(1.0)
    assert p[1:].sum().item() < 1e-100


def test_zipf_single_token_and_dtype_device():
    assert zipf(1, 3.0).tolist() == [1.0]
    p = zipf(10, 1.0, dtype=torch.float32, device="cpu")
    assert p.dtype == torch.float32 and p.device.type == "cpu"
    assert abs(p.double().sum().item() - 1) < 1e-6


def test_zipf_ratio_is_power_law():
    p = zipf(100, 1.5)
    # p(x) / p(1) = x^{-alpha}
    x = torch.arange(1, 101, dtype=torch.float64)
    torch.testing.assert_close(p / p[0], x ** -1.5)


@pytest.mark.parametrize("N, exc", [(-1, ValueError), (0, ValueError), (2.5, TypeError),
                                    (True, TypeError), ("3", TypeError), (None, TypeError)])
def test_zipf_rejects_bad_N(N, exc):
    with pytest.raises(exc, match="N"):
        zipf(N, 1.0)


@pytest.mark.parametrize("alpha, exc", [(-0.5, ValueError), (float("nan"), ValueError),
                                        (float("inf"), ValueError), ("1", TypeError),
                                        (None, TypeError)])
def test_zipf_rejects_bad_alpha(alpha, exc):
    with pytest.raises(exc, match="alpha"):
        zipf(10, alpha)


def test_zipf_accepts_integer_like_scalars():
    torch.testing.assert_close(zipf(np.int64(5), np.float32(1.0)), zipf(5, 1.0))
    torch.testing.assert_close(zipf(torch.tensor(5), torch.tensor(1.0)), zipf(5, 1.0))


# ----------------------------------------------------------------------------- sample_tokens

def test_sample_tokens_frequencies_match_p_monte_carlo():
    p = zipf(10, 1.0)
    T, trials = 100_000, 2
    tokens = sample_tokens(p, T, trials, generator=torch.Generator().manual_seed(0))
    assert tokens.shape == (trials, T) and tokens.dtype == torch.long
    for t in range(trials):
        freq = np.bincount(tokens[t].numpy(), minlength=10) / T
        sigma = np.sqrt(p.numpy() * (1 - p.numpy()) / T)
        assert np.all(np.abs(freq - p.numpy()) < 6 * sigma + 1e-4), (freq, p)


def test_sample_tokens_is_reproducible_with_a_seeded_generator():
    p = zipf(50, 1.2)
    a = sample_tokens(p, 500, 3, generator=torch.Generator().manual_seed(7))
    b = sample_tokens(p, 500, 3, generator=torch.Generator().manual_seed(7))
    c = sample_tokens(p, 500, 3, generator=torch.Generator().manual_seed(8))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    # trials are independent draws, not copies
    assert not torch.equal(a[0], a[1])


def test_sample_tokens_never_draws_zero_probability_tokens():
    p = torch.tensor([0.0, 0.5, 0.0, 0.5, 0.0], dtype=torch.float64)
    tokens = sample_tokens(p, 20_000, generator=torch.Generator().manual_seed(1))
    assert set(tokens.unique().tolist()) == {1, 3}
    point = torch.tensor([0.0, 0.0, 1.0])
    assert (sample_tokens(point, 1000, 2) == 2).all()


def test_sample_tokens_inverse_cdf_matches_numpy_searchsorted():
    p = zipf(30, 0.8)
    gen = torch.Generator().manual_seed(3)
    tokens = sample_tokens(p, 1000, 2, generator=gen)
    u = torch.rand(2, 1000, generator=torch.Generator().manual_seed(3), dtype=torch.float64).numpy()
    cdf = np.cumsum(p.numpy())
    cdf = cdf / cdf[-1]
    expected = np.minimum(np.searchsorted(cdf, u, side="right"), 29)
    np.testing.assert_array_equal(tokens.numpy(), expected)


def test_sample_tokens_shapes_and_float32_law():
    p = zipf(20, 1.0, dtype=torch.float32)
    assert sample_tokens(p, 0, 3).shape == (3, 0)
    out = sample_tokens(p, 17)
    assert out.shape == (1, 17)
    assert out.min() >= 0 and out.max() < 20


@pytest.mark.parametrize("p, exc", [
    (torch.tensor([0.5, 0.6], dtype=torch.float64), ValueError),       # sums to 1.1
    (torch.tensor([1.5, -0.5], dtype=torch.float64), ValueError),      # negative
    (torch.full((2, 2), 0.25, dtype=torch.float64), ValueError),       # 2-D
    (torch.tensor([1, 0]), TypeError),                                 # integer tensor
    ([0.5, 0.5], TypeError),                                           # not a tensor
    (torch.tensor([], dtype=torch.float64), ValueError),               # empty
    (torch.tensor([float("nan"), 1.0], dtype=torch.float64), ValueError),
])
def test_sample_tokens_rejects_bad_p(p, exc):
    with pytest.raises(exc, match="p"):
        sample_tokens(p, 10)


def test_sample_tokens_message_says_sum():
    with pytest.raises(ValueError, match="p must sum to 1"):
        sample_tokens(torch.tensor([0.2, 0.2], dtype=torch.float64), 5)


@pytest.mark.parametrize("T, exc", [(-1, ValueError), (2.5, TypeError), ("10", TypeError)])
def test_sample_tokens_rejects_bad_T(T, exc):
    with pytest.raises(exc, match="T"):
        sample_tokens(zipf(5, 1.0), T)


@pytest.mark.parametrize("trials, exc", [(0, ValueError), (1.5, TypeError)])
def test_sample_tokens_rejects_bad_trials(trials, exc):
    with pytest.raises(exc, match="trials"):
        sample_tokens(zipf(5, 1.0), 10, trials)


def test_sample_tokens_rejects_bad_generator():
    with pytest.raises(TypeError, match="generator"):
        sample_tokens(zipf(5, 1.0), 10, generator=0)


# ----------------------------------------------------------------------------- token_counts

@FAST
@given(trials=st.integers(1, 4), T=st.integers(0, 60), N=st.integers(1, 12),
       seed=st.integers(0, 2**31 - 1))
def test_token_counts_match_bincount_and_sum_to_T(trials, T, N, seed):
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, N, size=(trials, T))
    counts = token_counts(torch.from_numpy(tokens), N)
    assert counts.shape == (trials, N) and counts.dtype == torch.float64
    for t in range(trials):
        np.testing.assert_array_equal(counts[t].numpy(), np.bincount(tokens[t], minlength=N))
    np.testing.assert_array_equal(counts.sum(dim=1).numpy(), np.full(trials, T))


def test_token_counts_single_sequence_and_small_int_dtypes():
    tokens = torch.tensor([0, 2, 2, 3, 2], dtype=torch.int32)
    assert token_counts(tokens, 5).tolist() == [1.0, 0.0, 3.0, 1.0, 0.0]
    u8 = torch.tensor([[1, 1], [0, 1]], dtype=torch.uint8)
    assert token_counts(u8, 2).tolist() == [[0.0, 2.0], [1.0, 1.0]]
    assert token_counts(torch.zeros(0, dtype=torch.long), 3).tolist() == [0.0, 0.0, 0.0]


def test_token_counts_of_samples_give_empirical_law():
    p = zipf(8, 1.0)
    tokens = sample_tokens(p, 50_000, 1, generator=torch.Generator().manual_seed(0))
    p_hat = token_counts(tokens, 8)[0] / 50_000
    assert (p_hat - p).abs().max() < 0.01


@pytest.mark.parametrize("tokens, exc", [
    (torch.tensor([0.0, 1.0]), TypeError),                      # float tokens
    (torch.tensor([True, False]), TypeError),                   # bool tokens
    ([0, 1], TypeError),                                        # not a tensor
    (torch.zeros(2, 2, 2, dtype=torch.long), ValueError),       # 3-D
    (torch.tensor([0, 5]), ValueError),                         # >= N
    (torch.tensor([[-1, 0]]), ValueError),                      # negative
])
def test_token_counts_rejects_bad_tokens(tokens, exc):
    with pytest.raises(exc, match="tokens"):
        token_counts(tokens, 5)


@pytest.mark.parametrize("N, exc", [(0, ValueError), (-3, ValueError), (2.5, TypeError)])
def test_token_counts_rejects_bad_N(N, exc):
    with pytest.raises(exc, match="N"):
        token_counts(torch.tensor([0, 1]), N)


# ----------------------------------------------------------------------------- first_seen

@FAST
@given(trials=st.integers(1, 4), T=st.integers(0, 40), N=st.integers(1, 10),
       seed=st.integers(0, 2**31 - 1))
def test_first_seen_matches_loop_and_prefix_counts(trials, T, N, seed):
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, N, size=(trials, T))
    first = first_seen(torch.from_numpy(tokens), N)
    assert first.shape == (trials, N) and first.dtype == torch.long
    for t in range(trials):
        for x in range(N):
            where = [s for s in range(T) if tokens[t, s] == x]
            assert first[t, x].item() == (where[0] if where else T)
    # every prefix question: x seen among the first T' samples iff first < T'
    for Tp in {0, T // 2, T}:
        seen = token_counts(torch.from_numpy(tokens[:, :Tp]), N) > 0
        assert torch.equal(first < Tp, seen)


def test_first_seen_single_sequence():
    assert first_seen(torch.tensor([2, 0, 2, 1]), 4).tolist() == [1, 3, 0, 4]


@pytest.mark.parametrize("tokens, exc", [
    (torch.tensor([0.0, 1.0]), TypeError),
    (torch.zeros(2, 2, 2, dtype=torch.long), ValueError),
    (torch.tensor([0, 5]), ValueError),
    (torch.tensor([-1, 0]), ValueError),
])
def test_first_seen_rejects_bad_tokens(tokens, exc):
    with pytest.raises(exc, match="tokens"):
        first_seen(tokens, 5)


@pytest.mark.parametrize("N, exc", [(0, ValueError), (2.5, TypeError)])
def test_first_seen_rejects_bad_N(N, exc):
    with pytest.raises(exc, match="N"):
        first_seen(torch.tensor([0, 1]), N)


# ----------------------------------------------------------------------------- issue 7: dtypes, devices, ids

@pytest.mark.parametrize("dtype, exc", [(torch.int64, ValueError), (torch.int32, ValueError),
                                        (torch.bool, ValueError), (torch.complex128, ValueError),
                                        (torch.float16, ValueError), (torch.bfloat16, ValueError),
                                        ("float64", TypeError), (None, TypeError), (float, TypeError)])
def test_zipf_rejects_non_float32_64_dtypes(dtype, exc):
    with pytest.raises(exc, match="dtype"):
        zipf(10, 1.0, dtype=dtype)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_every_zipf_output_is_accepted_by_sample_tokens(dtype):
    for N, alpha in [(1, 0.0), (7, 0.0), (1000, 1.0), (10**5, 2.0), (50, 40.0)]:
        p = zipf(N, alpha, dtype=dtype)
        tokens = sample_tokens(p, 100, 2, generator=torch.Generator().manual_seed(0))
        assert tokens.shape == (2, 100) and int(tokens.max()) < N


def test_zipf_float32_is_the_rounded_float64_law():
    torch.testing.assert_close(zipf(500, 1.3, dtype=torch.float32), zipf(500, 1.3).float(), atol=0, rtol=0)


@pytest.mark.parametrize("device, exc", [("gpu", ValueError), (0, TypeError), ("tpu", ValueError),
                                         (torch.float64, TypeError)])
def test_zipf_rejects_bad_device(device, exc):
    with pytest.raises(exc, match="device"):
        zipf(10, 1.0, device=device)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message without CUDA")
def test_zipf_cuda_without_cuda_is_a_clear_value_error():
    with pytest.raises(ValueError, match="CUDA"):
        zipf(10, 1.0, device="cuda")


@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(N=10**400), ValueError, "N"), (dict(N=2**64), ValueError, "N"),
    (dict(N=torch.tensor(True)), TypeError, "N"), (dict(alpha=torch.tensor(1 + 0j)), TypeError, "alpha"),
    (dict(alpha=10**400), ValueError, "alpha"), (dict(alpha=True), TypeError, "alpha"),
])
def test_zipf_rejects_bool_complex_and_huge_numbers(kwargs, exc, name):
    args = dict(N=10, alpha=1.0)
    args.update(kwargs)
    with pytest.raises(exc, match=name):
        zipf(**args)


def test_sample_tokens_rejects_generator_on_another_device():
    class FakeCudaGenerator(torch.Generator):        # a CPU generator that says it lives on CUDA
        @property
        def device(self):  # type: ignore[override]
            return torch.device("cuda")

    with pytest.raises(ValueError, match="generator"):
        sample_tokens(zipf(5, 1.0), 10, generator=FakeCudaGenerator())


@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(T=10**400), ValueError, "T"), (dict(T=True), TypeError, "T"),
    (dict(trials=torch.tensor(True)), TypeError, "trials"), (dict(T=2**62, trials=4), ValueError, "T"),
    (dict(p=torch.tensor([0.5, float("inf")], dtype=torch.float64)), ValueError, "p"),
    (dict(p=torch.tensor([0.5 + 0j, 0.5])), TypeError, "p"),
])
def test_sample_tokens_rejects_huge_and_non_finite(kwargs, exc, name):
    args = dict(p=zipf(5, 1.0), T=10, trials=1)
    args.update(kwargs)
    with pytest.raises(exc, match=name):
        sample_tokens(**args)


@pytest.mark.parametrize("fn", [token_counts, first_seen])
@pytest.mark.parametrize("dtype", [torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64,
                                   torch.uint16, torch.uint32, torch.uint64])
def test_token_functions_accept_every_integer_dtype(fn, dtype):
    tokens = torch.tensor([[2, 0, 2, 1], [3, 3, 0, 0]], dtype=dtype)
    want = fn(torch.tensor([[2, 0, 2, 1], [3, 3, 0, 0]]), 5)
    assert torch.equal(fn(tokens, 5), want)
    assert torch.equal(fn(tokens[0], 5), want[0])


@pytest.mark.parametrize("fn", [token_counts, first_seen])
@pytest.mark.parametrize("tokens, exc", [
    (torch.tensor([0.0, 1.0]), TypeError), (torch.tensor([True, False]), TypeError),
    (torch.tensor([0 + 0j]), TypeError), ([0, 1], TypeError), (np.array([0, 1]), TypeError),
    (torch.tensor(1), ValueError), (torch.zeros(2, 2, 2, dtype=torch.long), ValueError),
    (torch.tensor([0, 5]), ValueError), (torch.tensor([[-1, 0]]), ValueError),
    (torch.tensor([2**63 + 5], dtype=torch.uint64), ValueError),
])
def test_token_functions_reject_the_same_bad_tokens(fn, tokens, exc):
    with pytest.raises(exc, match="tokens"):
        fn(tokens, 5)


@pytest.mark.parametrize("fn", [token_counts, first_seen])
@pytest.mark.parametrize("N, exc", [(0, ValueError), (2.5, TypeError), (True, TypeError),
                                    (10**400, ValueError), (2**62, ValueError)])
def test_token_functions_reject_the_same_bad_N(fn, N, exc):
    with pytest.raises(exc, match="N"):
        fn(torch.tensor([[0, 1], [1, 0], [0, 0]]), N)


# ----------------------------------------------------------------------------- mutation-testing additions

def test_sample_tokens_renormalizes_a_law_summing_to_slightly_less_than_one():
    """A law that sums to 1 - 9e-7 (accepted) is renormalized: its zero-probability tail is never drawn."""
    p = torch.tensor([0.5, 0.5 - 9e-7, 0.0], dtype=torch.float64)
    tokens = sample_tokens(p, 2_000_000, 2, generator=torch.Generator().manual_seed(1))
    assert tokens.max().item() == 1
    share = (tokens == 0).double().mean().item()
    assert share == pytest.approx(0.5, abs=5 * 0.5 / 2000)


def test_sample_tokens_generator_on_another_device_message():
    class FakeCudaGenerator(torch.Generator):        # a CPU generator that says it lives on CUDA
        @property
        def device(self):  # type: ignore[override]
            return torch.device("cuda")

    with pytest.raises(ValueError, match=r"^generator is on cuda, but the draw is on cpu"):
        sample_tokens(zipf(5, 1.0), 10, generator=FakeCudaGenerator())


def test_sample_tokens_too_many_tokens_message_states_the_count():
    with pytest.raises(ValueError, match=r"^trials \* T = 1\.84e\+19 tokens is too many"):
        sample_tokens(zipf(5, 1.0), 2**62, 4)


@pytest.mark.parametrize("fn", [token_counts, first_seen])
@pytest.mark.parametrize("N", [0, -1])
def test_token_functions_reject_N_below_one_even_without_tokens(fn, N):
    with pytest.raises(ValueError, match=r"^N must be >= 1"):
        fn(torch.zeros(2, 0, dtype=torch.long), N)


@pytest.mark.parametrize("fn", [token_counts, first_seen])
def test_token_functions_output_too_large_message_states_trials_times_N(fn):
    """trials * N > 2**63 - 1 (3 trials of 1 token, N = 2**62): the message states trials * N."""
    with pytest.raises(ValueError, match=r"^trials \* N = 1\.38e\+19 is too large for one tensor \(N=4611686018427387904\)"):
        fn(torch.zeros(3, 1, dtype=torch.long), 2**62)


def test_first_seen_output_stays_on_the_tokens_device():
    """The output lives on the tokens' device (``meta`` stands in for a GPU): empty sequences, T = 0."""
    first = first_seen(torch.zeros(2, 0, dtype=torch.long, device="meta"), 3)
    assert first.device.type == "meta" and first.shape == (2, 3) and first.dtype == torch.long
    assert first_seen(torch.zeros(2, 0, dtype=torch.long), 3).tolist() == [[0, 0, 0], [0, 0, 0]]
