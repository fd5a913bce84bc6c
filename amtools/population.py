r"""Gradient descent on the population loss: GD, sign-GD and normalized GD, batched over trials.

The official ``update_approximation/adam.ipynb`` (``facebookresearch/pal``) trains ``W`` on the
full population gradient of the ``p``-weighted cross-entropy,

.. math:: \nabla_W = \sum_x p(x)\, e_x^\top \big(\mathrm{softmax}(e_x W U) - \mathbf 1_{f(x)}\big) U^\top
          = E^\top \big((S - Y) \odot p\big) U^\top,

and compares three updates: ``W -= γ ∇`` (GD), ``W -= γ sign(∇)`` (sign-GD) and
``W -= γ ∇ / std(∇)`` (normalized GD).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ._validate import as_bool, as_choice, as_device, as_int, as_real
from .training import _draw_parameters, _population_error
from .zipf import zipf

__all__ = ["population_dynamics", "DynamicsResult", "POPULATION_OPTIMIZERS"]

#: The updates :func:`population_dynamics` compares (GD, sign-GD and normalized GD).
POPULATION_OPTIMIZERS = ("gd", "signgd", "ngd")


@dataclass(frozen=True)
class DynamicsResult:
    """``error`` float64 ``[steps + 1, trials]`` (index 0 = before the first step);
    ``grad_std`` float64 ``[steps, trials]``: the standard deviation of the entries of each step's
    gradient; ``W`` ``[trials, d, d]`` final (``W_history`` ``[steps + 1, trials, d, d]`` if kept);
    ``E`` ``[trials, N, d]``, ``U`` ``[trials, d, M]``, ``p``, ``targets``."""

    error: torch.Tensor
    grad_std: torch.Tensor
    W: torch.Tensor
    W_history: torch.Tensor | None
    E: torch.Tensor
    U: torch.Tensor
    p: torch.Tensor
    targets: torch.Tensor

    def probs(self, W: torch.Tensor | None = None) -> torch.Tensor:
        """``softmax(E W U)`` over classes, ``[..., trials, N, M]`` (default: the final ``W``)."""
        W = self.W if W is None else W
        return torch.softmax(self.E @ W @ self.U, dim=-1)


def population_dynamics(N: int, M: int, d: int, *, alpha: float = 2.0, steps: int = 100, lr: float = 1.0,
                        optimizer: str = "gd", trials: int = 100, seed: int = 0, init: str = "zero",
                        keep_history: bool = False,
                        device: torch.device | str | None = None) -> DynamicsResult:
    """Train ``trials`` memories on the population gradient for ``steps`` steps, all trials at once.

    Embeddings ``E`` ``[N, d]`` and ``U`` ``[d, M]`` with i.i.d. ``N(0, 1/d)`` entries (as
    :func:`amtools.train_memory`), fixed; ``W`` starts at 0 (``init="zero"``) or ``N(0, 1/d)``;
    targets ``f(x) = x mod M``; ``p(x) ∝ (x + 1)^{-alpha}``. ``error`` is the true 0-1 error.
    """
    N = as_int(N, "N", minimum=1)
    M = as_int(M, "M", minimum=2)
    d = as_int(d, "d", minimum=1)
    alpha = as_real(alpha, "alpha", minimum=0.0)
    steps = as_int(steps, "steps", minimum=0)
    lr = as_real(lr, "lr", minimum=0.0, strict=True)
    optimizer = as_choice(optimizer, "optimizer", POPULATION_OPTIMIZERS)
    if optimizer == "ngd" and d < 2:
        raise ValueError("d must be >= 2 with optimizer='ngd': the gradient's standard deviation needs "
                         "at least two entries (d * d)")
    trials = as_int(trials, "trials", minimum=1)
    seed = as_int(seed, "seed", minimum=0)
    init = as_choice(init, "init", ("zero", "random"))
    keep_history = as_bool(keep_history, "keep_history")
    dev = as_device(device, "device") or torch.device("cpu")

    E, W, U = (t.to(dev) for t in _draw_parameters(N, M, d, trials, torch.Generator().manual_seed(seed), init))
    p = zipf(N, alpha).to(dev)
    targets = torch.arange(N, device=dev) % M
    Y = torch.nn.functional.one_hot(targets, M).to(E.dtype)
    weights = p.to(E.dtype).unsqueeze(-1)
    Et, Ut = E.transpose(-1, -2), U.transpose(-1, -2)

    errors = [_population_error(E @ W @ U, p, targets)]
    stds, history = [], [W.clone()] if keep_history else None
    for _ in range(steps):
        scores = torch.softmax(E @ W @ U, dim=-1)
        grad = Et @ ((scores - Y) * weights) @ Ut
        std = grad.flatten(1).std(dim=1)
        stds.append(std.double())
        if optimizer == "gd":
            W = W - lr * grad
        elif optimizer == "signgd":
            W = W - lr * torch.sign(grad)
        else:
            W = W - lr * grad / std.view(-1, 1, 1)
        errors.append(_population_error(E @ W @ U, p, targets))
        if history is not None:
            history.append(W.clone())
    grad_std = torch.stack(stds) if stds else torch.zeros(0, trials, dtype=torch.float64, device=dev)
    return DynamicsResult(error=torch.stack(errors), grad_std=grad_std, W=W,
                          W_history=torch.stack(history) if history is not None else None,
                          E=E, U=U, p=p, targets=targets)
