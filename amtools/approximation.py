r"""The scalar approximation of SGD on an associative memory (the paper's section 4).

With near-orthogonal embeddings, ``W = sum_x q(x) e_x u_{f(x)}^T`` keeps its form under SGD on the
cross-entropy, and one step with step size ``gamma`` on a sample of ``x`` moves only ``q(x)``:

.. math:: q(x) \leftarrow f(q(x)), \qquad f(q) = q + \frac{\gamma (M - 1)}{e^{q} + M - 1}.

After ``n`` samples of ``x`` (batch size one), ``q_gamma(x) = f^{n}(0)``. With a batch of size
``B`` (mean loss), each occurrence adds ``gamma / B`` times the same factor, evaluated at the
stale ``q`` of the start of the step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ._validate import as_int, as_real, as_tensor, check_probability_vector

__all__ = ["sgd_map", "sgd_iterates", "q_gamma", "approx_sgd", "approx_error", "ApproxResult"]


def _gamma(gamma: Any) -> torch.Tensor:
    """A positive step size, or a 1-D tensor/list of them, as float64."""
    if isinstance(gamma, torch.Tensor):
        g = as_tensor(gamma, "gamma", ndim=(0, 1), floating=True, finite=True).double()
    elif isinstance(gamma, (list, tuple)):
        g = torch.tensor([as_real(v, "each entry of gamma") for v in gamma], dtype=torch.float64)
    else:
        return torch.tensor(as_real(gamma, "gamma", minimum=0.0, strict=True), dtype=torch.float64)
    if g.numel() == 0 or (g <= 0).any():
        raise ValueError("gamma must hold positive step sizes")
    return g


def _as_q(q: Any) -> torch.Tensor:
    """``q`` of :func:`sgd_map` as float64: a floating tensor, a real number, or a list/array of reals."""
    if isinstance(q, torch.Tensor):
        return as_tensor(q, "q", floating=True, finite=True).double()
    if not isinstance(q, (list, tuple, np.ndarray)):
        return torch.tensor(as_real(q, "q"), dtype=torch.float64)
    if isinstance(q, np.ndarray) and q.dtype.kind not in "iuf":
        raise TypeError(f"q must hold real numbers, got a NumPy array of dtype {q.dtype}")
    if isinstance(q, (list, tuple)):
        for v in _flatten(q):
            as_real(v, "each entry of q")
    try:
        t = torch.as_tensor(q, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError, OverflowError):
        raise TypeError("q must be a real number, a floating tensor or a (rectangular) list of reals") from None
    return as_tensor(t, "q", finite=True)


def _flatten(items: Any) -> list[Any]:
    """The leaves of nested lists/tuples."""
    out: list[Any] = []
    for v in items:
        out.extend(_flatten(v) if isinstance(v, (list, tuple)) else [v])
    return out


def sgd_map(q: Any, gamma: float, M: int) -> torch.Tensor:
    r"""One SGD step on the weight of a sampled input: :math:`f(q) = q + \gamma (M-1) / (e^q + M - 1)`.

    Elementwise on ``q`` (a tensor or a number), computed in float64 as
    ``q + gamma / (1 + e^q / (M - 1))``, which does not overflow for large ``q``.
    """
    q = _as_q(q)
    gamma = as_real(gamma, "gamma", minimum=0.0, strict=True)
    M = as_int(M, "M", minimum=2)
    return q + gamma / (1.0 + torch.exp(q) / (M - 1))


def sgd_iterates(n: int, gamma: Any, M: int) -> torch.Tensor:
    """``f^k(0)`` for ``k = 0..n``: float64 ``[n + 1]``, or ``[len(gamma), n + 1]`` for several step sizes."""
    n = as_int(n, "n", minimum=0)
    g = _gamma(gamma)
    M = as_int(M, "M", minimum=2)
    q = torch.zeros_like(g)
    out = [q]
    for _ in range(n):
        q = q + g / (1.0 + torch.exp(q) / (M - 1))
        out.append(q)
    return torch.stack(out, dim=-1)


def q_gamma(counts: Any, gamma: float, M: int) -> torch.Tensor:
    r"""The weights SGD with batch size one gives: :math:`q_\gamma(x) = f^{n_x}(0)`, elementwise in ``counts``.

    ``counts``: non-negative integers (any shape). Returns float64 of the same shape. Cost: one
    pass of ``max(counts)`` map evaluations.
    """
    if isinstance(counts, torch.Tensor):
        c = counts
    else:
        if isinstance(counts, (str, bytes, dict)) or counts is None:
            raise TypeError(f"counts must be a tensor or a list of integers, got {type(counts).__name__}")
        try:
            c = torch.as_tensor(counts)
        except (TypeError, ValueError, RuntimeError, OverflowError):
            raise TypeError("counts must be a tensor or a (rectangular) list of integers") from None
    if c.is_floating_point() or c.is_complex() or c.dtype == torch.bool:
        raise TypeError("counts must hold integers")
    if c.numel() and c.min() < 0:
        raise ValueError("counts must be non-negative")
    gamma = as_real(gamma, "gamma", minimum=0.0, strict=True)
    M = as_int(M, "M", minimum=2)
    top = int(c.max()) if c.numel() else 0
    its = sgd_iterates(top, gamma, M).to(c.device)
    return its[c.long()]


@dataclass(frozen=True)
class ApproxResult:
    """``q`` float64 ``[trials, N]`` after training; ``steps`` ``[K]`` and ``q_curve`` ``[K, trials, N]`` when recorded."""

    q: torch.Tensor
    steps: torch.Tensor | None
    q_curve: torch.Tensor | None


def approx_sgd(tokens: Any, N: int, M: int, *, lr: float, batch_size: int = 1,
               record_every: int | None = None) -> ApproxResult:
    r"""Run the scalar recursion on the token stream SGD would see, batched over trials.

    ``tokens`` ``LongTensor[trials, T]`` (e.g. ``TrainResult.tokens``). Each of the
    ``T // batch_size`` steps adds, for every input ``x``,
    :math:`\frac{\gamma}{B} c_x \big(1 + e^{q(x)}/(M-1)\big)^{-1}` with ``c_x`` its count in the batch
    and ``q`` the value at the start of the step. ``steps`` start at 0 (``q = 0``).
    """
    t = as_tensor(tokens, "tokens", ndim=(2,))
    if t.is_floating_point() or t.is_complex() or t.dtype == torch.bool:
        raise TypeError("tokens must be an integer tensor [trials, T]")
    N = as_int(N, "N", minimum=1)
    if t.numel() and (t.min() < 0 or t.max() >= N):
        raise ValueError(f"tokens must lie in [0, N) = [0, {N})")
    M = as_int(M, "M", minimum=2)
    lr = as_real(lr, "lr", minimum=0.0, strict=True)
    batch_size = as_int(batch_size, "batch_size", minimum=1, maximum=max(t.shape[1], 1))
    if record_every is not None:
        record_every = as_int(record_every, "record_every", minimum=1)
    trials, T = t.shape
    n_steps = T // batch_size
    q = torch.zeros(trials, N, dtype=torch.float64, device=t.device)
    ones = torch.ones(trials, batch_size, dtype=torch.float64, device=t.device)
    steps, curve = ([0], [q.clone()]) if record_every is not None else ([], [])
    step_size = lr / batch_size
    for s in range(n_steps):
        x = t[:, s * batch_size:(s + 1) * batch_size].long()
        counts = torch.zeros_like(q).scatter_add_(1, x, ones)
        q = q + step_size * counts / (1.0 + torch.exp(q) / (M - 1))
        if record_every is not None and ((s + 1) % record_every == 0 or s + 1 == n_steps):
            steps.append(s + 1)
            curve.append(q.clone())
    if record_every is None:
        return ApproxResult(q=q, steps=None, q_curve=None)
    return ApproxResult(q=q, steps=torch.tensor(steps), q_curve=torch.stack(curve))


def approx_error(q: Any, E: Any, U: Any, p: Any, targets: Any) -> torch.Tensor:
    r"""Population 0-1 error of :math:`W = \sum_x q(x)\, e_x u_{f(x)}^\top` read out as ``argmax_y (E W U)[x, y]``.

    Row convention of :func:`amtools.train_memory`: ``q`` ``[..., N]``, ``E`` ``[..., N, d]``,
    ``U`` ``[..., d, M]`` (broadcast over leading axes), ``p`` ``[N]``, ``targets`` ``LongTensor[N]``.
    Computed in float64 as ``(E E^T ⊙ q) (U_f^T U)``. Returns float64 ``[...]``.
    """
    from .training import _population_error

    q = as_tensor(q, "q", floating=True, finite=True).double()
    E = as_tensor(E, "E", floating=True, finite=True).double()
    U = as_tensor(U, "U", floating=True, finite=True).double()
    if q.ndim < 1 or E.ndim < 2 or U.ndim < 2:
        raise ValueError("q must be [..., N], E [..., N, d] and U [..., d, M]")
    N, d, M = E.shape[-2], E.shape[-1], U.shape[-1]
    if q.shape[-1] != N or U.shape[-2] != d:
        raise ValueError(f"shapes do not match: q {tuple(q.shape)}, E {tuple(E.shape)}, U {tuple(U.shape)}")
    try:
        torch.broadcast_shapes(q.shape[:-1], E.shape[:-2], U.shape[:-2])
    except RuntimeError:
        raise ValueError(f"the leading axes of q {tuple(q.shape)}, E {tuple(E.shape)} and U {tuple(U.shape)} "
                         "do not broadcast") from None
    targets = as_tensor(targets, "targets", ndim=(1,))
    if (targets.dtype != torch.long or targets.numel() != N
            or (N and (targets.min() < 0 or targets.max() >= M))):
        raise ValueError(f"targets must be a LongTensor of N = {N} classes in [0, M) = [0, {M}) "
                         "(M = the last axis of U)")
    p = check_probability_vector(p, "p")
    if p.numel() != N:
        raise ValueError(f"p must have N = {N} entries")
    gram = E @ E.transpose(-1, -2)                           # [..., N, N]
    Uf = U[..., targets].transpose(-1, -2)                    # [..., N, d]: u_{f(x)} per row
    logits = gram @ (q.unsqueeze(-1) * (Uf @ U))             # [..., N, M] = (E E^T ⊙ q)(U_f^T U)
    return _population_error(logits, p.double(), targets.to(logits.device))
