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
(``d x d``) is never formed. All ``d`` share one draw of the embeddings (the
first ``d`` coordinates of a ``d_max``-dimensional draw), and all finite ``T``
share one sample (prefixes of a length-``T_max`` sample), as in the official code.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any, Callable, Sequence, Union

import torch

from ._validate import as_int, as_real, as_tensor
from .embeddings import random_embeddings
from .runtime import pick_device
from .zipf import sample_tokens, token_counts, zipf

__all__ = ["error_grid", "storage_weights", "SCHEMES"]

SCHEMES = ("fill", "frequency", "power", "threshold")
GRID_EMBEDDINGS = ("gaussian", "sphere")
Top = Union[int, Callable[[int], int], None]


# ---------------------------------------------------------------- validation
def _check_scheme(scheme: Any) -> str:
    if not isinstance(scheme, str) or scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    return scheme


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


def _check_sizes(values: Any, name: str, *, allow_inf: bool) -> list[float | int]:
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, torch.Tensor)):
        raise TypeError(f"{name} must be a sequence of positive integers"
                        + (" or math.inf" if allow_inf else "") + f", got {type(values).__name__}")
    out: list[float | int] = []
    for v in (values.tolist() if isinstance(values, torch.Tensor) else values):
        if allow_inf and isinstance(v, Real) and not isinstance(v, (bool, Integral)) and math.isinf(v) and v > 0:
            out.append(math.inf)
        else:
            out.append(as_int(v, f"each entry of {name}", minimum=1))
    if not out:
        raise ValueError(f"{name} must not be empty")
    return out


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


