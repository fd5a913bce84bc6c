"""Self-checks for the exercises of the chapter book/beyond-scaling-laws.ipynb.

- :func:`check_distance_energy`: the distance energy of "Beyond Scaling Laws",
  ``E(x) = -log sum_i exp(-||x - rho_i||^2)``, computed stably for a batch of points.
- :func:`check_distance_step`: half a gradient step on it, ``x - grad E(x) / 2 = sum_i p_i(x) rho_i``
  with ``p(x) = softmax_i(-||x - rho_i||^2)``: one step of attention with keys = values = the patterns.

The answers are compared with small float64 implementations written here (the package's own versions live
in :mod:`amtools.hopfield`; the checks do not depend on them).
"""

from __future__ import annotations

import math
from typing import Any, Callable

import torch

from ._core import Feedback

__all__: list[str] = ["check_distance_energy", "check_distance_step"]


def _sq_dist(P: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``||x_b - rho_i||^2`` as ``[B, K]`` (float64, by differences: no cancellation)."""
    return ((x[:, None, :] - P[None, :, :]) ** 2).sum(-1)


def _energy(P: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return -torch.logsumexp(-_sq_dist(P, x), dim=-1)


def _step(P: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return torch.softmax(-_sq_dist(P, x), dim=-1) @ P


def _diagnose(got: torch.Tensor, candidates: list[tuple[Callable[[], torch.Tensor], str]], default: str) -> str:
    """The slips of the typical wrong answers that ``got`` matches (several may coincide on a small case),
    else ``default``."""
    slips = []
    for wrong, slip in candidates:
        alt = wrong()
        if alt.shape == got.shape and torch.allclose(got.double(), alt.double(), rtol=1e-6, atol=1e-9, equal_nan=True):
            slips.append(slip)
    return "; or ".join(slips) if slips else default


def _cases() -> list[tuple[str, torch.Tensor, torch.Tensor]]:
    """(name, patterns [K, n], points [B, n]): by hand first, then random, far and unequal-norm cases."""
    gen = torch.Generator().manual_seed(0)
    dt = torch.float64
    P_rand = torch.randn(6, 5, generator=gen, dtype=dt)
    x_rand = torch.randn(7, 5, generator=gen, dtype=dt)
    # patterns of very different norms: dot-product weights differ from distance weights
    P_uneq = torch.tensor([[0.2, 0.0], [3.0, 0.0], [0.0, 2.5]], dtype=dt)
    x_uneq = torch.tensor([[0.5, 0.1], [1.2, 0.9], [0.1, 1.0], [2.0, 2.0]], dtype=dt)
    # far from every pattern: exp(-||x - rho||^2) underflows to 0 in a plain sum
    P_far = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]], dtype=dt)
    x_far = torch.tensor([[30.0, 30.0], [-40.0, 5.0]], dtype=dt)
    return [
        ("by hand: one pattern (1, 0), points (0, 0) and (1, 2)",
         torch.tensor([[1.0, 0.0]], dtype=dt), torch.tensor([[0.0, 0.0], [1.0, 2.0]], dtype=dt)),
        ("by hand: patterns (0, 0) and (2, 0), point (1, 0) halfway",
         torch.tensor([[0.0, 0.0], [2.0, 0.0]], dtype=dt), torch.tensor([[1.0, 0.0]], dtype=dt)),
        ("6 random patterns in dimension 5, 7 random points", P_rand, x_rand),
        ("patterns of unequal norms (0.2, 3 and 2.5)", P_uneq, x_uneq),
        ("points far from every pattern (distances ~ 40)", P_far, x_far),
    ]


def check_distance_energy(fn: Callable[[torch.Tensor, torch.Tensor], Any]) -> None:
    """Check ``fn(P, x) -> E``: ``P`` ``[K, n]`` patterns as rows, ``x`` ``[B, n]`` points, ``E`` ``[B]``
    with ``E[b] = -log sum_i exp(-||x_b - rho_i||^2)``.

    Cases: one pattern (``E`` is the squared distance), two patterns with a point halfway (``1 - log 2``),
    random patterns and points, patterns of unequal norms, and points so far that a plain
    ``log(sum(exp(...)))`` underflows to ``-log 0 = inf``.
    """
    fb = Feedback("distance_energy", fn)
    for case, P, x in _cases():
        got = fb.tensor(case, fb.call(case, P.clone(), x.clone()), (x.shape[0],), floating=True,
                        slip="return one energy per point: a tensor of shape (B,), summed over the patterns "
                             "(axis of length K), not over the points")
        want = _energy(P, x)
        fb.true(case, bool(torch.isfinite(got).all()),
                f"expected finite energies ({want.tolist()}), got {got.tolist()}",
                slip="exp(-||x - rho||^2) underflows to 0 far from the patterns: use torch.logsumexp")
        slip = _diagnose(got, [
            (lambda: -torch.logsumexp(-_sq_dist(P, x).sqrt(), dim=-1),
             "E uses the squared distance ||x - rho||^2, not the distance"),
            (lambda: torch.logsumexp(-_sq_dist(P, x), dim=-1), "E = -log sum ...: a minus sign in front of the log"),
            (lambda: -torch.logsumexp(_sq_dist(P, x), dim=-1),
             "the exponent is minus the squared distance: near patterns weigh most"),
            (lambda: _energy(P, x) + math.log(P.shape[0]), "sum over the patterns, not the mean (off by log K)"),
            (lambda: _sq_dist(P, x).amin(-1), "that is the hard minimum g(x); E is its soft version, a log-sum-exp"),
        ], default=("with one pattern E(x) = ||x - rho||^2" if P.shape[0] == 1 else
                    "E = -log sum_i exp(-||x - rho_i||^2): squared Euclidean distances, a sum over i, two minus signs"))
        fb.close(case, got.double(), want, rtol=1e-6, atol=1e-9, slip=slip)
    fb.done()


def check_distance_step(fn: Callable[[torch.Tensor, torch.Tensor], Any]) -> None:
    """Check ``fn(P, x) -> x_new``: ``P`` ``[K, n]``, ``x`` ``[B, n]``, ``x_new`` ``[B, n]`` with
    ``x_new = x - grad E(x) / 2 = sum_i softmax_i(-||x - rho_i||^2) rho_i``.

    Cases: one pattern (the step lands on it from anywhere), a point halfway between two patterns
    (it stays), random patterns and points, patterns of unequal norms (where dot-product weights
    ``softmax(P x)`` are wrong), and points far from every pattern (where a plain ``exp`` gives 0/0).
    """
    fb = Feedback("distance_step", fn)
    for case, P, x in _cases():
        got = fb.tensor(case, fb.call(case, P.clone(), x.clone()), tuple(x.shape), floating=True,
                        slip="return one new point per point: shape (B, n), a weighted average of the rows of P")
        want = _step(P, x)
        fb.true(case, bool(torch.isfinite(got).all()),
                f"expected finite points, got {got.tolist()}",
                slip="far from the patterns every exp(-||x - rho||^2) underflows to 0 (0/0 = nan): "
                     "use torch.softmax, which subtracts the largest logit first")
        slip = _diagnose(got, [
            (lambda: 2 * want - x, "that is a full gradient step x - grad E, which overshoots to 2 sum_i p_i rho_i - x; "
                                   "take half of it"),
            (lambda: 2 * (x - want), "that is the gradient grad E(x); return the new point x - grad E / 2"),
            (lambda: torch.softmax(x @ P.T, dim=-1) @ P,
             "the weights are softmax(-||x - rho_i||^2), not softmax(rho_i . x): dot products give the same weights "
             "only when all patterns have the same norm"),
            (lambda: torch.softmax(2 * x @ P.T, dim=-1) @ P,
             "the weights are softmax(-||x - rho_i||^2), not softmax(2 rho_i . x): the two agree only when all "
             "patterns have the same norm"),
            (lambda: torch.softmax(_sq_dist(P, x), dim=-1) @ P,
             "the weights are the softmax of minus the squared distances: the nearest pattern weighs most"),
            (lambda: torch.softmax(-_sq_dist(P, x).sqrt(), dim=-1) @ P,
             "the weights use squared distances, not distances"),
        ], default=("with a single pattern every weight is 1 and the step lands exactly on it" if P.shape[0] == 1 else
                    "x - grad E / 2 with grad E = 2 sum_i p_i (x - rho_i): the x terms cancel, leaving "
                    "sum_i p_i rho_i, with p = softmax of minus the squared distances"))
        fb.close(case, got.double(), want, rtol=1e-6, atol=1e-9, slip=slip)
    fb.done()
