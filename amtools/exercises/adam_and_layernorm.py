"""Self-checks for the exercises of the chapter ``adam-and-layernorm``."""

from __future__ import annotations

from typing import Any, Callable

import torch

from ._core import Feedback

__all__: list[str] = ["check_normalized_gd_step", "check_layer_norm"]

_LN_EPS = 1e-6  # the official layer norm: z / sqrt(||z||^2 + 1e-6)


def _ngd_reference(W: torch.Tensor, grad: torch.Tensor, lr: float) -> torch.Tensor:
    std = grad.flatten(-2).std(dim=-1)[..., None, None]
    step = torch.where(std > 0, grad / std, torch.zeros_like(grad))
    return W - lr * step


def _ln_reference(z: torch.Tensor) -> torch.Tensor:
    return z / torch.sqrt((z * z).sum(dim=-1, keepdim=True) + _LN_EPS)


def check_normalized_gd_step(fn: Callable[[torch.Tensor, torch.Tensor, float], Any]) -> None:
    """Check ``fn(W, grad, lr)``: one normalized-GD step ``W - lr * grad / std(grad)``, per matrix.

    ``W`` and ``grad`` are ``[..., d, d]`` (a batch of runs); the standard deviation is the
    unbiased one (``torch.std``) over the ``d * d`` entries of each matrix; a run whose gradient
    is all zeros is left unchanged. Cases: a 2 x 2 matrix by hand, a batch of three runs whose
    gradients differ in scale by a factor 1000, a run with a zero gradient, ``W`` left unchanged.
    """
    fb = Feedback("normalized_gd_step", fn)

    case = "by hand: W = 0, grad = [[1, -1], [3, -3]], lr = 1"
    W = torch.zeros(2, 2, dtype=torch.float64)
    g = torch.tensor([[1.0, -1.0], [3.0, -3.0]], dtype=torch.float64)
    # std (unbiased) of (1, -1, 3, -3) is sqrt(20 / 3)
    got = fb.tensor(case, fb.call(case, W.clone(), g.clone(), 1.0), (2, 2), floating=True,
                    slip="return the updated matrix, same shape as W")
    fb.true(case, bool((got.double() * g < 0).all()),
            "each entry should move against its gradient (W - lr * ...), some move with it",
            slip="gradient descent subtracts the step")
    fb.close(case, got, _ngd_reference(W, g, 1.0), rtol=1e-6,
             slip="divide by the standard deviation of the gradient's entries; torch.std is unbiased "
                  "(divides by n - 1); the mean is not subtracted from the gradient itself")

    case = "a batch of 3 runs, d = 4, gradients of scale 1e-3, 1 and 1e3, lr = 0.5"
    gen = torch.Generator().manual_seed(0)
    W = torch.randn(3, 4, 4, generator=gen, dtype=torch.float64)
    g = torch.randn(3, 4, 4, generator=gen, dtype=torch.float64) * torch.tensor([1e-3, 1.0, 1e3],
                                                                               dtype=torch.float64)[:, None, None]
    W_before = W.clone()
    got = fb.tensor(case, fb.call(case, W, g.clone(), 0.5), (3, 4, 4), floating=True,
                    slip="keep the leading batch axis: one update per run")
    fb.true(case, torch.equal(W, W_before), "your function changed W in place; return a new tensor",
            slip="write W - lr * step, not W -= ...")
    move = (got.double() - W_before).flatten(1).std(dim=1)
    fb.true(case, bool(torch.allclose(move, torch.full_like(move, 0.5), rtol=1e-6)),
            f"every run's step should have the same standard deviation lr = 0.5 whatever the scale of "
            f"its gradient; got {[round(v, 4) for v in move.tolist()]}",
            slip="take the standard deviation of each matrix separately (over its last two axes), "
                 "not over the whole batch")
    fb.close(case, got, _ngd_reference(W_before, g, 0.5), rtol=1e-6)

    case = "a batch of 2 runs, d = 3, the second gradient all zeros"
    W = torch.randn(2, 3, 3, generator=gen, dtype=torch.float64)
    g = torch.randn(2, 3, 3, generator=gen, dtype=torch.float64)
    g[1] = 0.0
    got = fb.tensor(case, fb.call(case, W.clone(), g.clone(), 1.0), (2, 3, 3), floating=True)
    fb.true(case, bool(torch.isfinite(got).all()),
            "the run with a zero gradient produced NaN or inf",
            slip="0 / 0 is NaN: leave a run unchanged when its gradient's standard deviation is 0 "
                 "(torch.where)")
    fb.close(case, got, _ngd_reference(W, g, 1.0), rtol=1e-6)
    fb.done()


def check_layer_norm(fn: Callable[[torch.Tensor], Any]) -> None:
    """Check ``fn(z)``: the parameter-free layer norm ``z / sqrt(||z||^2 + 1e-6)`` over the last axis.

    Cases: ``z = (3, 4)`` by hand, the zero vector, a batch ``[2, 3, 5]`` of random vectors
    (shape, unit norms, values), ``z`` left unchanged.
    """
    fb = Feedback("layer_norm", fn)

    case = "by hand: z = (3, 4)"
    z = torch.tensor([3.0, 4.0], dtype=torch.float64)
    got = fb.tensor(case, fb.call(case, z.clone()), (2,), floating=True,
                    slip="return a vector of the same shape as z")
    fb.close(case, got, _ln_reference(z), rtol=1e-6,
             slip="divide z by the square root of (its squared norm + 1e-6): (3, 4) has norm 5")

    case = "the zero vector of length 4"
    z = torch.zeros(4, dtype=torch.float64)
    got = fb.tensor(case, fb.call(case, z.clone()), (4,), floating=True)
    fb.true(case, bool(torch.isfinite(got).all()), "the zero vector gave NaN or inf",
            slip="the + 1e-6 under the square root keeps LN(0) = 0 finite; do not drop it")
    fb.close(case, got, torch.zeros(4, dtype=torch.float64), atol=1e-12)

    case = "a batch of random vectors, shape [2, 3, 5], normalized along the last axis"
    gen = torch.Generator().manual_seed(1)
    z = 3.0 * torch.randn(2, 3, 5, generator=gen, dtype=torch.float64)
    before = z.clone()
    got = fb.tensor(case, fb.call(case, z), (2, 3, 5), floating=True,
                    slip="keep every axis: one normalized vector per row")
    fb.true(case, torch.equal(z, before), "your function changed z in place; return a new tensor")
    norms = got.double().norm(dim=-1)
    fb.true(case, bool(torch.allclose(norms, torch.ones_like(norms), rtol=1e-6)),
            f"each vector (last axis) should come out with norm 1 (up to the 1e-6), got norms from "
            f"{norms.min().item():.4g} to {norms.max().item():.4g}",
            slip="normalize along the last axis (dim=-1, keepdim=True), not the whole tensor or "
                 "another axis; divide by the norm, not by the squared norm")
    fb.close(case, got, _ln_reference(before), rtol=1e-9)
    fb.done()
