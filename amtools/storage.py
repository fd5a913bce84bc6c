r"""Exact errors of closed-form memories over a whole grid of ``(d, T)`` at once.

The memory of the book stores every input with a data-dependent weight ``q``:

.. math:: W_q = \sum_x q(x)\, u_{f(x)}\, e_x^\top ,\qquad
          \mathcal E = \sum_x p(x)\,\mathbf 1\{\arg\max_y u_y^\top W_q e_x \neq f(x)\},

with ``p`` a Zipf law, ``f(x) = x mod M`` and the schemes of the reference
(section 1.4): ``"fill"`` (:math:`q = \mathbf 1\{n_x > 0\}`), ``"frequency"``
(:math:`q = \hat p`), ``"power"`` (:math:`q = \hat p^\rho`) and ``"threshold"``
(:math:`q = \hat p^\rho` on the ``P`` most frequent *seen* inputs).

:func:`error_grid` evaluates all trials, dimensions and data sizes with batched
matrix products. ``W`` has rank at most ``M``: with
:math:`a_y = \sum_{x: f(x) = y} q(x) e_x`, the scores are

.. math:: s(x, y') = \sum_y \langle u_{y'}, u_y\rangle\,\langle e_x, a_y\rangle
          = (B G)_{x y'},\qquad B = E A^\top,\ G = U U^\top ,

so a ``(d, T)`` cell costs :math:`O(\text{trials}\cdot N M d)` and ``W`` itself
(``d x d``) is never formed. All ``d`` share one Gaussian draw
:math:`g \in \mathbb R^{d_\max}` per embedding, and the embedding at dimension ``d``
is built from its first ``d`` coordinates :math:`g_{:d}` exactly as at ``d`` alone:
``"gaussian"``: :math:`g_{:d}/\sqrt d` (entries :math:`\mathcal N(0, 1/d)`);
``"sphere"``: :math:`g_{:d}/\|g_{:d}\|` (uniform on the unit sphere of
:math:`\mathbb R^d`). So each ``d`` has the law of a run at that ``d`` alone, and the
``d`` are coupled (as in the official code). All finite ``T`` share one sample
(prefixes of a length-``T_max`` sample).
"""

from __future__ import annotations

import math
from numbers import Integral
from typing import Any, Callable, Sequence, Union

import torch

from ._validate import (all_finite, as_bool, as_choice, as_device, as_dtype, as_generator, as_int, as_real,
                        as_sizes, as_tensor)
from .embeddings import random_embeddings
from .runtime import pick_device
from .zipf import sample_tokens, token_counts, zipf

__all__ = ["error_grid", "storage_weights", "SCHEMES"]

#: The storage schemes of the module docstring, in the book's order.
SCHEMES = ("fill", "frequency", "power", "threshold")
GRID_EMBEDDINGS = ("gaussian", "sphere")
Top = Union[int, Callable[[int], int], None]


# ---------------------------------------------------------------- validation
def _check_scheme(scheme: Any) -> str:
    return as_choice(scheme, "scheme", SCHEMES)


def _check_top(top: Any, scheme: str, *, allow_callable: bool) -> Top:
    if scheme != "threshold":
        if top is not None:
            raise ValueError(f"top is only used by scheme='threshold', got top={top!r} with scheme={scheme!r}")
        return None
    if top is None:
        raise ValueError("top is required with scheme='threshold' (an int >= 0"
                         + (" or a callable d -> P)" if allow_callable else ")"))
    if callable(top) and not isinstance(top, Integral):
        if not allow_callable:
            raise TypeError("top must be an int here (error_grid resolves a callable top for each d)")
        return top
    return as_int(top, "top", minimum=0)


def _resolve_top(top: Top, d: int) -> int:
    if callable(top):
        return as_int(top(d), f"top({d})", minimum=0)
    return int(top)  # type: ignore[arg-type]


# ---------------------------------------------------------------- weights
def _base_weights(counts_or_p: torch.Tensor, scheme: str, rho: float, population: bool) -> torch.Tensor:
    r"""Weights before thresholding: :math:`\mathbf 1\{n_x>0\}`, :math:`\hat p` or :math:`\hat p^\rho` (float64)."""
    x = counts_or_p.double()
    if population:
        phat, seen = x, torch.ones_like(x, dtype=torch.bool)
    else:
        total = x.sum(-1, keepdim=True)
        phat, seen = x / total.clamp(min=1.0), x > 0
    if scheme == "fill":
        return seen.double()
    if scheme == "frequency":
        return phat
    return torch.where(seen, phat.clamp(min=0.0) ** rho, torch.zeros_like(phat))  # 0**0 = 1 masked


