"""Self-checks for the exercises of the chapter book/dense-and-modern-hopfield.ipynb.

- :func:`check_hopfield_update`: one update of the modern Hopfield network,
  ``xi_new = softmax(beta X xi) X`` (patterns ``X`` as rows), batched, checked against
  :func:`amtools.hopfield.modern_update`;
- :func:`check_dense_flip`: the flip test of one unit of a dense associative memory,
  ``sign(sum_mu F(xi_mu_i + c_mu) - F(-xi_mu_i + c_mu))`` with ``c_mu = sum_{j != i} xi_mu_j s_j``,
  for ``F(z) = z^a`` and ``F(z) = e^z`` (the latter without overflow at ``N = 1000``).
"""

from __future__ import annotations

import math
from typing import Any, Callable

import torch

from .. import hopfield
from ._core import Feedback

__all__: list[str] = ["check_hopfield_update", "check_dense_flip"]


def _pm1(shape: tuple[int, ...], gen: torch.Generator) -> torch.Tensor:
    return (torch.randint(0, 2, shape, generator=gen) * 2 - 1).to(torch.float64)


def check_hopfield_update(fn: Callable[[torch.Tensor, torch.Tensor, float], Any]) -> None:
    """Check ``fn(X, xi, beta) -> xi_new``: ``softmax(beta X xi) X`` for ``X`` ``[..., K, d]``, ``xi`` ``[..., d]``.

    Cases: two patterns by hand (``beta = log(3)/2`` gives the weights 3/4 and 1/4); one query against
    ``K = 7`` Gaussian patterns; a batch of 5 queries with their own patterns (``X`` ``[5, 7, 4]``);
    a large ``beta`` (scores of about 6400, which overflow a naive ``exp``); a tiny ``beta`` (the mean
    of the patterns). Shape and dtype first, then values against ``amtools.hopfield.modern_update``.
    """
    fb = Feedback("hopfield_update", fn)

    case = "by hand: X = [[2, 0], [0, 1]], xi = [1, 0], beta = log(3) / 2"
    X = torch.tensor([[2.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
    xi = torch.tensor([1.0, 0.0], dtype=torch.float64)
    got = fb.tensor(case, fb.call(case, X.clone(), xi.clone(), math.log(3.0) / 2), (2,), floating=True,
                    slip="return the new state, a vector of length d (a combination of the rows of X), "
                         "not the K softmax weights")
    fb.close(case, got, torch.tensor([1.5, 0.25], dtype=torch.float64), atol=1e-9,
             slip="the scores are beta * (X xi) = [log 3, 0], so the weights are 3/4 and 1/4, and the "
                  "result is 3/4 of the first row plus 1/4 of the second; check the factor beta, the "
                  "exponential, and that you return weights @ X")

    gen = torch.Generator().manual_seed(11)
    case = "one query, K = 7 Gaussian patterns in d = 4, beta = 0.7"
    X = torch.randn(7, 4, generator=gen, dtype=torch.float64)
    xi = torch.randn(4, generator=gen, dtype=torch.float64)
    got = fb.tensor(case, fb.call(case, X.clone(), xi.clone(), 0.7), (4,), floating=True,
                    slip="X holds the K patterns as rows: the scores are X @ xi (length K), the result "
                         "weights @ X (length d)")
    fb.close(case, got, hopfield.modern_update(X, xi, 0.7), rtol=1e-6, atol=1e-9,
             slip="normalize the exponentials over the K patterns (the weights sum to 1)")

    case = "a batch: X of shape [5, 7, 4], xi of shape [5, 4], beta = 0.7"
    X = torch.randn(5, 7, 4, generator=gen, dtype=torch.float64)
    xi = torch.randn(5, 4, generator=gen, dtype=torch.float64)
    got = fb.tensor(case, fb.call(case, X.clone(), xi.clone(), 0.7), (5, 4), floating=True,
                    slip="batch over the leading dimension: each query xi[b] against its own patterns X[b]; "
                         "matmul of [5, 7, 4] with xi[..., None] gives the [5, 7, 1] scores")
    fb.close(case, got, hopfield.modern_update(X, xi, 0.7), rtol=1e-6, atol=1e-9,
             slip="take the softmax over the pattern axis (the K axis, dim=-1 of the scores), "
                  "not over the batch")

    case = "large beta = 100, 50 patterns of ±1 in d = 64, query = pattern 0"
    X = _pm1((50, 64), gen)
    got = fb.tensor(case, fb.call(case, X.clone(), X[0].clone(), 100.0), (64,), floating=True)
    fb.true(case, bool(torch.isfinite(got).all()),
            "the result contains inf or nan",
            slip="the scores reach 100 * 64 = 6400 and exp overflows: subtract the largest score before "
                 "exponentiating (torch.softmax does this for you)")
    fb.close(case, got, X[0], atol=1e-6, slip="with a large beta the update returns the nearest pattern")

    case = "tiny beta = 1e-9: the update is the mean of the patterns"
    got = fb.tensor(case, fb.call(case, X.clone(), X[0].clone(), 1e-9), (64,), floating=True)
    fb.close(case, got, X.mean(0), atol=1e-6,
             slip="when beta -> 0 every weight is 1/K; check the normalization of the weights")
    fb.done()


def _flip_reference(patterns: torch.Tensor, state: torch.Tensor, i: int, kind: str, a: int) -> float:
    X, s = patterns.double(), state.double()
    c = X @ s - X[:, i] * s[i]
    up, down = c + X[:, i], c - X[:, i]
    if kind == "poly":
        diff = float((up ** a - down ** a).sum())
    else:
        diff = float(torch.logsumexp(up, 0) - torch.logsumexp(down, 0))
    return 1.0 if diff >= 0 else -1.0


def check_dense_flip(fn: Callable[..., Any]) -> None:
    """Check ``fn(patterns, state, i, kind, a) -> ±1``: the flip test of unit ``i`` of a dense memory.

    ``patterns`` ``[K, N]`` and ``state`` ``[N]`` hold ``±1``; the answer is the new value of ``s_i``,
    ``sign(sum_mu F(xi_mu_i + c_mu) - F(-xi_mu_i + c_mu))`` with ``c_mu = sum_{j != i} xi_mu_j s_j`` and
    ``sign(0) = +1``, for ``kind="poly"`` (``F(z) = z^a``) and ``kind="exp"`` (``F(z) = e^z``, ``a`` unused).
    Cases: two patterns of three units by hand, an exact tie, random memories (``a = 2, 3, 4`` and
    ``kind="exp"``) against a reference flip test, and ``kind="exp"`` at ``N = 1000``.
    """
    fb = Feedback("dense_flip", fn)

    def value(case: str, got: Any) -> float:
        v = fb.number(case, got)
        fb.true(case, v in (1.0, -1.0), f"expected the new value of s_i, +1 or -1, got {v:g}",
                slip="return the sign of the energy difference, +1 or -1 (and +1 for a tie)")
        return v

    case = "by hand: patterns [[1, 1, 1], [1, -1, 1]], state [-1, -1, 1], i = 2, a = 2"
    P = torch.tensor([[1.0, 1.0, 1.0], [1.0, -1.0, 1.0]])
    s = torch.tensor([-1.0, -1.0, 1.0])
    got = value(case, fb.call(case, P.clone(), s.clone(), 2, "poly", 2))
    fb.equal(case, got, _flip_reference(P, s, 2, "poly", 2),
             slip="leave unit i out of the overlaps (c_mu sums over j != i), then compare the energy "
                  "terms with s_i = +1 and with s_i = -1; the answer does not depend on the current s_i")

    case = "a tie: patterns [[1, 1], [1, -1]], state [1, -1], i = 1, a = 3"
    P = torch.tensor([[1.0, 1.0], [1.0, -1.0]])
    s = torch.tensor([1.0, -1.0])
    got = value(case, fb.call(case, P.clone(), s.clone(), 1, "poly", 3))
    fb.equal(case, got, _flip_reference(P, s, 1, "poly", 3),
             slip="the two patterns cancel exactly here (a difference of 0): the convention is sign(0) = +1, "
                  "whatever the current s_i (torch.sign(0) is 0)")

    gen = torch.Generator().manual_seed(5)
    for kind, a, K, N in (("poly", 2, 12, 30), ("poly", 3, 60, 30), ("poly", 4, 200, 20), ("exp", 3, 300, 16)):
        P = _pm1((K, N), gen)
        for trial in range(6):
            s = P[trial].clone()
            flips = torch.rand(N, generator=gen) < 0.25
            s[flips] = -s[flips]
            i = int(torch.randint(0, N, (1,), generator=gen))
            case = f"kind={kind!r}, a={a}, K={K} random patterns of N={N} units, unit i={i} (draw {trial})"
            got = value(case, fb.call(case, P.clone(), s.clone(), i, kind, a))
            want = _flip_reference(P, s, i, kind, a)
            fb.equal(case, got, want,
                     slip=("F(z) = e^z for kind='exp'" if kind == "exp" else f"F(z) = z^{a}: check the power a") +
                          "; c_mu sums over j != i only, and unit i enters as +xi_mu_i and as -xi_mu_i")

    case = "kind='exp' with N = 1000 units, state = a stored pattern with 10 flipped units"
    P = _pm1((40, 1000), gen)
    s = P[3].clone()
    s[:10] = -s[:10]
    units = [int(j) for j in (P[3] > 0).nonzero()[:2, 0]] + [int(j) for j in (P[3] < 0).nonzero()[-2:, 0]]
    for i in units:
        got = value(case + f", unit i={i}", fb.call(case, P.clone(), s.clone(), i, "exp", 3))
        fb.equal(case + f", unit i={i}", got, _flip_reference(P, s, i, "exp", 3),
                 slip="the overlaps reach about 980 and e^980 overflows: compare the two sums in the log "
                      "domain (torch.logsumexp), or factor out e^{max c} before exponentiating")
    fb.done()
