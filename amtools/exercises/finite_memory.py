"""Self-checks for the exercises of the chapter book/finite-memory.ipynb."""

from __future__ import annotations

from typing import Any, Callable

import torch

from ..zipf import zipf
from ._core import Feedback

__all__: list[str] = ["check_clipped_weights"]


def _reference(p: torch.Tensor, P: int) -> torch.Tensor:
    return torch.minimum(p, p[P - 1])


def check_clipped_weights(fn: Callable[[torch.Tensor, int], Any]) -> None:
    """Check ``fn(p, P)``: the clipped-frequency weights ``q(x) = min(p(x), p(P))`` (ranks from 1).

    Cases: a three-input law by hand, then Zipf laws (``N = 1000``, ``alpha = 2``) with
    ``P = 1``, ``16`` and ``125``; shape and dtype first, then structure (``P`` equal weights
    on the head, ``q = p`` beyond ``P``, ``p`` left unchanged), then values.
    """
    fb = Feedback("clipped_weights", fn)

    case = "by hand: p = [0.5, 0.3, 0.2], P = 2"
    p = torch.tensor([0.5, 0.3, 0.2], dtype=torch.float64)
    got = fb.tensor(case, fb.call(case, p.clone(), 2), (3,), floating=True,
                    slip="return one weight per input, as a floating-point tensor like p")
    fb.close(case, got, torch.tensor([0.3, 0.3, 0.2], dtype=torch.float64), atol=1e-12,
             slip="the head (ranks 1..P) gets the weight p(P), the P-th largest probability; "
                  "the tail keeps q = p")

    for P in (1, 16, 125):
        case = f"Zipf N = 1000, alpha = 2, P = {P}"
        p = zipf(1000, 2.0)
        before = p.clone()
        got = fb.tensor(case, fb.call(case, p, P), (1000,), floating=True)
        fb.true(case, torch.equal(p, before), "your function changed p in place; return a new tensor",
                slip="build the weights in a new tensor: an in-place update also changes the caller's probabilities")
        got = got.double()
        head = got[:P]
        fb.true(case, bool((head == head[0]).all()),
                f"the first P = {P} weights should all be equal, got values from "
                f"{head.min().item():.4g} to {head.max().item():.4g}",
                slip="the common weight of the head is p(P), the probability of the P-th input; "
                     "counting from 0, the P-th input sits at position P - 1")
        n_equal = int((got == got[0]).sum())
        fb.true(case, n_equal == P,
                f"expected exactly P = {P} equal weights on the head, got {n_equal}",
                slip="an off-by-one: input P has index P - 1 in a 0-based tensor")
        fb.close(case, got[P:], p[P:], rtol=1e-6,
                 slip="beyond P the weights are the frequencies themselves, q = p")
        fb.close(case, got, _reference(p, P), rtol=1e-6)
    fb.done()