def _ranks(values: torch.Tensor, tie_key: torch.Tensor | None) -> torch.Tensor:
    """Rank of each entry along the last axis (0 = largest value), ranking by ``(value, tie_key)``.

    Lexicographic, largest first: the values decide, and only *exactly* equal values
    are ordered by ``tie_key`` (uniform random numbers: a random order among ties,
    whatever the gaps between distinct values, for counts and frequencies alike), or
    by index when ``tie_key`` is ``None`` (population: a Zipf law's own order).
    Zeros (unseen inputs) rank after every positive value.
    """
    n = values.shape[-1]
    idx = torch.arange(n, device=values.device).expand(values.shape)
    if tie_key is None:
        order = torch.argsort(values, dim=-1, descending=True, stable=True)
    else:
        pre = torch.argsort(tie_key.expand(values.shape), dim=-1, descending=True)  # random order
        by_value = torch.argsort(values.gather(-1, pre), dim=-1, descending=True, stable=True)
        order = pre.gather(-1, by_value)
    return torch.empty_like(order).scatter_(-1, order, idx)


def _kept(counts_or_p: torch.Tensor, ranks: torch.Tensor, P: int, population: bool) -> torch.Tensor:
    keep = ranks < P
    return keep if population else keep & (counts_or_p > 0)


def storage_weights(counts_or_p: torch.Tensor, scheme: str, *, rho: float = 1.0, top: int | None = None,
                    population: bool = False, generator: torch.Generator | None = None) -> torch.Tensor:
    r"""The weights ``q`` of a storage scheme, float64 of the input's shape ``[..., N]``.

    From counts ``n_x`` (``population=False``; :math:`\hat p = n_x / T`) or from the law
    ``p`` itself (``population=True``, the ``T = inf`` limit):

    - ``"fill"``: :math:`q = \mathbf 1\{n_x > 0\}` (population: all ones);
    - ``"frequency"``: :math:`q = \hat p` (population: ``p``);
    - ``"power"``: :math:`q = \hat p^\rho\,\mathbf 1\{n_x > 0\}` (population: :math:`p^\rho`);
    - ``"threshold"``: :math:`q = \hat p^\rho` on the ``top`` most frequent *seen* inputs
      (population: :math:`p^\rho` on the ``top`` largest ``p``, ties by index: the true top
      inputs ``x < top`` of a Zipf law).

    Thresholding ranks the inputs by value; only *exactly* equal values (counts or
    frequencies) are ordered at random, with uniform keys drawn from ``generator``
    (reproducible when seeded); a real gap, however small, is never overturned.
    """
    x = as_tensor(counts_or_p, "counts_or_p")
    if x.ndim == 0 or x.shape[-1] == 0:
        raise ValueError(f"counts_or_p must end with N >= 1 entries, got shape {tuple(x.shape)}")
    if x.is_complex() or x.dtype == torch.bool:
        raise TypeError(f"counts_or_p must be a real tensor, got dtype {x.dtype}")
    if not all_finite(x) or (x < 0).any():
        raise ValueError("counts_or_p must contain finite, non-negative numbers")
    scheme = _check_scheme(scheme)
    rho = as_real(rho, "rho", minimum=0.0)
    population = as_bool(population, "population")
    top = _check_top(top, scheme, allow_callable=False)
    generator = as_generator(generator, "generator")
    q = _base_weights(x, scheme, rho, population)
    if scheme == "threshold":
        tie_key = None if population else torch.rand(
            x.shape, generator=generator, dtype=torch.float64,
            device=generator.device if generator is not None else x.device).to(x.device)
        q = q * _kept(x, _ranks(x.double(), tie_key), int(top), population)  # type: ignore[arg-type]
    return q


# ---------------------------------------------------------------- the grid
def _draw(N: int, M: int, alpha: float, d_max: int, T_max: int, trials: int, seed: int,
          embeddings: str, device: torch.device, dtype: torch.dtype) -> dict[str, Any]:
    """All the randomness of one :func:`error_grid` call, in a fixed order (private).

    Returns ``p``, ``tokens`` (``[trials, T_max]``, or ``None`` without finite ``T``),
    ``E`` ``[trials, N, d_max]``, ``U`` ``[trials, M, d_max]`` (at ``d_max``; see
    :func:`_at_dim` for the other ``d``) and ``tie_key`` ``[trials, N]`` (uniform in
    ``[0, 1)``: the order among exactly tied counts for ``"threshold"``, larger key first).
    """
    gen = torch.Generator(device=device).manual_seed(seed)
    p = zipf(N, alpha, device=device)
    tokens = sample_tokens(p, T_max, trials, generator=gen) if T_max > 0 else None
    E = random_embeddings(N, d_max, trials, embeddings, gen, dtype=dtype, device=device)
    U = random_embeddings(M, d_max, trials, embeddings, gen, dtype=dtype, device=device)
    tie_key = torch.rand(trials, N, generator=gen, dtype=torch.float64, device=device)
    return {"p": p, "tokens": tokens, "E": E, "U": U, "tie_key": tie_key}


