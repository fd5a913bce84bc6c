"""Self-checks for the exercises of the chapter book/sgd-as-storage.ipynb.

- :func:`check_q_gamma`: the association weights of SGD in the scalar approximation,
  ``q_gamma(x) = f^{n_x}(0)`` with ``f(q) = q + gamma (M - 1) / (e^q + M - 1)``, for a vector of counts;
- :func:`check_approx_batch_step`: one mini-batch step of the scalar approximation, every
  occurrence of ``x`` in the batch adding ``(lr / B) (M - 1) / (e^{q(x)} + M - 1)`` at the value
  of ``q`` before the step.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import torch

from ..zipf import sample_tokens, zipf
from ._core import Feedback

__all__: list[str] = ["check_q_gamma", "check_approx_batch_step"]


def _map(q: torch.Tensor, gamma: float, M: int) -> torch.Tensor:
    """One scalar SGD step, ``f(q) = q + gamma (M - 1) / (e^q + M - 1)`` (float64)."""
    return q + gamma * (M - 1) / (torch.exp(q) + (M - 1))


def _reference_q_gamma(counts: torch.Tensor, gamma: float, M: int) -> torch.Tensor:
    """``f^{counts}(0)`` elementwise: iterate every entry, freeze it once its count is reached."""
    counts = counts.long()
    q = torch.zeros(counts.shape, dtype=torch.float64)
    for k in range(int(counts.max()) if counts.numel() else 0):
        q = torch.where(counts > k, _map(q, gamma, M), q)
    return q


def _reference_batch_step(q: torch.Tensor, batch: torch.Tensor, lr: float, M: int) -> torch.Tensor:
    c = torch.bincount(batch, minlength=q.numel()).to(torch.float64)
    return q.double() + (lr / batch.numel()) * c * (M - 1) / (torch.exp(q.double()) + (M - 1))


def check_q_gamma(fn: Callable[[torch.Tensor, float, int], Any]) -> None:
    """Check ``fn(counts, gamma, M) -> q``: ``q[i] = f^{counts[i]}(0)``, the weight SGD gives an input seen ``counts[i]`` times.

    ``counts`` is a ``LongTensor[K]`` of counts ``>= 0`` (any order, repeats allowed); the answer
    is a floating-point ``Tensor[K]``. Cases: three counts by hand (``gamma = 1``, ``M = 2``), then
    properties (zero count, monotone in the count), then values for small and large ``gamma``.
    """
    fb = Feedback("q_gamma", fn)

    # 1. By hand: M = 2, gamma = 1: f(q) = q + 1 / (e^q + 1); f(0) = 1/2, f(1/2) = 1/2 + 1/(e^{1/2} + 1).
    case = "by hand: counts (0, 1, 2), gamma = 1, M = 2"
    counts = torch.tensor([0, 1, 2])
    got = fb.tensor(case, fb.call(case, counts.clone(), 1.0, 2), (3,), floating=True,
                    slip="return one floating-point weight per count, a tensor of the same shape as counts")
    fb.close(case, got[0], 0.0, atol=1e-12, slip="an input never seen keeps its initial weight q = 0")
    fb.close(case, got[1], 0.5, rtol=1e-6,
             slip="one step from q = 0 adds gamma (M - 1) / (e^0 + M - 1) = gamma (M - 1) / M: "
                  "check the factor M - 1 (the number of wrong outputs), and that a count of 1 means one step")
    fb.close(case, got[2], 0.5 + 1.0 / (math.exp(0.5) + 1.0), rtol=1e-6,
             slip="the second step is evaluated at the new q: iterate the map, do not multiply the first "
                  "step by the count")

    # 2. Properties on a shuffled vector of counts with repeats, then values.
    gen = torch.Generator().manual_seed(8)
    counts = torch.randint(0, 120, (40,), generator=gen)
    counts[:3] = torch.tensor([0, 7, 7])
    for gamma, M in ((1e-3, 5), (0.1, 11), (10.0, 5)):
        case = f"40 shuffled counts from 0 to 119, gamma = {gamma:g}, M = {M}"
        got = fb.tensor(case, fb.call(case, counts.clone(), gamma, M), (40,), floating=True)
        got = got.double()
        order = torch.argsort(counts, stable=True)
        sorted_q = got[order]
        fb.true(case, bool((sorted_q[1:] >= sorted_q[:-1] - 1e-12).all()),
                "the weights must grow with the count (more occurrences, more SGD steps on that input)",
                slip="compute each entry from its own count, in the order of the input")
        fb.true(case, bool(got[1] == got[2]),
                f"two inputs with the same count 7 got different weights {got[1].item():.6g} and {got[2].item():.6g}",
                slip="the weight depends on the count only")
        want = _reference_q_gamma(counts, gamma, M)
        slip = ("for small gamma the weights are nearly linear in the count, gamma (M - 1) n / M, "
                "but not exactly: iterate f" if gamma < 0.01 else
                "iterate f(q) = q + gamma (M - 1) / (e^q + M - 1) exactly n times from q = 0 (not n - 1, "
                "not the linear approximation gamma (M - 1) n / M)")
        fb.close(case, got, want, rtol=1e-5, atol=1e-9, slip=slip)
    fb.done()


def check_approx_batch_step(fn: Callable[[torch.Tensor, torch.Tensor, float, int], Any]) -> None:
    """Check ``fn(q, batch, lr, M) -> new q``: one mini-batch step of the scalar approximation.

    ``q`` is a float64 ``Tensor[N]`` (the weights before the step), ``batch`` a ``LongTensor[B]`` of
    inputs (repeats allowed). Each occurrence of ``x`` in the batch adds
    ``(lr / B) (M - 1) / (e^{q(x)} + M - 1)``, evaluated at the weights *before* the step; the answer
    is a new ``Tensor[N]`` (``q`` unchanged). Cases: a three-input batch by hand, then Zipf batches.
    """
    fb = Feedback("approx_batch_step", fn)

    # 1. By hand: q = 0, batch (0, 0, 2), lr = 1, M = 2: counts (2, 0, 1), each step 1/3 * 1/2.
    case = "by hand: q = (0, 0, 0), batch (0, 0, 2), lr = 1, M = 2"
    q = torch.zeros(3, dtype=torch.float64)
    got = fb.tensor(case, fb.call(case, q.clone(), torch.tensor([0, 0, 2]), 1.0, 2), (3,), floating=True,
                    slip="return the whole weight vector after the step, one entry per input")
    fb.close(case, got[1], 0.0, atol=1e-12, slip="an input absent from the batch keeps its weight")
    fb.close(case, got[2], 1.0 / 6.0, rtol=1e-6,
             slip="the loss is the mean over the batch: each occurrence moves q by lr / B times "
                  "(M - 1) / (e^q + M - 1), with B = 3 here")
    fb.close(case, got[0], 1.0 / 3.0, rtol=1e-6,
             slip="input 0 occurs twice: add one increment per occurrence, both computed at the weight "
                  "before the step (the batch gradient is evaluated once, not after each sample)")

    # 2. A batch does not change its input in place.
    case = "q = (1, 2, 3), batch (1,), lr = 0.5, M = 5"
    q = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    before = q.clone()
    got = fb.tensor(case, fb.call(case, q, torch.tensor([1]), 0.5, 5), (3,), floating=True)
    fb.true(case, torch.equal(q, before), "your function changed q in place; return a new tensor",
            slip="build the new weights in a new tensor (q + increment), so that the caller's q stays as it was")
    fb.close(case, got, _reference_batch_step(before, torch.tensor([1]), 0.5, 5), rtol=1e-6,
             slip="with a batch of one, the step is the map f(q) = q + lr (M - 1) / (e^q + M - 1) on the sampled input")

    # 3. Zipf batches: many repeats of the head inputs.
    gen = torch.Generator().manual_seed(3)
    p = zipf(100, 2.0)
    for B, lr, M in ((64, 10.0, 5), (1024, 100.0, 5)):
        case = f"a Zipf batch, N = 100, B = {B}, lr = {lr:g}, M = {M}"
        q = torch.rand(100, generator=gen, dtype=torch.float64) * 3
        batch = sample_tokens(p, B, 1, generator=gen)[0]
        got = fb.tensor(case, fb.call(case, q.clone(), batch.clone(), lr, M), (100,), floating=True)
        fb.close(case, got, _reference_batch_step(q, batch, lr, M), rtol=1e-6, atol=1e-12,
                 slip="count the occurrences of every input in the batch (torch.bincount with minlength=N), "
                      "divide the step by the batch size, and use q before the step")
    fb.done()
