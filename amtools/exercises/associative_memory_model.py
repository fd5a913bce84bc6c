"""Self-checks for the exercises of the chapter book/associative-memory-model.ipynb.

- :func:`check_argmax_error`: a Monte-Carlo estimate of :math:`\\varepsilon_M(z)`, the error of the
  argmax among ``M`` Gaussian scores when the right one leads by :math:`\\sqrt{Mz}` standard
  deviations;
- :func:`check_memory_error`: the exact 0-1 error of an outer-product memory with random Gaussian
  embeddings, one value per trial.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch

from ..embeddings import random_embeddings
from ..memory import decode, generalization_error, memory_matrix
from ..zipf import zipf
from ._core import Feedback

__all__ = ["check_argmax_error", "check_memory_error"]

_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(64)


def _eps(z: torch.Tensor, M: int) -> torch.Tensor:
    r""":math:`\varepsilon_M(z) = 1 - \mathbb E_g[\Phi(g + \sqrt{Mz})^{M-1}]` by Gauss-Hermite quadrature."""
    nodes = torch.tensor(_NODES, dtype=torch.float64)
    weights = torch.tensor(_WEIGHTS, dtype=torch.float64) / math.sqrt(2 * math.pi)
    z = torch.as_tensor(z, dtype=torch.float64)
    shifted = nodes + torch.sqrt(M * z)[..., None]
    return 1 - (torch.special.ndtr(shifted) ** (M - 1) * weights).sum(-1)


def _independent(z: torch.Tensor, M: int) -> torch.Tensor:
    """The formula with the M - 1 margins treated as independent (a typical slip)."""
    z = torch.as_tensor(z, dtype=torch.float64)
    return 1 - (1 - torch.special.ndtr(-torch.sqrt(M * z / 2))) ** (M - 1)


def check_argmax_error(fn: Callable[..., torch.Tensor]) -> None:
    """Check ``argmax_error(z, M, samples, generator) -> Tensor[K]`` (a Monte-Carlo estimate).

    The tolerance of each value is four binomial standard errors of the estimate,
    ``sqrt(eps (1 - eps) / samples)``, so a correct estimator fails about once in 10^4 runs.
    """
    fb = Feedback("argmax_error", fn)
    samples = 200_000

    def tol(expected: torch.Tensor) -> float:
        return float(4 * torch.sqrt(expected * (1 - expected) / samples).max()) + 1e-12

    # 1. By hand: M = 2, no advantage: a fair coin.
    case = "z = [0], M = 2 (two scores, no advantage: expected 1/2)"
    got = fb.call(case, torch.zeros(1), 2, samples, torch.Generator().manual_seed(1))
    fb.tensor(case, got, (1,), floating=True, slip="return one estimate per entry of z, as floats")
    fb.close(case, got, torch.tensor([0.5]), atol=tol(torch.tensor([0.5])),
             slip="with M = 2 and z = 0 the right score wins half the time")

    # 2. Chance level: z = 0 with M = 5 must give 1 - 1/M, not 1 - 2^-(M-1).
    case = "z = [0], M = 5 (no advantage: chance level)"
    got = fb.call(case, torch.zeros(1), 5, samples, torch.Generator().manual_seed(2))
    fb.tensor(case, got, (1,), floating=True)
    if abs(float(got[0]) - (1 - 2.0 ** -4)) < 0.01:
        fb.fail(case, f"expected about {1 - 1 / 5:.3g}, got {float(got[0]):.4g}",
                "the M - 1 comparisons share the right output's score: draw all M scores and "
                "take one argmax, do not multiply independent pairwise probabilities")
    fb.close(case, got, torch.tensor([0.8]), atol=tol(torch.tensor([0.8])),
             slip="at z = 0 the right score is one of M exchangeable scores")

    # 3. Values and shape on a grid, against quadrature.
    z = torch.tensor([0.1, 0.5, 1.0, 2.0])
    case = "z = [0.1, 0.5, 1, 2], M = 5"
    got = fb.call(case, z, 5, samples, torch.Generator().manual_seed(3))
    fb.tensor(case, got, (4,), floating=True, slip="one estimate per entry of z")
    expected = _eps(z, 5)
    if (got.double() - _independent(z, 5)).abs().max() < tol(expected):
        fb.fail(case, "your values match the independent-margins formula, not the argmax",
                "simulate the M scores jointly")
    half = _eps(z / 2, 5)
    if (got.double() - half).abs().max() < tol(expected):
        fb.fail(case, "your values are those of an advantage sqrt(M z / 2)",
                "the advantage is sqrt(M z) standard deviations of ONE score (the margin between "
                "two scores has twice the variance)")
    fb.true(case, bool((got[1:] <= got[:-1] + tol(expected)).all()),
            f"the error must decrease as z grows, got {[round(float(v), 4) for v in got]}")
    fb.close(case, got.double(), expected, atol=tol(expected),
             slip="shift the right score by sqrt(M z) and count how often another score is larger")
    fb.done()


def _reference_errors(q: torch.Tensor, targets: torch.Tensor, p: torch.Tensor, d: int, trials: int,
                      seed: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    M = int(targets.max()) + 1
    E = random_embeddings(q.shape[-1], d, trials, generator=gen)
    U = random_embeddings(M, d, trials, generator=gen)
    return generalization_error(decode(memory_matrix(q, E, U, targets), E, U), targets, p)


def check_memory_error(fn: Callable[..., torch.Tensor]) -> None:
    """Check ``memory_error(q, targets, p, d, trials, generator) -> Tensor[trials]``.

    The value case compares the mean over trials with amtools' computation on independent
    draws; the tolerance is four standard errors of the difference of the two means.
    """
    fb = Feedback("memory_error", fn)

    # 1. By hand: an empty memory scores 0 everywhere; the argmax tie goes to output 0.
    N, M = 6, 3
    targets = torch.arange(N) % M
    p = zipf(N, 1.0)
    case = "q = 0 (empty memory), N = 6, M = 3, d = 4, 3 trials"
    got = fb.call(case, torch.zeros(N), targets, p, 4, 3, torch.Generator().manual_seed(0))
    fb.tensor(case, got, (3,), floating=True, slip="return one error per trial, shape [trials]")
    expected = 1 - float(p[targets == 0].sum())
    fb.close(case, got, torch.full((3,), expected), atol=1e-6,
             slip="all scores are 0: torch.argmax returns output 0; weight each wrong input by p(x)")

    # 2. By hand: three associations in d = 512 are all recalled.
    targets3 = torch.tensor([0, 1, 2])
    p3 = torch.tensor([0.5, 0.3, 0.2])
    case = "three associations, d = 512 (no room for interference: error 0)"
    got = fb.call(case, torch.ones(3), targets3, p3, 512, 4, torch.Generator().manual_seed(1))
    fb.tensor(case, got, (4,), floating=True)
    fb.close(case, got, torch.zeros(4), atol=1e-6,
             slip="store u_{f(x)} e_x^T (output embedding on the left) and decode with the argmax over outputs")

    # 3. Values: a Zipf memory with interference, against amtools on independent draws.
    N, M, d, trials = 200, 5, 16, 400
    targets = torch.arange(N) % M
    p = zipf(N, 2.0)
    case = f"q = p, N = {N}, M = {M}, alpha = 2, d = {d}, {trials} trials"
    got = fb.call(case, p.float(), targets, p, d, trials, torch.Generator().manual_seed(2))
    fb.tensor(case, got, (trials,), floating=True)
    fb.true(case, bool(((got >= 0) & (got <= 1)).all()), "every error must lie in [0, 1]",
            "the error is a sum of probabilities p(x) over wrongly decoded inputs")
    # Exact equality, not std > 0: the std of identical doubles can come out as 1e-17 from rounding.
    fb.true(case, bool((got != got[0]).any()), f"all {trials} trials gave the same error, {float(got[0]):.6g}",
            "one draw of the embeddings seems shared by every trial: draw fresh E and U for each trial "
            "(shapes [trials, N, d] and [trials, M, d])")
    ref = _reference_errors(p.float(), targets, p, d, trials, seed=3)
    se = math.sqrt(float(got.double().var()) / trials + float(ref.var()) / trials)
    fb.close(case, got.double().mean(), ref.mean(), atol=4 * se + 1e-9,
             slip="the likely slips: each wrong input weighted by 1/N instead of p(x); embeddings not "
                  "N(0, 1/d); E or U drawn once and shared by the trials")
    fb.done()
