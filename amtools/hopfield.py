r"""Hopfield networks: classical, dense and modern (continuous) associative memories.

Conventions: patterns are **rows**. Binary states and patterns are floating tensors with entries
in :math:`\{-1, +1\}`. Every function is batched over leading dimensions (trials, probes), which
broadcast between its arguments as in torch: probes ``[T, B, N]`` with per-trial patterns
``[T, K, N]`` need ``patterns[:, None]`` (``[T, 1, K, N]``), or ``hebbian(patterns)[:, None]`` for the
weights. Results are on the inputs' device (which must be one); mixed floating dtypes are promoted
(``torch.promote_types``). Random orders come from an optional ``torch.Generator`` (on the CPU or on
the inputs' device). Floating inputs must be finite; a wrong argument raises a ``ValueError`` or
``TypeError`` that names it.

- Classical (Hopfield 1982): :func:`hebbian`, :func:`energy`, :func:`recall`, :func:`overlap`,
  :func:`flip_probability`.
- Dense associative memory (Krotov & Hopfield 2016; Demircigil et al. 2017): :func:`dense_energy`,
  :func:`dense_log_energy`, :func:`dense_recall`.
- Modern continuous Hopfield (Ramsauer et al. 2021): :func:`modern_update`, :func:`modern_energy`
  (alias :func:`mchn_energy`), :func:`separation`.
- Distance energies ("Beyond Scaling Laws", Niu et al. 2024): :func:`distance_energy`,
  :func:`nearest_distance`, :func:`distance_update`, :func:`global_energy`.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import torch

from ._validate import (as_batched, as_bool, as_choice, as_generator, as_int, as_real, as_tensor,
                        broadcast_batch, check_same_device, common_dtype)

__all__ = ["hebbian", "energy", "recall", "overlap", "flip_probability",
           "dense_energy", "dense_log_energy", "dense_recall",
           "modern_update", "modern_energy", "mchn_energy", "separation",
           "distance_energy", "nearest_distance", "distance_update", "global_energy",
           "DENSE_KINDS"]

#: The values of ``kind`` of the dense energies (:func:`dense_energy`).
DENSE_KINDS = ("poly", "exp")


# ============================================================================ helpers

def _sign(h: torch.Tensor) -> torch.Tensor:
    """``sign`` with ``sign(0) = +1``, in ``h``'s dtype."""
    return (h >= 0).to(h.dtype) * 2 - 1


def _orders(b: int, N: int, device: torch.device, generator: torch.Generator | None) -> torch.Tensor:
    """``[b, N]`` independent random permutations of ``range(N)`` (one ``rand`` draw, argsorted).

    Drawn on the generator's device (the inputs' device without one), then moved to ``device``.
    """
    where = generator.device if generator is not None else device
    return torch.rand(b, N, generator=generator, device=where).argsort(dim=-1).to(device)


def _batch_index(batch_shape: torch.Size, batch: torch.Size, device: torch.device) -> torch.Tensor:
    """For each element of the broadcast ``batch`` (flattened), its index in a tensor with leading ``batch_shape``."""
    n = math.prod(batch_shape)
    return torch.arange(n, device=device).reshape(batch_shape).expand(batch).reshape(-1)


