"""Zipf-distributed tokens: the law, sampling from it, and counting samples.

The data model of the book: inputs ``x = 1..N`` (stored as indices ``0..N-1``)
drawn i.i.d. from ``p(x) = C_alpha x^{-alpha}`` with ``C_alpha`` the normalizer.
"""

from __future__ import annotations

import torch

from ._validate import (INT_MAX, as_device, as_dtype, as_generator, as_int, as_real, as_tensor,
                        check_generator_device, check_probability_vector)

__all__ = ["zipf", "sample_tokens", "token_counts", "first_seen"]

# A law in half precision loses its tail (entries below 6e-8 round to 0 in float16) and no longer
# sums to 1 within 1e-6: zipf returns float32 or float64 only, which sample_tokens always accepts.
LAW_DTYPES = (torch.float32, torch.float64)


def zipf(N: int, alpha: float, *, dtype: torch.dtype = torch.float64,
         device: torch.device | str | None = None) -> torch.Tensor:
    r"""Zipf law on ``N`` tokens: ``p[i] = C_alpha (i+1)^{-alpha}``, ``i = 0..N-1``.

    .. math:: p(x) = C_\alpha x^{-\alpha},\qquad C_\alpha = \Big(\sum_{k=1}^N k^{-\alpha}\Big)^{-1}.

    Index 0 is the most frequent token. ``alpha = 0`` gives the uniform law.
    Computed in float64 and returned in ``dtype``: float64 (default, tail probabilities
    stay exact) or float32; half precision is rejected (it rounds the tail to 0 and
    the law no longer sums to 1). Memory: ``O(N)`` (two float64 vectors of length ``N``).
    """
    N = as_int(N, "N", minimum=1)
    alpha = as_real(alpha, "alpha", minimum=0.0)
    dtype = as_dtype(dtype, "dtype", allowed=LAW_DTYPES)
    device = as_device(device, "device")
    ranks = torch.arange(1, N + 1, dtype=torch.float64, device=device)
    logits = -alpha * ranks.log()
    p = torch.softmax(logits, dim=0)  # stable normalization, also for large alpha
    return p.to(dtype)


def sample_tokens(p: torch.Tensor, T: int, trials: int = 1,
                  generator: torch.Generator | None = None) -> torch.Tensor:
    """Draw ``T`` i.i.d. tokens from ``p``, independently for each trial.

    Inverse-CDF sampling: ``x = min{i : F(i) > u}`` with ``u ~ U[0, 1)`` and
    ``F`` the cumulative sum of ``p``. Returns a ``LongTensor[trials, T]`` on
    ``p``'s device. Pass a seeded ``torch.Generator`` (on the same device) for
    reproducible draws. ``p``: a 1-D floating law summing to 1 within 1e-6
    (any output of :func:`zipf`). Memory: 16 bytes per token (``u`` and the ids).
    """
    p = check_probability_vector(p, "p")
    T = as_int(T, "T", minimum=0)
    trials = as_int(trials, "trials", minimum=1)
    generator = as_generator(generator, "generator")
    check_generator_device(generator, p.device, "generator")
    if trials * T > INT_MAX:
        raise ValueError(f"trials * T = {trials * T:.3g} tokens is too many for one tensor")
    cdf = torch.cumsum(p.double(), dim=0)
    cdf = cdf / cdf[-1]  # exact 1.0 at the end, so u < 1 always finds a token
    u = torch.rand(trials, T, generator=generator, dtype=torch.float64, device=p.device)
    tokens = torch.searchsorted(cdf, u, right=True)
    return tokens.clamp_(max=p.numel() - 1)


def _token_batch(tokens: torch.Tensor, N: int) -> tuple[torch.Tensor, int, bool]:
    """Validate token ids in ``[0, N)``; return them as a long ``[trials, T]`` and whether to squeeze.

    One rule for :func:`token_counts` and :func:`first_seen`: ``tokens`` is a 1-D
    ``[T]`` or 2-D ``[trials, T]`` tensor of any integer dtype (not bool), with
    every id in ``[0, N)``; the output ``[trials, N]`` must fit in one tensor.
    """
    tokens = as_tensor(tokens, "tokens", ndim=(1, 2), integer=True)
    N = as_int(N, "N", minimum=1)
    squeeze = tokens.ndim == 1
    if squeeze:
        tokens = tokens.unsqueeze(0)
    # long first: min/max are not implemented for uint16/32/64; uint64 ids >= 2**63 wrap to < 0,
    # which the range check rejects as they should be.
    tokens = tokens.long()
    if tokens.numel() > 0:
        low, high = tokens.min().item(), tokens.max().item()
        if low < 0 or high >= N:
            raise ValueError(f"tokens must lie in [0, N) = [0, {N}), found range [{low}, {high}]")
    if tokens.shape[0] * N > INT_MAX:
        raise ValueError(f"trials * N = {tokens.shape[0] * N:.3g} is too large for one tensor (N={N})")
    return tokens, N, squeeze


def token_counts(tokens: torch.Tensor, N: int) -> torch.Tensor:
    """Count each token: ``counts[t, x] = #{s : tokens[t, s] = x}``.

    ``tokens`` is a ``LongTensor[trials, T]`` (or ``[T]`` for a single sequence,
    which gives ``[N]``). Counts are returned as float64 so that ``counts / T``
    is the empirical law ``p_hat`` directly. Batched bincount, no Python loop.
    Memory: 8 bytes x ``trials * N`` for the output, plus the ids.
    """
    tokens, N, squeeze = _token_batch(tokens, N)
    trials = tokens.shape[0]
    offsets = torch.arange(trials, device=tokens.device).unsqueeze(1) * N
    flat = (tokens + offsets).reshape(-1)
    counts = torch.bincount(flat, minlength=trials * N).reshape(trials, N).double()
    return counts[0] if squeeze else counts


def first_seen(tokens: torch.Tensor, N: int) -> torch.Tensor:
    """Position of the first occurrence of each token: ``LongTensor[trials, N]``.

    ``first[t, x] = min{s : tokens[t, s] = x}``, or ``T`` (the sequence length)
    if ``x`` never occurs. One tensor answers every prefix question at once:
    ``x`` is seen among the first ``T'`` samples iff ``first[t, x] < T'``, so the
    number of distinct tokens is ``(first < T').sum(-1)`` and the unseen mass is
    ``(first >= T').double() @ p``. Memory: 8 bytes x ``trials * N`` for the output,
    plus 16 bytes per token.
    """
    tokens, N, squeeze = _token_batch(tokens, N)
    trials, T = tokens.shape
    positions = torch.arange(T, device=tokens.device).expand(trials, T)
    first = torch.full((trials, N), T, dtype=torch.long, device=tokens.device)
    first.scatter_reduce_(1, tokens, positions, reduce="amin", include_self=True)
    return first[0] if squeeze else first