def _row_scale(X: torch.Tensor, d: int, embeddings: str) -> torch.Tensor:
    r"""Factors ``r`` (``X.shape[:-1]``) such that the embeddings at ``d`` are ``r * X[..., :d]``.

    ``"gaussian"``: :math:`r = \sqrt{d_\max/d}` (entries :math:`\mathcal N(0, 1/d)`);
    ``"sphere"``: :math:`r = 1/\|X_{:d}\|` (the prefix of a uniform unit vector,
    renormalised, is uniform on the unit sphere of :math:`\mathbb R^d`).
    """
    d_max = X.shape[-1]
    if embeddings == "sphere" and d < d_max:
        return X[..., :d].norm(dim=-1).reciprocal()
    return torch.full(X.shape[:-1], math.sqrt(d_max / d), dtype=X.dtype, device=X.device)


def _at_dim(X: torch.Tensor, d: int, embeddings: str) -> torch.Tensor:
    """Embeddings at dimension ``d`` from the shared ``d_max`` draw ``X``: ``r * X[..., :d]`` (a copy)."""
    return X[..., :d] * _row_scale(X, d, embeddings).unsqueeze(-1)


def _class_sums(q: torch.Tensor, E: torch.Tensor, onehot: torch.Tensor, chunk: int) -> torch.Tensor:
    r"""``A[t, k, y] = sum_{x: f(x)=y} q[t, k, x] e_x`` as ``[trials, K*M, d]``, chunked over inputs."""
    trials, K, N = q.shape
    M, d = onehot.shape[1], E.shape[-1]
    A = torch.zeros(trials, K * M, d, dtype=E.dtype, device=E.device)
    for s in range(0, N, chunk):
        sl = slice(s, s + chunk)
        Q = q[:, :, sl, None].to(E.dtype) * onehot[sl]                 # [trials, K, C, M]
        Q = Q.transpose(2, 3).reshape(trials, K * M, -1)                 # [trials, K*M, C]
        A += Q @ E[:, sl]
    return A


