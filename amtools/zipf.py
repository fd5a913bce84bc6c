"""Zipf-distributed tokens: the law, sampling from it, and counting samples.

The data model of the book: inputs ``x = 1..N`` (stored as indices ``0..N-1``)
drawn i.i.d. from ``p(x) = C_alpha x^{-alpha}`` with ``C_alpha`` the normalizer.
"""

from __future__ import annotations

import torch

from ._validate import as_int, as_real, as_tensor, check_probability_vector

__all__ = ["zipf", "sample_tokens", "token_counts", "first_seen"]


def zipf(N: int, alpha: float, *, dtype: torch.dtype = torch.float64,
         device: torch.device | str | None = None) -> torch.Tensor:
    r"""Zipf law on ``N`` tokens: ``p[i] = C_alpha (i+1)^{-alpha}``, ``i = 0..N-1``.

    .. math:: p(x) = C_\alpha x^{-\alpha},\qquad C_\alpha = \Big(\sum_{k=1}^N k^{-\alpha}\Big)^{-1}.

    Index 0 is the most frequent token. ``alpha = 0`` gives the uniform law.
    Returned in float64 by default so that tail probabilities stay exact.
    """
    N = as_int(N, "N", minimum=1)
    alpha = as_real(alpha, "alpha", minimum=0.0)
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
    reproducible draws.
    """
    p = check_probability_vector(p, "p")
    T = as_int(T, "T", minimum=0)
    trials = as_int(trials, "trials", minimum=1)
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")
    cdf = torch.cumsum(p.double(), dim=0)
    cdf = cdf / cdf[-1]  # exact 1.0 at the end, so u < 1 always finds a token
    u = torch.rand(trials, T, generator=generator, dtype=torch.float64, device=p.device)
    tokens = torch.searchsorted(cdf, u, right=True)
    return tokens.clamp_(max=p.numel() - 1)


def _token_batch(tokens: torch.Tensor, N: int) -> tuple[torch.Tensor, int, bool]:
    """Validate token ids in ``[0, N)``; return them as ``[trials, T]`` and whether to squeeze."""
    tokens = as_tensor(tokens, "tokens", ndim=(1, 2), integer=True)
    N = as_int(N, "N", minimum=1)
    squeeze = tokens.ndim == 1
    if squeeze:
        tokens = tokens.unsqueeze(0)
    if tokens.numel() > 0 and (tokens.min() < 0 or tokens.max() >= N):
        raise ValueError(
            f"tokens must lie in [0, N) = [0, {N}), found range "
            f"[{tokens.min().item()}, {tokens.max().item()}]")
    return tokens.long(), N, squeeze


def token_counts(tokens: torch.Tensor, N: int) -> torch.Tensor:
    """Count each token: ``counts[t, x] = #{s : tokens[t, s] = x}``.

    ``tokens`` is a ``LongTensor[trials, T]`` (or ``[T]`` for a single sequence,
    which gives ``[N]``). Counts are returned as float64 so that ``counts / T``
    is the empirical law ``p_hat`` directly. Batched bincount, no Python loop.
    """
    tokens, N, squeeze = _token_batch(tokens, N)
    trials = tokens.shape[0]
    offsets = torch.arange(trials, device=tokens.device).unsqueeze(1) * N
    flat = (tokens.long() + offsets).reshape(-1)
    counts = torch.bincount(flat, minlength=trials * N).reshape(trials, N).double()
    return counts[0] if squeeze else counts


def first_seen(tokens: torch.Tensor, N: int) -> torch.Tensor:
    """Position of the first occurrence of each token: ``LongTensor[trials, N]``.

    ``first[t, x] = min{s : tokens[t, s] = x}``, or ``T`` (the sequence length)
    if ``x`` never occurs. One tensor answers every prefix question at once:
    ``x`` is seen among the first ``T'`` samples iff ``first[t, x] < T'``, so the
    number of distinct tokens is ``(first < T').sum(-1)`` and the unseen mass is
    ``(first >= T').double() @ p``.
    """
    tokens, N, squeeze = _token_batch(tokens, N)
    trials, T = tokens.shape
    positions = torch.arange(T, device=tokens.device).expand(trials, T)
    first = torch.full((trials, N), T, dtype=torch.long, device=tokens.device)
    first.scatter_reduce_(1, tokens.long(), positions, reduce="amin", include_self=True)
    return first[0] if squeeze else first