def _field(W: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    """``W s`` over the last axes, batched, as ``s W^T``: the states that share one ``W`` are folded into the
    rows of one GEMM (:func:`_fold_queries`), so ``W`` is never copied per state."""
    W, rows, unfold = _fold_queries(W, s)
    return unfold(rows @ W.mT)


def _fold_queries(X: torch.Tensor, xi: torch.Tensor):
    """Stack the queries that share a pattern set into the rows of one matrix.

    ``X`` ``[..., K, d]`` and ``xi`` ``[..., d]`` broadcast over their batch axes; the axes where ``X``
    has size 1 (one pattern set for many queries) become rows of a ``[..., R, d]`` query matrix, so
    ``queries @ X^T`` is one GEMM per pattern set instead of one matrix-vector product per query.
    Returns ``X`` without those axes, the query matrix, and the function that puts a ``[..., R, d]``
    result back in ``xi``'s layout.
    """
    batch = torch.broadcast_shapes(X.shape[:-2], xi.shape[:-1])
    n = len(batch)
    x_batch = (1,) * (n - (X.ndim - 2)) + tuple(X.shape[:-2])
    folded = [i for i in range(n) if x_batch[i] == 1 and batch[i] > 1]
    kept = [i for i in range(n) if i not in folded]
    q = xi.expand(*batch, xi.shape[-1]).permute(*kept, *folded, n)
    kept_shape = [batch[i] for i in kept]
    queries = q.reshape(*kept_shape, -1, xi.shape[-1])
    folded_shape = [batch[i] for i in folded]
    inverse = [0] * (n + 1)
    for pos, axis in enumerate(kept + folded + [n]):
        inverse[axis] = pos

    def unfold(out: torch.Tensor) -> torch.Tensor:
        return out.reshape(*kept_shape, *folded_shape, out.shape[-1]).permute(*inverse)

    X_kept = X.reshape(*[x_batch[i] for i in kept], *X.shape[-2:])
    return X_kept, queries, unfold


def _energy(W: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    return -0.5 * (s * _field(W, s)).sum(-1)


def _patterns_and_query(X: Any, x: Any, X_name: str, x_name: str, *,
                        min_K: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """Checks shared by the continuous memories: ``X`` ``[..., K, d]`` and ``x`` ``[..., d]``, same d,
    device, broadcasting batches; both cast to a common dtype."""
    X = as_batched(X, X_name, ("K", "d"))
    x = as_batched(x, x_name, ("d",))
    if X.shape[-2] < min_K:
        raise ValueError(f"{X_name} must hold at least {min_K} patterns (rows), got shape {tuple(X.shape)}")
    if X.shape[-1] != x.shape[-1]:
        raise ValueError(f"{X_name} has d = {X.shape[-1]} columns but {x_name} has {x.shape[-1]} entries "
                         f"(shapes {tuple(X.shape)} and {tuple(x.shape)})")
    check_same_device(**{X_name: X, x_name: x})
    broadcast_batch(**{X_name: X.shape[:-2], x_name: x.shape[:-1]})
    dtype = common_dtype(X, x)
    return X.to(dtype), x.to(dtype)


def _check_W_states(W: torch.Tensor, states: torch.Tensor) -> None:
    N = states.shape[-1]
    if W.shape[-1] != W.shape[-2] or W.shape[-1] != N:
        raise ValueError(f"W must be [..., N, N] with N = {N} (the last axis of states), "
                         f"got W of shape {tuple(W.shape)} and states of shape {tuple(states.shape)}")
    check_same_device(W=W, states=states)


# ============================================================================ classical

def hebbian(patterns: torch.Tensor) -> torch.Tensor:
    r"""Hebbian weights :math:`W = X^\top X / N` with zero diagonal, i.e. :math:`W_{ij} = \frac1N \sum_\mu \xi^\mu_i \xi^\mu_j`, :math:`W_{ii} = 0`.

    ``patterns`` ``[..., K, N]`` (rows; ``±1`` in the classical model, any finite reals accepted);
    returns ``[..., N, N]``, symmetric.
    """
    X = as_batched(patterns, "patterns", ("K", "N"))
    W = X.mT @ X / X.shape[-1]
    W.diagonal(dim1=-2, dim2=-1).zero_()
    return W


def energy(W: torch.Tensor, states: torch.Tensor) -> torch.Tensor:
    r"""Energy :math:`E(s) = -\tfrac12\, s^\top W s`.

    ``W`` ``[..., N, N]``, ``states`` ``[..., N]`` (``±1`` states; any finite reals accepted), leading
    dimensions broadcast; returns ``[...]``.
    """
    W = as_batched(W, "W", ("N", "N"))
    states = as_batched(states, "states", ("N",))
    _check_W_states(W, states)
    broadcast_batch(W=W.shape[:-2], states=states.shape[:-1])
    dtype = common_dtype(W, states)
    return _energy(W.to(dtype), states.to(dtype))


def recall(W: torch.Tensor, states: torch.Tensor, *, sweeps: int = 10,
           generator: torch.Generator | None = None,
           return_energy: bool = False) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    r"""Asynchronous recall: :math:`s_i \leftarrow \operatorname{sign}\big(\sum_j W_{ij} s_j\big)`, with :math:`\operatorname{sign}(0) = +1`.

    ``W`` ``[..., N, N]``, ``states`` ``[..., N]`` (``±1``), leading dimensions broadcast. Each sweep
    visits the ``N`` units once, in a fresh random order for every sweep and every batch element
    (``torch.rand(batch, N, generator=generator).argsort(-1)``, one draw per sweep, the batch
    flattened in row-major order); each single-unit update runs on all batch elements at once.
    Stops after ``sweeps`` sweeps, or earlier after a sweep that changed no unit of any batch element.
    Returns the final states ``[..., N]``; with ``return_energy`` also the energy trace
    ``[sweeps_done * N + 1, ...]``: :math:`E` before the first update and after every single-unit update
    (an element that has converged repeats its value). The local fields :math:`h = Ws` are computed
    once (one batched matmul) and updated by :math:`\delta\, W_{:,i}` when :math:`s_i` flips, so an exact
    tie :math:`h_i = 0` can come out as :math:`\pm` a rounding error after flips (as it can in any float sum).
    The trace is updated incrementally,
    :math:`\Delta E = -\tfrac12 \delta\,[(Ws)_i + (W^\top s)_i] - \tfrac12 W_{ii}\delta^2` for a change
    :math:`\delta` of :math:`s_i`, so it never increases (not even by rounding) when ``W`` is symmetric with
    a non-negative diagonal (e.g. :func:`hebbian`); it agrees with :func:`energy` to rounding.
    Cost: one ``O(batch · N²)`` matmul, a symmetry check of ``W``, ``O(N)`` per flip and ``O(batch)`` per
    step, with a Python loop over the ``sweeps · N`` steps (one host sync per step).
    """
    W = as_batched(W, "W", ("N", "N"))
    states = as_batched(states, "states", ("N",), binary=True)
    _check_W_states(W, states)
    sweeps = as_int(sweeps, "sweeps", minimum=0)
    generator = as_generator(generator, "generator")
    return_energy = as_bool(return_energy, "return_energy")
    batch = broadcast_batch(W=W.shape[:-2], states=states.shape[:-1])
    dev, dtype, N = states.device, common_dtype(W, states), states.shape[-1]
    W, states = W.to(dtype), states.to(dtype)
    b = batch.numel()
    widx = _batch_index(W.shape[:-2], batch, dev)
    rows_of_W = W.reshape(-1, N)                                      # row r of matrix m: m * N + r
    symmetric = torch.equal(W, W.mT)                                  # then columns are rows (contiguous)
    cols_of_W = rows_of_W if symmetric else W.mT.contiguous().reshape(-1, N)
    diag = W.reshape(-1, N, N).diagonal(dim1=-2, dim2=-1)
    s = states.expand(*batch, N).reshape(b, N).clone()
    rows = torch.arange(b, device=dev)
    trace: list[torch.Tensor] = []
    if return_energy:
        E = _energy(W, states).expand(batch).reshape(b).clone()
        trace.append(E)
    h = _field(W, s.view(*batch, N)).reshape(b, N)                    # local fields W s, then kept up to date
    hT = _field(W.mT, s.view(*batch, N)).reshape(b, N) if return_energy and not symmetric else h
    for _ in range(sweeps):
        order = _orders(b, N, dev, generator)
        changed = torch.zeros(b, dtype=torch.bool, device=dev)
        for t in range(N):
            i = order[:, t]
            hi = h[rows, i]
            new = _sign(hi)
            delta = new - s[rows, i]
            if return_energy:
                hTi = hi if symmetric else hT[rows, i]
                E = E - 0.5 * delta * (hi + hTi) - 0.5 * diag[widx, i] * delta * delta
                trace.append(E)
            j = delta.nonzero().squeeze(-1)                           # the elements whose unit flips
            if j.numel() == 0:
                continue
            ij, dj, flat = i[j], delta[j].unsqueeze(-1), widx[j] * N + i[j]
            s[j, ij] = new[j]
            h.index_put_((j,), dj * cols_of_W.index_select(0, flat), accumulate=True)   # h += delta W[:, i]
            if hT is not h:
                hT.index_put_((j,), dj * rows_of_W.index_select(0, flat), accumulate=True)
            changed.index_fill_(0, j, True)
        if not bool(changed.any()):
            break
    out = s.reshape(*batch, N)
    if return_energy:
        return out, torch.stack(trace).reshape(len(trace), *batch)
    return out


def overlap(states: torch.Tensor, patterns: torch.Tensor) -> torch.Tensor:
    r"""Overlap :math:`m = s \cdot \xi / N` along the last axis, leading dimensions broadcast.

    ``states`` ``[..., N]``, ``patterns`` ``[..., N]`` (any finite reals; ``±1`` gives ``m ∈ [-1, 1]``).
    For the overlaps of states ``[B, N]`` with every one of ``K`` patterns ``[K, N]``, pass
    ``states[:, None, :]``: the result is ``[B, K]``.
    """
    states = as_batched(states, "states", ("N",))
    patterns = as_batched(patterns, "patterns", ("N",))
    if states.shape[-1] != patterns.shape[-1]:
        raise ValueError(f"states has N = {states.shape[-1]} units but patterns has {patterns.shape[-1]} "
                         f"(shapes {tuple(states.shape)} and {tuple(patterns.shape)})")
    check_same_device(states=states, patterns=patterns)
    broadcast_batch(states=states.shape[:-1], patterns=patterns.shape[:-1])
    dtype = common_dtype(states, patterns)
    return (states.to(dtype) * patterns.to(dtype)).sum(-1) / states.shape[-1]


def flip_probability(load: float | torch.Tensor) -> float | torch.Tensor:
    r"""Probability that one unit of a stored pattern is unstable at load :math:`\alpha = K/N`, in the
    Gaussian (signal-to-crosstalk) approximation: :math:`P = \tfrac12 \operatorname{erfc}\big(1/\sqrt{2\alpha}\big)`.

    ``load`` a real ``> 0`` (returns a float) or a floating tensor of them, any shape (returns a tensor).
    E.g. :math:`\alpha = 0.138` gives :math:`P \approx 0.0036`.
    """
    if isinstance(load, torch.Tensor):
        load = as_tensor(load, "load", floating=True, finite=True)
        if load.numel() and bool((load <= 0).any()):
            raise ValueError(f"load must be > 0 (K/N), got a smallest value of {load.min().item():.3g}")
        return 0.5 * torch.erfc(torch.rsqrt(2 * load))
    value = as_real(load, "load", minimum=0.0, strict=True)
    return 0.5 * math.erfc(1.0 / math.sqrt(2.0 * value))


# ============================================================================ dense associative memory

def _dense_inputs(patterns: Any, states: Any, kind: Any, a: Any) -> tuple[torch.Tensor, torch.Tensor, str, int]:
    X = as_batched(patterns, "patterns", ("K", "N"), binary=True)
    s = as_batched(states, "states", ("N",), binary=True)
    if X.shape[-1] != s.shape[-1]:
        raise ValueError(f"patterns has N = {X.shape[-1]} columns but states has {s.shape[-1]} entries "
                         f"(shapes {tuple(X.shape)} and {tuple(s.shape)})")
    check_same_device(patterns=X, states=s)
    broadcast_batch(patterns=X.shape[:-2], states=s.shape[:-1])
    kind = as_choice(kind, "kind", DENSE_KINDS)
    a = as_int(a, "a", minimum=1)
    dtype = common_dtype(X, s)
    return X.to(dtype), s.to(dtype), kind, a


def dense_energy(patterns: torch.Tensor, states: torch.Tensor, *, kind: str = "poly", a: int = 3) -> torch.Tensor:
    r"""Dense associative-memory energy :math:`E(s) = -\sum_\mu F(\xi^\mu \cdot s)`.

    ``kind="poly"``: :math:`F(z) = z^a` (not rectified: for odd ``a`` a negative overlap counts negatively;
    ``a = 2`` is the classical energy up to :math:`E_{\rm dense} = 2N\,E_{\rm classical} - KN`).
    ``kind="exp"``: :math:`F(z) = e^z` (``a`` is ignored), computed as :math:`-\exp(\operatorname{lse}_\mu z_\mu)`:
    exact while :math:`e^{\max_\mu z_\mu}` is representable (``N`` up to about 88 in float32, 709 in float64)
    and ``-inf`` beyond; use :func:`dense_log_energy` there (same order, never overflows).
    ``patterns`` ``[..., K, N]``, ``states`` ``[..., N]``, both ``±1``; returns ``[...]``.
    """
    X, s, kind, a = _dense_inputs(patterns, states, kind, a)
    z = _field(X, s)
    if kind == "poly":
        return -(z ** a).sum(-1)
    return -torch.logsumexp(z, dim=-1).exp()


def dense_log_energy(patterns: torch.Tensor, states: torch.Tensor) -> torch.Tensor:
    r"""Log-domain energy of the exponential dense memory: :math:`-\log(-E) = -\log \sum_\mu e^{\xi^\mu \cdot s}`.

    An increasing function of the ``kind="exp"`` :func:`dense_energy` (so it also never increases along
    :func:`dense_recall`), finite for any ``N``. ``patterns`` ``[..., K, N]``, ``states`` ``[..., N]``
    (``±1``); returns ``[...]``.
    """
    X, s, _, _ = _dense_inputs(patterns, states, "exp", 1)
    return -torch.logsumexp(_field(X, s), dim=-1)


def dense_recall(patterns: torch.Tensor, states: torch.Tensor, *, kind: str = "poly", a: int = 3,
                 sweeps: int = 1, generator: torch.Generator | None = None) -> torch.Tensor:
    r"""Asynchronous recall of a dense associative memory by the flip test

    .. math:: s_i \leftarrow \operatorname{sign}\Big(\sum_\mu F\big(\xi^\mu_i + c_\mu\big) - F\big(-\xi^\mu_i + c_\mu\big)\Big),
              \qquad c_\mu = \sum_{j \ne i} \xi^\mu_j s_j ,

    i.e. :math:`s_i` takes the value of lower :func:`dense_energy` (ties to ``+1``), so the energy never
    increases. ``kind="poly"`` (:math:`F(z) = z^a`) compares :math:`\sum_\mu (z^+_\mu/N)^a - (z^-_\mu/N)^a`
    (same sign, cannot overflow); ``kind="exp"`` uses :math:`\sum_\mu e^{z^+_\mu} - e^{z^-_\mu}
    = 2\sinh(1) \sum_\mu \xi^\mu_i e^{c_\mu}` and takes the sign of
    :math:`\sum_\mu \xi^\mu_i e^{c_\mu - \max_\nu c_\nu}` (cannot overflow, any ``N``; terms more than
    about 87 (float32) or 708 (float64) below the largest underflow to 0). With ``kind="poly", a=2`` this is exactly
    :func:`recall` with :func:`hebbian` weights, and with the same ``generator`` it draws the same orders.
    Random orders, early stop and batching as in :func:`recall`: ``patterns`` ``[..., K, N]``,
    ``states`` ``[..., N]`` (``±1``); returns the states after at most ``sweeps`` sweeps. The overlaps
    :math:`\xi^\mu \cdot s` are kept up to date, so a step costs ``O(batch · K)``.
    """
    X, s0, kind, a = _dense_inputs(patterns, states, kind, a)
    sweeps = as_int(sweeps, "sweeps", minimum=0)
    generator = as_generator(generator, "generator")
    batch = torch.broadcast_shapes(X.shape[:-2], s0.shape[:-1])
    dev, (K, N) = s0.device, X.shape[-2:]
    b = batch.numel()
    units = X.mT.contiguous().reshape(-1, K)                       # row m * N + i: unit i of every pattern
    pidx = _batch_index(X.shape[:-2], batch, dev) * N
    s = s0.expand(*batch, N).reshape(b, N).clone()
    z = _field(X, s.reshape(*batch, N)).reshape(b, K)
    rows = torch.arange(b, device=dev)
    for _ in range(sweeps):
        order = _orders(b, N, dev, generator)
        changed = torch.zeros(b, dtype=torch.bool, device=dev)
        for t in range(N):
            i = order[:, t]
            xi = units.index_select(0, pidx + i)      # [b, K]: unit i of every pattern
            old = s[rows, i]
            c = z - xi * old.unsqueeze(-1)
            if kind == "poly":
                diff = (((c + xi) / N) ** a - ((c - xi) / N) ** a).sum(-1)
            else:
                # sum_mu e^{c+xi} - e^{c-xi} = 2 sinh(1) sum_mu xi e^{c}: the sign, shifted by max c
                diff = (xi * (c - c.amax(-1, keepdim=True)).exp()).sum(-1)
            new = _sign(diff)
            delta = new - old
            z += xi * delta.unsqueeze(-1)
            s[rows, i] = new
            changed |= delta != 0
        if not bool(changed.any()):
            break
    return s.reshape(*batch, N)


# ============================================================================ modern continuous Hopfield

def modern_update(X: torch.Tensor, xi: torch.Tensor, beta: float) -> torch.Tensor:
    r"""One update of the modern Hopfield network: :math:`\xi^{\rm new} = X^\top \operatorname{softmax}(\beta X \xi)`.

    ``X`` ``[..., K, d]`` (stored patterns as rows), ``xi`` ``[..., d]`` (the state / query), ``beta > 0``;
    returns ``[..., d]``. This is single-query attention with keys = values = ``X`` and scale ``beta``.
    """
    X, xi = _patterns_and_query(X, xi, "X", "xi")
    beta = as_real(beta, "beta", minimum=0.0, strict=True)
    X, queries, unfold = _fold_queries(X, xi)
    p = torch.softmax(beta * (queries @ X.mT), dim=-1)
    return unfold(p @ X)


def modern_energy(X: torch.Tensor, xi: torch.Tensor, beta: float) -> torch.Tensor:
    r"""Energy of the modern Hopfield network (Ramsauer et al. 2021):

    .. math:: E(\xi) = -\operatorname{lse}(\beta, X\xi) + \tfrac12\,\xi^\top\xi + \beta^{-1}\log K + \tfrac12 M^2,
              \qquad \operatorname{lse}(\beta, z) = \beta^{-1} \log \textstyle\sum_i e^{\beta z_i},
              \quad M = \max_i \lVert x_i\rVert .

    Always :math:`E \ge \tfrac12(\lVert\xi\rVert - M)^2 \ge 0`, and :math:`E \le 2M^2` when
    :math:`\lVert\xi\rVert \le M` (e.g. after one :func:`modern_update`); it never increases under
    :func:`modern_update`. ``X`` ``[..., K, d]``, ``xi`` ``[..., d]``, ``beta > 0``; returns ``[...]``.
    """
    X, xi = _patterns_and_query(X, xi, "X", "xi")
    beta = as_real(beta, "beta", minimum=0.0, strict=True)
    lse = torch.logsumexp(beta * _field(X, xi), dim=-1) / beta
    M2 = (X * X).sum(-1).amax(-1)
    return -lse + 0.5 * (xi * xi).sum(-1) + math.log(X.shape[-2]) / beta + 0.5 * M2


#: The paper's (Niu et al. 2024) name for the modern Hopfield energy, the same function.
mchn_energy = modern_energy


def separation(X: torch.Tensor) -> torch.Tensor:
    r"""Separation of each pattern from the others: :math:`\Delta_i = x_i^\top x_i - \max_{j \ne i} x_i^\top x_j`.

    ``X`` ``[..., K, d]`` with ``K >= 2``; returns ``[..., K]``.
    """
    X = as_batched(X, "X", ("K", "d"))
    if X.shape[-2] < 2:
        raise ValueError(f"X must hold at least 2 patterns (rows) to compare, got shape {tuple(X.shape)}")
    G = X @ X.mT
    eye = torch.eye(X.shape[-2], dtype=torch.bool, device=X.device)
    return G.diagonal(dim1=-2, dim2=-1) - G.masked_fill(eye, -math.inf).amax(-1)


# ============================================================================ distance energies (Niu et al. 2024)

def _sq_dist(P: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    r""":math:`\lVert x - \rho_i\rVert^2 = \lVert x\rVert^2 - 2 x\cdot\rho_i + \lVert\rho_i\rVert^2` (one matmul), clamped at 0."""
    return ((x * x).sum(-1, keepdim=True) - 2 * _field(P, x) + (P * P).sum(-1)).clamp_min(0)


def distance_energy(P: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    r"""Distance energy :math:`E(x) = -\log \sum_i \exp(-\lVert x - \rho_i\rVert^2)` (a log-sum-exp, never overflows).

    ``P`` ``[..., K, d]`` (patterns :math:`\rho_i` as rows), ``x`` ``[..., d]``; returns ``[...]``.
    Sandwich: :math:`g(x) - \log K \le E(x) \le g(x)` with :math:`g` = :func:`nearest_distance`. For
    patterns of equal norm it equals ``2 * modern_energy(P, x, 2) - log K``. Squared distances are
    computed as :math:`\lVert x\rVert^2 - 2x\cdot\rho_i + \lVert\rho_i\rVert^2` (clamped at 0).
    """
    P, x = _patterns_and_query(P, x, "P", "x")
    return -torch.logsumexp(-_sq_dist(P, x), dim=-1)


def nearest_distance(P: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    r"""Squared distance to the nearest pattern, :math:`g(x) = \min_i \lVert x - \rho_i\rVert^2`.

    ``P`` ``[..., K, d]``, ``x`` ``[..., d]``; returns ``[...]``.
    """
    P, x = _patterns_and_query(P, x, "P", "x")
    return _sq_dist(P, x).amin(-1)


def distance_update(P: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    r"""Gradient step of the distance energy: :math:`x - \tfrac12 \nabla E(x) = \sum_i \operatorname{softmax}_i(-\lVert x - \rho_i\rVert^2)\, \rho_i`.

    ``P`` ``[..., K, d]``, ``x`` ``[..., d]``; returns ``[..., d]``. For patterns of equal norm it equals
    ``modern_update(P, x, 2)``.
    """
    P, x = _patterns_and_query(P, x, "P", "x")
    p = torch.softmax(-_sq_dist(P, x), dim=-1)
    return (p.unsqueeze(-2) @ P).squeeze(-2)


def global_energy(layer_patterns: Sequence[torch.Tensor] | torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    r"""Global energy of a stack of layers: :math:`E_{\rm global}(x) = -\log \sum_t \exp(-E_t(x))`,
    with :math:`E_t` the :func:`distance_energy` of layer ``t``.

    It equals the distance energy of all layers' patterns together, and
    :math:`\min_t E_t - \log l \le E_{\rm global} < \min_t E_t` for :math:`l \ge 2` layers.
    ``layer_patterns``: a non-empty list or tuple of ``[..., K_t, d]`` tensors (the ``K_t`` may differ), or
    one tensor ``[..., l, K, d]``; ``x`` ``[..., d]``; returns ``[...]``.
    """
    if isinstance(layer_patterns, torch.Tensor):
        stacked = as_batched(layer_patterns, "layer_patterns", ("l", "K", "d"))
        layers = list(stacked.unbind(-3))
        names = [f"layer_patterns[..., {t}, :, :]" for t in range(len(layers))]
    elif isinstance(layer_patterns, (list, tuple)):
        if not layer_patterns:
            raise ValueError("layer_patterns must hold at least one layer, got an empty list")
        layers = list(layer_patterns)
        names = [f"layer_patterns[{t}]" for t in range(len(layers))]
    else:
        raise TypeError(f"layer_patterns must be a list of [..., K_t, d] tensors or a [..., l, K, d] tensor, "
                        f"got {type(layer_patterns).__name__}")
    energies = []
    for P, name in zip(layers, names):
        P, xt = _patterns_and_query(P, x, name, "x")
        energies.append(-torch.logsumexp(-_sq_dist(P, xt), dim=-1))
    batch = broadcast_batch(**{name: E.shape for name, E in zip(names, energies)})
    dtype = common_dtype(*energies)
    E = torch.stack([e.to(dtype).expand(batch) for e in energies], dim=-1)
    return -torch.logsumexp(-E, dim=-1)