def _ranks(counts_or_p: torch.Tensor, jitter: torch.Tensor | None, population: bool) -> torch.Tensor:
    """Rank of each input (0 = most frequent); unseen inputs rank after every seen one.

    Population: the rank is the index (the true frequency order of a Zipf law).
    Counts: rank by ``count + jitter`` (``jitter`` in ``[0, 0.5)``), so ties among
    seen inputs are broken at random, never by index.
    """
    n = counts_or_p.shape[-1]
    idx = torch.arange(n, device=counts_or_p.device)
    if population:
        return idx.expand(counts_or_p.shape)
    counts = counts_or_p.double()
    key = torch.where(counts > 0, counts + jitter, torch.full_like(counts, -1.0))
    order = torch.argsort(key, dim=-1, descending=True)
    return torch.empty_like(order).scatter_(-1, order, idx.expand(order.shape))


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
    - ``"threshold"``: :math:`q = \hat p^\rho` on the ``top`` most frequent *seen* inputs,
      ties among seen inputs broken at random with ``generator`` (population: :math:`p^\rho`
      on ``x < top``, the true top inputs of a Zipf law).
    """
    x = as_tensor(counts_or_p, "counts_or_p", floating=None)
    if x.ndim == 0 or x.shape[-1] == 0:
        raise ValueError(f"counts_or_p must end with N >= 1 entries, got shape {tuple(x.shape)}")
    if x.is_complex() or x.dtype == torch.bool:
        raise TypeError(f"counts_or_p must be a real tensor, got dtype {x.dtype}")
    if not torch.isfinite(x.double()).all() or (x < 0).any():
        raise ValueError("counts_or_p must contain finite, non-negative numbers")
    scheme = _check_scheme(scheme)
    rho = as_real(rho, "rho", minimum=0.0)
    if not isinstance(population, bool):
        raise TypeError(f"population must be a bool, got {type(population).__name__}")
    top = _check_top(top, scheme, allow_callable=False)
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")
    q = _base_weights(x, scheme, rho, population)
    if scheme == "threshold":
        jitter = None if population else 0.5 * torch.rand(
            x.shape, generator=generator, dtype=torch.float64,
            device=generator.device if generator is not None else x.device).to(x.device)
        q = q * _kept(x, _ranks(x, jitter, population), int(top), population)  # type: ignore[arg-type]
    return q


# ---------------------------------------------------------------- the grid
def _draw(N: int, M: int, alpha: float, d_max: int, T_max: int, trials: int, seed: int,
          embeddings: str, device: torch.device, dtype: torch.dtype) -> dict[str, Any]:
    """All the randomness of one :func:`error_grid` call, in a fixed order (private).

    Returns ``p``, ``tokens`` (``[trials, T_max]``, or ``None`` without finite ``T``),
    ``E`` ``[trials, N, d_max]``, ``U`` ``[trials, M, d_max]`` and ``jitter``
    ``[trials, N]`` (tie-breaking for ``"threshold"``, in ``[0, 0.5)``).
    """
    gen = torch.Generator(device=device).manual_seed(seed)
    p = zipf(N, alpha, device=device)
    tokens = sample_tokens(p, T_max, trials, generator=gen) if T_max > 0 else None
    E = random_embeddings(N, d_max, trials, embeddings, gen, dtype=dtype, device=device)
    U = random_embeddings(M, d_max, trials, embeddings, gen, dtype=dtype, device=device)
    jitter = 0.5 * torch.rand(trials, N, generator=gen, dtype=torch.float64, device=device)
    return {"p": p, "tokens": tokens, "E": E, "U": U, "jitter": jitter}


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

    where :math:`\langle\cdot,\cdot\rangle_d` uses the first ``d`` coordinates.
    ``p = zipf(N, alpha)``; ``Ts`` holds positive ints and/or ``math.inf`` (weights
    from ``p`` itself); the finite ``T`` use prefixes of one sample per trial.
    ``scheme`` and ``rho``, ``top`` (required iff ``"threshold"``: an int or a
    callable ``d -> P``, e.g. ``lambda d: d // 8``) are as in :func:`storage_weights`.
    Embeddings are ``"gaussian"`` or ``"sphere"``, drawn once per trial at
    ``d_max = max(ds)``. Matmuls run in ``dtype`` (float32 by default), the error
    sum in float64, over chunks of ``chunk`` inputs. Returns a float64
    ``Tensor[trials, len(ds), len(Ts)]`` on ``device`` (default: :func:`pick_device`).
    """
    N = as_int(N, "N", minimum=1)
    M = as_int(M, "M", minimum=2)
    alpha = as_real(alpha, "alpha", minimum=0.0)
    ds = [int(d) for d in _check_sizes(ds, "ds", allow_inf=False)]
    Ts = _check_sizes(Ts, "Ts", allow_inf=True)
    scheme = _check_scheme(scheme)
    rho = as_real(rho, "rho", minimum=0.0)
    top = _check_top(top, scheme, allow_callable=True)
    trials = as_int(trials, "trials", minimum=1)
    seed = as_int(seed, "seed", minimum=0)
    if not isinstance(embeddings, str) or embeddings not in GRID_EMBEDDINGS:
        raise ValueError(f"embeddings must be one of {GRID_EMBEDDINGS}, got {embeddings!r}")
    if dtype not in (torch.float32, torch.float64):
        raise TypeError(f"dtype must be torch.float32 or torch.float64, got {dtype!r}")
    chunk = as_int(chunk, "chunk", minimum=1)
    dev = pick_device(device)

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
        ranks = torch.where(pop_mask, _ranks(stats, None, True),
                            _ranks(stats, draws["jitter"].unsqueeze(1), False))
        seen = pop_mask | (stats > 0)

    targets = torch.arange(N, device=dev) % M
    onehot = torch.nn.functional.one_hot(targets, M).to(dtype)               # [N, M]
    A_full = None                                  # d-independent q: one A for every d
    if not (scheme == "threshold" and callable(top)):
        q = base * (seen & (ranks < int(top))) if scheme == "threshold" else base  # type: ignore[operator]
        A_full = _class_sums(q, E, onehot, chunk)                              # [trials, K*M, d_max]

    K = len(Ts)
    err = torch.zeros(trials, len(ds), K, dtype=torch.float64, device=dev)
    for i, d in enumerate(ds):
        if A_full is None:
            q = base * (seen & (ranks < _resolve_top(top, d)))
            A = _class_sums(q, E[..., :d], onehot, chunk)
        else:
            A = A_full[..., :d]
        G = U[..., :d] @ U[..., :d].transpose(1, 2)                            # [trials, M, M]
        At = A.transpose(1, 2)                                                 # [trials, d, K*M]
        for s in range(0, N, chunk):
            sl = slice(s, s + chunk)
            B = E[:, sl, :d] @ At                                              # [trials, C, K*M]
            C = B.shape[1]
            scores = (B.reshape(trials, C * K, M) @ G).reshape(trials, C, K, M)
            wrong = scores.argmax(-1) != targets[sl, None]                     # [trials, C, K]
            err[:, i] += torch.einsum("tck,c->tk", wrong.double(), p[sl])
    return err
