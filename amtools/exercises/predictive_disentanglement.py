"""Self-checks for the exercises of the chapter book/predictive-disentanglement.ipynb.

- :func:`check_clipped_loss`: the three-moons training loss of the Memory Mosaics paper's code,
  the mean of :math:`\\mathrm{clip}(\\hat x - x, -c, c)^2` over every entry (batch, time, features).
"""

from __future__ import annotations

from typing import Any, Callable

import torch

from ._core import Feedback

__all__: list[str] = ["check_clipped_loss"]


def _reference(pred: torch.Tensor, target: torch.Tensor, clip: float) -> torch.Tensor:
    return (pred - target).clamp(-clip, clip).square().mean()


def _cases() -> list[tuple[str, torch.Tensor, torch.Tensor, float]]:
    gen = torch.Generator().manual_seed(0)
    hand_p = torch.tensor([[[0.1, 1.0, -2.0, 0.0]]], dtype=torch.float64)
    hand_t = torch.zeros(1, 1, 4, dtype=torch.float64)
    small_p = 0.1 * torch.randn(2, 5, 6, generator=gen, dtype=torch.float64)
    small_t = 0.1 * torch.randn(2, 5, 6, generator=gen, dtype=torch.float64)
    big_p = 2.0 * torch.randn(3, 7, 6, generator=gen, dtype=torch.float64)
    big_t = torch.randn(3, 7, 6, generator=gen, dtype=torch.float64)
    return [
        ("by hand: errors (0.1, 1, -2, 0) in one sequence, clip 0.5", hand_p, hand_t, 0.5),
        ("small errors (nothing clipped), shape (2, 5, 6), clip 0.5", small_p, small_t, 0.5),
        ("large errors of both signs, shape (3, 7, 6), clip 0.5", big_p, big_t, 0.5),
        ("large errors, clip 1.5", big_p, big_t, 1.5),
    ]


def check_clipped_loss(fn: Callable[[torch.Tensor, torch.Tensor, float], Any]) -> None:
    """Check ``fn(pred, target, clip) -> loss``: the mean over all entries of ``clip(pred - target, -clip, clip)^2``.

    ``pred`` and ``target`` are float64 tensors of one shape ``[B, T, d]``; the answer must be a scalar
    tensor (shape ``()``) that keeps the gradient. Cases: four errors by hand, small errors (no clipping),
    large errors of both signs, and another ``clip``.
    """
    fb = Feedback("clipped_loss", fn)
    for case, P, X, clip in _cases():
        pred = P.clone().requires_grad_(True)
        got = fb.call(case, pred, X.clone(), clip)
        got = fb.tensor(case, got, (), floating=True,
                        slip="average over every entry (batch, time and features) into one number")
        want = _reference(P, X, clip)
        value = float(got.detach())
        d = P - X
        square_clipped = d.square().clamp(max=clip).mean()
        if abs(value - float(square_clipped)) <= 1e-9 and abs(float(want) - float(square_clipped)) > 1e-9:
            fb.fail(case, f"you clipped the squared error at {clip}, expected {float(want):.6g}, got {value:.6g}",
                    slip="clip the difference pred - target to [-clip, clip] first, then square it")
        one_sided = d.clamp(max=clip).square().mean()
        if abs(value - float(one_sided)) <= 1e-9 and abs(float(want) - float(one_sided)) > 1e-9:
            fb.fail(case, f"expected {float(want):.6g}, got {value:.6g}: negative errors were not clipped",
                    slip="clip on both sides: to [-clip, clip]")
        fb.close(case, got, want, rtol=1e-9, atol=1e-12,
                 slip="a mean, not a sum; the square of the clipped difference (not its absolute value)")
        fb.true(case, got.requires_grad, "the loss does not keep the gradient (did you call .item() or numpy?)",
                slip="stay in torch: clamp, square, mean")
    fb.done()
