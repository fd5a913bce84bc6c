"""Self-checks for the exercises of the chapter book/finite-data.ipynb.

- :func:`check_expected_error`: the expected error ``(1 - 1/M) m_T`` of an infinite memory that
  guesses uniformly on unseen inputs, with ``m_T = sum_x p(x) (1 - p(x))^T`` the expected missing mass;
- :func:`check_tail_exponent`: the Zipf exponent read off a learning curve, ``1 / (1 + k)`` with ``k``
  the least-squares log-log slope.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import torch

from ..fitting import fit_power_law
from ..theory import unseen_mass
from ..zipf import zipf
from ._core import Feedback

__all__: list[str] = ["check_expected_error", "check_tail_exponent"]


def _expected(p: torch.Tensor, Ts: Any, M: int) -> torch.Tensor:
    return (1 - 1 / M) * unseen_mass(p, Ts)


def check_expected_error(fn: Callable[..., Any]) -> None:
    """Check ``fn(p, Ts, M)``: ``(1 - 1/M) * sum_x p(x) (1 - p(x))^T`` for each ``T``, a float tensor ``[len(Ts)]``."""
    fb = Feedback("expected_error", fn)

    # M = 3, not 2: with M = 2 the factors 1 - 1/M and 1/M coincide and the slip below would pass.
    case = "two equally likely inputs, M = 3, T = 0, 1, 2"
    p = torch.tensor([0.5, 0.5], dtype=torch.float64)
    got = fb.call(case, p, [0, 1, 2], 3)
    fb.tensor(case, got, (3,), floating=True, slip="return one float per T, e.g. a float64 tensor")
    missing = torch.tensor([1.0, 0.5, 0.25], dtype=torch.float64)     # m_T = 2 * 0.5 * 0.5^T
    want = (2 / 3) * missing
    values = got.double()
    slip = "an unseen input is guessed wrong with probability 1 - 1/M; weight each input by p(x)"
    if torch.allclose(values, missing, rtol=1e-9):
        slip = "you returned the missing mass m_T itself: the error counts only the wrong guesses on unseen inputs"
    elif torch.allclose(values, missing / 3, rtol=1e-9):
        slip = ("you used the chance of a right guess, 1/M; the error is the chance of a wrong one "
                "(the two agree only for M = 2)")
    elif torch.allclose(values, (2 / 3) * torch.exp(-0.5 * torch.tensor([0.0, 1.0, 2.0], dtype=torch.float64)),
                        rtol=1e-9):
        slip = "an input is unseen with probability (1 - p(x))^T exactly, not exp(-T p(x))"
    # rtol 1e-6: 2/3 is not exact in float32; precision is tested by the later cases.
    fb.close(case, got, want, rtol=1e-6, slip=slip)

    case = "Zipf law, alpha = 2, N = 1,000, M = 5, T = 10, 100, 1,000, 10,000 (an integer tensor)"
    p = zipf(1000, 2.0)
    Ts = torch.tensor([10, 100, 1000, 10_000])
    got = fb.call(case, p, Ts, 5)
    fb.tensor(case, got, (4,), floating=True)
    fb.true(case, bool((got[1:] <= got[:-1]).all()),
            f"the expected error must not increase with T, got {got.tolist()}",
            slip="more samples can only shrink the missing mass")
    fb.close(case, got, _expected(p, Ts, 5), rtol=1e-9,
             slip="weight each unseen input by p(x) and sum over all N inputs; compute in float64")

    case = "tiny probabilities: alpha = 1.5, N = 100,000, M = 3, T = 10^6"
    p = zipf(100_000, 1.5)
    got = fb.call(case, p, [10**6], 3)
    fb.tensor(case, got, (1,), floating=True)
    fb.close(case, got, _expected(p, [10**6], 3), rtol=1e-8,
             slip="(1 - p)**T loses precision in float32 when p is tiny: work in float64 (or with log1p)")
    fb.done()


def check_tail_exponent(fn: Callable[..., Any]) -> None:
    """Check ``fn(Ts, errors)``: ``1 / (1 + k)`` with ``k`` the least-squares slope of ``log errors`` on ``log Ts``."""
    fb = Feedback("tail_exponent", fn)

    case = "an exact power law, errors = 0.7 T^(-1/2) at T = 10, 100, 1,000 (alpha = 2)"
    Ts = torch.tensor([10, 100, 1000])
    got = fb.number(case, fb.call(case, Ts, 0.7 * Ts.double() ** -0.5))
    slip = "the law is k = -(1 - 1/alpha); solve it for alpha"
    if math.isclose(got, -0.5, rel_tol=1e-3):
        slip = "you returned the slope k; the exercise asks for alpha"
    elif math.isclose(got, 2 / 3, rel_tol=1e-3):
        slip = "check the sign: the slope k is negative, so alpha = 1 / (1 + k)"
    fb.close(case, got, 2.0, rtol=1e-6, slip=slip)

    case = "an exact power law, errors = 0.3 T^(-2/3) at T = 10, ..., 10^5 (alpha = 3)"
    Ts = torch.logspace(1, 5, 5).round().long()
    got = fb.number(case, fb.call(case, Ts, 0.3 * Ts.double() ** (-2 / 3)))
    fb.close(case, got, 3.0, rtol=1e-6, slip="fit in log-log coordinates: log(errors) against log(T)")

    case = "a noisy curve, T = 10^3, ..., 10^5 (9 points): the least-squares line through all of them"
    Ts = torch.logspace(3, 5, 9).round().long()
    wiggle = torch.tensor([0.05, -0.08, 0.02, 0.07, -0.04, -0.06, 0.03, 0.08, -0.05], dtype=torch.float64)
    errors = Ts.double() ** -0.5 * torch.exp(wiggle)
    got = fb.number(case, fb.call(case, Ts, errors))
    fb.close(case, got, 1 / (1 + fit_power_law(Ts, errors).exponent), rtol=1e-6,
             slip="use every point (a least-squares fit), not only the two ends of the curve")
    fb.done()