def error_grid(N: int, M: int, alpha: float, ds: Sequence[int], Ts: Sequence[float],
               scheme: str, *, rho: float = 1.0, top: Top = None, trials: int = 100, seed: int = 0,
               embeddings: str = "gaussian", device: torch.device | str | None = None,
               dtype: torch.dtype = torch.float32, chunk: int = 8192) -> torch.Tensor:
    r"""Exact generalization error of :math:`W_q` for every trial, ``d`` in ``ds`` and ``T`` in ``Ts``.

    .. math:: \mathcal E[t, i, j] = \sum_x p(x)\,\mathbf 1\Big\{\arg\max_{y'} \sum_y
              \langle u_{y'}, u_y\rangle_{d_i} \langle e_x, a_y\rangle_{d_i} \neq x \bmod M\Big\},
              \qquad a_y = \sum_{x \equiv y} q_{T_j}(x)\, e_x ,

    where :math:`\langle\cdot,\cdot\rangle_d` is the inner product of the embeddings at
    dimension ``d``, built from the first ``d`` coordinates of one shared draw (see the
    module docstring: rescaled for ``"gaussian"``, renormalised for ``"sphere"``).
    ``p = zipf(N, alpha)``; ``Ts`` holds positive ints and/or ``math.inf`` (weights
    from ``p`` itself); the finite ``T`` use prefixes of one sample per trial.
    ``scheme`` and ``rho``, ``top`` (required iff ``"threshold"``: an int or a
    callable ``d -> P``, e.g. ``lambda d: d // 8``) are as in :func:`storage_weights`.
    Embeddings are ``"gaussian"`` or ``"sphere"``, drawn once per trial at
    ``d_max = max(ds)`` (in float64, cast to ``dtype``). ``ds`` and ``Ts`` follow one
    rule (lists or 1-D tensors; ``3.0`` counts as ``3``; ``inf`` only in ``Ts``).
    Thresholding ranks by counts, exact ties in random order (see :func:`storage_weights`).
    Matmuls run in ``dtype`` (float32 or float64), the error sum in float64, over
    chunks of ``chunk`` inputs. Memory: the embeddings ``trials x (N + M) x d_max``
    in ``dtype`` (no copy per ``d``), the ``trials x T_max`` sample, the weights
    ``trials x K x N`` (float64) and ``trials x chunk x K x M`` scores. Returns a float64 ``Tensor[trials, len(ds), len(Ts)]`` on ``device``
    (default: :func:`pick_device`).
    """
    N = as_int(N, "N", minimum=1)
    M = as_int(M, "M", minimum=2)
    alpha = as_real(alpha, "alpha", minimum=0.0)
    ds = [int(d) for d in as_sizes(ds, "ds", minimum=1)]
    Ts = as_sizes(Ts, "Ts", allow_inf=True, minimum=1)
    scheme = _check_scheme(scheme)
    rho = as_real(rho, "rho", minimum=0.0)
    top = _check_top(top, scheme, allow_callable=True)
    trials = as_int(trials, "trials", minimum=1)
    seed = as_int(seed, "seed", minimum=0)
    embeddings = as_choice(embeddings, "embeddings", GRID_EMBEDDINGS)
    dtype = as_dtype(dtype, "dtype", allowed=(torch.float32, torch.float64))
    dev = pick_device(as_device(device, "device"))
    chunk = as_int(chunk, "chunk", minimum=1)

    finite = [int(T) for T in Ts if T != math.inf]
    d_max, T_max = max(ds), max(finite, default=0)
    draws = _draw(N, M, alpha, d_max, T_max, trials, seed, embeddings, dev, dtype)
    p, tokens, E, U = draws["p"], draws["tokens"], draws["E"], draws["U"]

    # Weights for every T: stats[t, j, x] are counts of the first T_j tokens (or p).
    population = [T == math.inf for T in Ts]
    stats = torch.stack([p.expand(trials, N) if pop else token_counts(tokens[:, : int(T)], N)
                         for T, pop in zip(Ts, population)], dim=1)          # [trials, K, N]
    pop_mask = torch.tensor(population, device=dev).view(1, -1, 1)
    base = torch.where(pop_mask, _base_weights(stats, scheme, rho, True),
                       _base_weights(stats, scheme, rho, False))
    if scheme == "threshold":
        ranks = torch.where(pop_mask, _ranks(stats, None),
                            _ranks(stats, draws["tie_key"].unsqueeze(1)))
        seen = pop_mask | (stats > 0)

    targets = torch.arange(N, device=dev) % M
    onehot = torch.nn.functional.one_hot(targets, M).to(dtype)               # [N, M]
    # The embeddings at d are r_x e_x[:d] and c_y u_y[:d] (see _row_scale), never copied:
    # A = sum_x q(x) r_x e_x[:d] (the factors go into q), G = diag(c) U_d U_d^T diag(c), and the
    # scores of input x, r_x (e_x[:d] A^T) G, are computed without r_x > 0, which leaves the argmax.
    q_fixed = None                                 # d-independent q
    if not (scheme == "threshold" and callable(top)):
        q_fixed = base * (seen & (ranks < int(top))) if scheme == "threshold" else base  # type: ignore[operator]
    A_full = None                                  # gaussian: A at d is the scaled prefix of A at d_max
    if q_fixed is not None and embeddings == "gaussian":
        A_full = _class_sums(q_fixed, E, onehot, chunk)                        # [trials, K*M, d_max]

    K = len(Ts)
    err = torch.zeros(trials, len(ds), K, dtype=torch.float64, device=dev)
    for i, d in enumerate(ds):
        rE = _row_scale(E, d, embeddings)                                      # [trials, N]
        Ud = U[..., :d] * _row_scale(U, d, embeddings).unsqueeze(-1)           # [trials, M, d]
        if A_full is not None:
            A = A_full[..., :d] * math.sqrt(d_max / d)
        else:
            q = q_fixed if q_fixed is not None else base * (seen & (ranks < _resolve_top(top, d)))
            A = _class_sums(q * rE.unsqueeze(1).double(), E[..., :d], onehot, chunk)
        G = Ud @ Ud.transpose(1, 2)                                            # [trials, M, M]
        At = A.transpose(1, 2)                                                 # [trials, d, K*M]
        for s in range(0, N, chunk):
            sl = slice(s, s + chunk)
            B = E[:, sl, :d] @ At                                              # [trials, C, K*M], row x / r_x
            C = B.shape[1]
            scores = (B.reshape(trials, C * K, M) @ G).reshape(trials, C, K, M)
            wrong = scores.argmax(-1) != targets[sl, None]                     # [trials, C, K]
            err[:, i] += torch.einsum("tck,c->tk", wrong.double(), p[sl])
    return err
