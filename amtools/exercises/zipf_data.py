"""Self-checks for the exercises of the chapter book/zipf-data.ipynb."""

from __future__ import annotations

from typing import Any, Callable

import torch

from ..theory import expected_distinct as _expected_distinct
from ..zipf import sample_tokens, zipf
from ._core import Feedback

__all__: list[str] = ["check_expected_distinct", "check_estimate_alpha"]

#: Relative tolerance of the sampled cases of ``check_estimate_alpha``. Head fits (observed
#: count >= 20, 50 or 200) on 100,000 tokens, N = 10,000, stay within 3% of alpha: over 40 seeds
#: their bias (selecting ranks on observed counts flattens the fit slightly) is at most 0.04 and
#: their standard deviation at most 0.023. The fit over all seen ranks is off by 25-55%.
_ESTIMATE_RTOL = 0.05


def check_expected_distinct(fn: Callable[..., Any]) -> None:
    """Check ``fn(p, Ts)``: the exact expected number of distinct tokens in ``T`` samples from ``p``,

    ``D_T = sum_x 1 - (1 - p(x))^T`` for each ``T`` in ``Ts``, as a float tensor of shape ``[len(Ts)]``.
    """
    fb = Feedback("expected_distinct", fn)

    case = "two equally likely tokens, T = 0, 1, 2"
    p = torch.tensor([0.5, 0.5], dtype=torch.float64)
    got = fb.call(case, p, torch.tensor([0, 1, 2]))
    fb.tensor(case, got, (3,), floating=True,
              slip="return one float per sample size, e.g. a float64 tensor")
    fb.close(case, got, torch.tensor([0.0, 1.0, 1.5], dtype=torch.float64), atol=1e-9,
             slip="a token is seen with probability 1 - (1 - p)^T, exactly (not 1 - exp(-T p)); "
                  "sum it over tokens")

    case = "one certain token and a token of probability 0, T = 5"
    got = fb.call(case, torch.tensor([1.0, 0.0], dtype=torch.float64), torch.tensor([5]))
    fb.tensor(case, got, (1,), floating=True)
    fb.close(case, got, torch.tensor([1.0], dtype=torch.float64), atol=1e-9,
             slip="a token of probability 0 is never seen; a certain token always is")

    case = "Zipf law, alpha = 2, N = 1,000, T = 1, 10, ..., 10^5"
    p = zipf(1000, 2.0)
    Ts = torch.logspace(0, 5, 6).round().long()
    got = fb.call(case, p, Ts)
    fb.tensor(case, got, (6,), floating=True)
    fb.close(case, got, _expected_distinct(p, Ts), rtol=1e-8,
             slip="compute in float64, and sum over all N tokens (not over the seen ones)")
    fb.done()


def check_estimate_alpha(fn: Callable[..., Any]) -> None:
    """Check ``fn(tokens, N)``: an estimate of the Zipf exponent from a 1-D sample of token indices."""
    fb = Feedback("estimate_alpha", fn)

    case = "an exact power law, counts 3600 / x^2 for x = 1..6 (alpha = 2, N = 6)"
    counts = torch.tensor([3600, 900, 400, 225, 144, 100])
    tokens = torch.repeat_interleave(torch.arange(6), counts)
    tokens = tokens[torch.randperm(tokens.numel(), generator=torch.Generator().manual_seed(0))]
    got = fb.number(case, fb.call(case, tokens, 6))
    fb.true(case, got > 0, f"expected a positive exponent alpha, got {got:.4g}",
            slip="the log-log slope of the rank-frequency plot is -alpha: return alpha")
    fb.close(case, got, 2.0, rtol=1e-3, slip="fit log(count) against log(rank), ranks starting at 1")

    generator = torch.Generator().manual_seed(2024)
    for alpha in (2.0, 1.2, 2.5):
        case = f"100,000 tokens from am.zipf(10_000, {alpha})"
        tokens = sample_tokens(zipf(10_000, alpha), 100_000, generator=generator)[0]
        got = fb.number(case, fb.call(case, tokens, 10_000))
        slip = ("too shallow: ranks seen only once or twice sit at frequency 1/T, far above their "
                "probability; fit the head only" if got < alpha else
                "too steep: check that you fit counts (or frequencies) of the ranks you keep, "
                "ranks starting at 1")
        fb.close(case, got, alpha, rtol=_ESTIMATE_RTOL, slip=slip)
    fb.done()
