r"""Training an associative memory by gradient descent, batched over seeds and step sizes.

The model of the paper's section 4 and of its official grid (``facebookresearch/pal``,
``projects/scaling_law/grid_experiments``), in row convention:

.. math:: \mathrm{logits}(x) = \mathrm{LN}\big(E_x W\big)\, U, \qquad
          \mathrm{LN}(z) = z / \sqrt{\lVert z\rVert^2 + 10^{-6}},

with ``E`` ``[N, d]``, ``W`` ``[d, d]`` and ``U`` ``[d, M]`` drawn with i.i.d. ``N(0, 1/d)``
entries, targets ``f(x) = x mod M`` and inputs ``p(x) ∝ (x + 1)^{-alpha}``. One pass over ``T``
fresh tokens, ``T // batch_size`` steps of mean cross-entropy. Every run of a call (seeds × step
sizes) trains at once: parameters carry a leading run axis and one update serves them all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import torch
import torch.nn.functional as F

from ._validate import (as_bool, as_choice, as_device, as_int, as_real, as_tensor,
                        check_probability_vector)
from .zipf import sample_tokens, zipf

__all__ = ["TrainResult", "train_memory", "population_error", "layer_norm",
           "MODELS", "OPTIMIZERS", "LN_EPS", "ADAM_EPS"]

#: The values of ``model`` that :func:`train_memory` accepts.
MODELS = ("matrix", "learnable", "exponential")
#: The values of ``optimizer`` that :func:`train_memory` accepts.
OPTIMIZERS = ("sgd", "signgd", "adam", "ngd")
INITS = ("random", "zero")
LN_EPS = 1e-6     #: the official LN is ``z / sqrt(||z||^2 + 1e-6)``
ADAM_EPS = 1e-8   #: torch.optim.Adam's default eps, part of the sign-GD update ``g / (|g| + eps)``
ADAM_BETAS = (0.9, 0.999)


def _layer_norm(z: torch.Tensor) -> torch.Tensor:
    """:func:`layer_norm` without the argument checks (the trainer's hot path)."""
    return z / torch.sqrt((z * z).sum(dim=-1, keepdim=True) + LN_EPS)


def layer_norm(z: torch.Tensor) -> torch.Tensor:
    r"""The parameter-free layer norm of the paper's grid: :math:`z / \sqrt{\lVert z\rVert^2 + 10^{-6}}` (last axis)."""
    z = as_tensor(z, "z", floating=True, finite=True)
    if z.ndim == 0:
        raise ValueError("z must have at least one dimension (its last axis is normalized), got a 0-d tensor")
    return _layer_norm(z)


def _population_error(logits: torch.Tensor, p: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """:func:`population_error` without the argument checks (used on the package's own logits)."""
    wrong = logits.argmax(dim=-1) != targets.to(logits.device)
    return (wrong.double() * p.to(device=logits.device, dtype=torch.float64)).sum(dim=-1)


def population_error(logits: torch.Tensor, p: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    r"""Exact 0-1 error :math:`\sum_x p(x)\,\mathbf 1\{\arg\max_y \mathrm{logits}[x, y] \ne f(x)\}` (float64).

    ``logits`` ``[..., N, M]``, ``p`` ``[N]``, ``targets`` ``LongTensor[N]``; returns ``[...]``.
    Ties go to the smallest class index (``torch.argmax``), as in the official code.
    """
    logits = as_tensor(logits, "logits", floating=True, finite=True)
    if logits.ndim < 2 or logits.shape[-1] == 0:
        raise ValueError(f"logits must be [..., N, M] with M >= 1 classes, got shape {tuple(logits.shape)}")
    N, M = logits.shape[-2], logits.shape[-1]
    p = check_probability_vector(p, "p")
    if p.numel() != N:
        raise ValueError(f"p has {p.numel()} entries but logits has N = {N} rows (shape {tuple(logits.shape)})")
    targets = as_tensor(targets, "targets")
    if targets.dtype != torch.long or targets.shape != p.shape:
        raise ValueError(f"targets must be a LongTensor of the same shape as p ({N},), got dtype {targets.dtype} "
                         f"and shape {tuple(targets.shape)}")
    if targets.min() < 0 or targets.max() >= M:
        raise ValueError(f"targets must be class indices in [0, M) = [0, {M}) (M = the last axis of logits), "
                         f"got values in [{targets.min().item()}, {targets.max().item()}]")
    return _population_error(logits, p, targets)


@dataclass(frozen=True)
class TrainResult:
    """What :func:`train_memory` returns. ``*R`` is ``()`` for a single step size, ``(len(lr),)`` for a list.

    ``error`` float64 ``[*R, seeds]``: exact population 0-1 error after training.
    ``steps`` ``LongTensor[K]`` and ``curve`` float64 ``[K, *R, seeds]``: the same error along training
    (step 0 is before the first update), or ``None`` without ``record_every``.
    ``W`` (``None`` for ``model="exponential"``), ``E``, ``U``: final parameters ``[*R, seeds, ...]``.
    ``tokens`` ``LongTensor[seeds, T]``: the training tokens, shared by every step size.
    """

    error: torch.Tensor
    steps: torch.Tensor | None
    curve: torch.Tensor | None
    W: torch.Tensor | None
    E: torch.Tensor
    U: torch.Tensor
    tokens: torch.Tensor
    p: torch.Tensor
    targets: torch.Tensor
    model: str
    layernorm: bool

    def logits(self) -> torch.Tensor:
        """Logits of every input, ``[*R, seeds, N, M]`` (float32)."""
        with torch.no_grad():
            return _forward(self.E, self.W, self.U, None, self.model, self.layernorm)


def _forward(E: torch.Tensor, W: torch.Tensor | None, U: torch.Tensor, x: torch.Tensor | None,
             model: str, layernorm: bool) -> torch.Tensor:
    """``LN(h(x)) U`` with ``h = E[x] W`` (or ``relu(E[x])``); ``x`` ``[runs, B]`` or ``None`` for all inputs."""
    h = E if x is None else _rows(E, _flat_index(x, E.shape[-2]), x.shape)
    h = torch.relu(h) if model == "exponential" else h @ W
    if layernorm:
        h = _layer_norm(h)
    return h @ U


def _draw_parameters(N: int, M: int, d: int, seeds: int, gen: torch.Generator,
                     init: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``E`` ``[seeds, N, d]``, ``U`` ``[seeds, d, M]``, ``W`` ``[seeds, d, d]`` (drawn in that order, float32,
    i.i.d. ``N(0, 1/d)``; ``W = 0`` for ``init="zero"``), returned as ``E, W, U``."""
    scale = 1.0 / math.sqrt(d)
    E0 = torch.randn(seeds, N, d, generator=gen) * scale
    U0 = torch.randn(seeds, d, M, generator=gen) * scale
    W0 = torch.randn(seeds, d, d, generator=gen) * scale
    if init == "zero":
        W0.zero_()
    return E0, W0, U0


def _draw(N: int, M: int, d: int, T: int, alpha: float, seeds: int, seed: int,
          init: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The draws of a call, from one CPU generator: ``E``, ``U``, ``W`` (float32, ``N(0, 1/d)``), then the tokens."""
    gen = torch.Generator().manual_seed(seed)
    E0, W0, U0 = _draw_parameters(N, M, d, seeds, gen, init)
    tokens = sample_tokens(zipf(N, alpha), T, seeds, generator=gen)
    return E0, W0, U0, tokens


def _as_lrs(lr: Any) -> tuple[list[float], bool]:
    if isinstance(lr, (list, tuple)) or (isinstance(lr, torch.Tensor) and lr.ndim == 1):
        values = lr.tolist() if isinstance(lr, torch.Tensor) else list(lr)
        if not values:
            raise ValueError("lr must be a positive number or a non-empty list of them")
        return [as_real(v, "lr", minimum=0.0, strict=True) for v in values], True
    return [as_real(lr, "lr", minimum=0.0, strict=True)], False


def _step_factor(schedule: Callable[[int], float] | None, step: int) -> float:
    if schedule is None:
        return 1.0
    return as_real(schedule(step), "schedule(step)", minimum=0.0)


class _Optimizer:
    """Elementwise updates on batched parameters ``[runs, ...]``, each run with its own step size.

    ``sgd``: ``θ -= γ g``. ``signgd``: torch Adam with ``betas=(0, 0)``, i.e. ``θ -= γ g / (|g| + eps)``.
    ``adam``: torch Adam (default betas, eps, bias corrections). ``ngd``: ``θ -= γ g / std(g)``,
    the standard deviation taken over the parameter's entries of each run.
    """

    def __init__(self, kind: str, params: list[torch.Tensor], lrs: list[torch.Tensor]):
        self.kind, self.params, self.lrs, self.t = kind, params, lrs, 0
        if kind == "adam":
            self.m = [torch.zeros_like(q) for q in params]
            self.v = [torch.zeros_like(q) for q in params]

    @torch.no_grad()
    def step(self, factor: float) -> None:
        self.t += 1
        for i, (theta, lr) in enumerate(zip(self.params, self.lrs)):
            g = theta.grad
            step = lr * factor
            if self.kind == "sgd":
                theta.sub_(step * g)
            elif self.kind == "signgd":
                theta.sub_(step * g / (g.abs() + ADAM_EPS))
            elif self.kind == "ngd":
                std = g.flatten(1).std(dim=1).view(-1, *([1] * (g.ndim - 1)))
                theta.sub_(step * torch.where(std > 0, g / std, torch.zeros_like(g)))
            else:
                b1, b2 = ADAM_BETAS
                self.m[i].mul_(b1).add_(g, alpha=1 - b1)
                self.v[i].mul_(b2).addcmul_(g, g, value=1 - b2)
                denom = (self.v[i].sqrt() / math.sqrt(1 - b2 ** self.t)).add_(ADAM_EPS)
                theta.sub_(step / (1 - b1 ** self.t) * self.m[i] / denom)
            theta.grad = None


def _flat_index(x: torch.Tensor, N: int) -> torch.Tensor:
    """Row indices of ``x[r, b]`` in a ``[runs * N, ...]`` view of a ``[runs, N, ...]`` tensor."""
    return (x + N * torch.arange(x.shape[0], device=x.device).unsqueeze(-1)).reshape(-1)


def _rows(A: torch.Tensor, flat: torch.Tensor, shape: torch.Size) -> torch.Tensor:
    """``A[r, x[r, b]]`` for ``A`` ``[runs, N, k]``: ``[runs, B, k]`` (one ``index_select``, faster than ``gather``)."""
    return A.reshape(-1, A.shape[-1]).index_select(0, flat).view(*shape, A.shape[-1])


def _counts(x: torch.Tensor, N: int) -> torch.Tensor:
    """``c[r, i]`` = number of samples of input ``i`` in row ``r`` of ``x`` (float32 ``[runs, N]``)."""
    c = torch.zeros(x.shape[0], N, device=x.device)
    return c.scatter_add_(1, x, torch.ones_like(x, dtype=c.dtype))


def _ce_grad(logits: torch.Tensor, y: torch.Tensor, weights: torch.Tensor | None) -> torch.Tensor:
    """Gradient of the batch-mean cross-entropy in the logits: ``softmax - onehot(y)``, over ``B``
    (per sample) or times ``weights = counts / B`` (per input)."""
    grad = (logits - logits.amax(dim=-1, keepdim=True)).exp_()  # softmax; faster than torch.softmax
    grad /= grad.sum(dim=-1, keepdim=True)                        # on a short class axis
    grad.scatter_add_(-1, y.unsqueeze(-1), -torch.ones_like(grad[..., :1]))
    return grad / y.shape[-1] if weights is None else grad * weights.unsqueeze(-1)


class _Trainer:
    def step(self, x: torch.Tensor, y: torch.Tensor, factor: float) -> None:
        raise NotImplementedError

    def all_logits(self) -> torch.Tensor:
        raise NotImplementedError

    def parameters(self) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]:
        raise NotImplementedError


class _ImplicitSGD(_Trainer):
    r"""SGD on ``W`` alone, with ``E``, ``U`` fixed, without forming ``W`` while training.

    A step on a batch moves ``W`` by :math:`-\gamma \sum_b e_{x_b}^\top \delta_b` (``δ_b`` the
    gradient at ``z_b = e_{x_b} W``), so :math:`W_t = W_0 - E^\top S_t` where row ``x`` of ``S``
    accumulates ``γ δ_b`` over the samples of ``x``. Then ``z = E_x W_0 - (E E^\top)_x S``: a step costs
    ``O(B N d)`` instead of ``O(B d^2)``, and ``W`` is formed once at the end. Same iterates as
    plain SGD up to rounding.
    """

    def __init__(self, E: torch.Tensor, W: torch.Tensor, U: torch.Tensor, lr: torch.Tensor,
                 layernorm: bool, by_token: bool, targets: torch.Tensor):
        self.E, self.W0, self.U, self.lr, self.layernorm = E, W, U, lr.view(-1, 1, 1), layernorm
        self.by_token, self.targets = by_token, targets
        self.Z0 = E @ W                        # [runs, N, d]
        self.K = E @ E.transpose(-1, -2)       # [runs, N, N]
        self.S = torch.zeros_like(self.Z0)     # [runs, N, d]

    def step(self, x: torch.Tensor, y: torch.Tensor, factor: float) -> None:
        if self.by_token:  # every sample of x has the same logits and target: step on counts
            weights = _counts(x, self.K.shape[-1]) / x.shape[-1]
            x, y = None, self.targets.expand(x.shape[0], -1)
            z = self.Z0 - self.K @ self.S
        else:
            flat = _flat_index(x, self.K.shape[-1])
            z = _rows(self.Z0, flat, x.shape) - _rows(self.K, flat, x.shape) @ self.S
            weights = None
        if self.layernorm:
            z = z.requires_grad_(True)
            with torch.enable_grad():
                h = _layer_norm(z)
                logits = h @ self.U
                g = _ce_grad(logits.detach(), y, weights)
                (delta,) = torch.autograd.grad(logits, z, g)
        else:
            delta = _ce_grad(z @ self.U, y, weights) @ self.U.transpose(-1, -2)
        if x is None:
            self.S.add_(delta * (self.lr * factor))
        else:
            d = delta.shape[-1]
            self.S.view(-1, d).index_add_(0, flat, (delta * (self.lr * factor)).reshape(-1, d))

    def all_logits(self) -> torch.Tensor:
        z = self.Z0 - self.K @ self.S
        return (_layer_norm(z) if self.layernorm else z) @ self.U

    def parameters(self) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]:
        return self.E, self.W0 - self.E.transpose(-1, -2) @ self.S, self.U


class _Autograd(_Trainer):
    """Any model and optimizer: autograd through ``LN(h) U`` with the elementwise :class:`_Optimizer`.

    With ``by_token`` (used when ``N <= batch_size``) the loss is written per input, as the
    cross-entropy of each of the ``N`` inputs weighted by its count in the batch over ``B`` (the same
    loss, since ``f`` is deterministic), so a step costs ``O(N d^2)`` instead of ``O(B d^2)``.
    """

    def __init__(self, E: torch.Tensor, W: torch.Tensor | None, U: torch.Tensor, lr: torch.Tensor,
                 model: str, optimizer: str, layernorm: bool, by_token: bool, targets: torch.Tensor):
        self.E, self.W, self.U, self.model, self.layernorm = E, W, U, model, layernorm
        self.by_token, self.targets = by_token, targets
        learned = {"matrix": [W], "learnable": [E, W, U], "exponential": [E, U]}[model]
        for theta in learned:
            theta.requires_grad_(True)
        d = E.shape[-1]

        def lr_of(theta: torch.Tensor) -> torch.Tensor:
            div = 1.0 if optimizer == "sgd" else (d if theta is W else math.sqrt(d))
            return (lr / div).view(-1, *([1] * (theta.ndim - 1)))

        self.opt = _Optimizer(optimizer, learned, [lr_of(theta) for theta in learned])

    def step(self, x: torch.Tensor, y: torch.Tensor, factor: float) -> None:
        if self.by_token:
            logits = _forward(self.E, self.W, self.U, None, self.model, self.layernorm)
            M = logits.shape[-1]
            ce = F.cross_entropy(logits.reshape(-1, M), self.targets.repeat(logits.shape[0]), reduction="none")
            loss = (ce * _counts(x, logits.shape[1]).reshape(-1)).sum() / x.shape[-1]
        else:
            logits = _forward(self.E, self.W, self.U, x, self.model, self.layernorm)
            M = logits.shape[-1]
            loss = F.cross_entropy(logits.reshape(-1, M), y.reshape(-1), reduction="sum") / y.shape[-1]
        loss.backward()
        self.opt.step(factor)

    def all_logits(self) -> torch.Tensor:
        with torch.no_grad():
            return _forward(self.E, self.W, self.U, None, self.model, self.layernorm)

    def parameters(self) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]:
        return self.E, self.W, self.U


def train_memory(N: int, M: int, d: int, T: int, *, alpha: float = 2.0, batch_size: int = 1,
                 lr: float | Sequence[float] = 1.0, optimizer: str = "sgd", model: str = "matrix",
                 layernorm: bool = False, init: str = "random",
                 schedule: Callable[[int], float] | None = None, seeds: int = 10, seed: int = 0,
                 record_every: int | None = None, progress: bool = False,
                 device: torch.device | str | None = None) -> TrainResult:
    r"""Train ``seeds`` memories (for each step size in ``lr``) online on ``T`` Zipf tokens, all at once.

    Model ``logits = LN(E[x] W) U`` (see the module docstring). ``model``: ``"matrix"`` learns ``W``
    (``E``, ``U`` fixed), ``"learnable"`` learns ``E``, ``W``, ``U``, ``"exponential"`` learns ``E``,
    ``U`` with ``h = relu(E[x])`` and no ``W``. ``init="zero"`` starts from ``W = 0``.
    ``optimizer``: ``"sgd"``, ``"signgd"`` (torch Adam with ``betas=(0, 0)``, the grid's "Adam"),
    ``"adam"`` (default betas) or ``"ngd"`` (``g / std(g)``); the last three use the grid's step
    convention ``lr / d`` on ``W`` and ``lr / sqrt(d)`` on ``E``, ``U``. ``schedule(step)``
    multiplies the step size at 0-based ``step``. Every step size sees the same draws for a given
    seed; the ``seeds`` runs come from one generator seeded with ``seed`` (drawn on the CPU, so a
    seed gives the same runs on every device). Cost: ``T / batch_size`` steps of
    ``O(runs · batch_size · d²)``.
    """
    N = as_int(N, "N", minimum=1)
    M = as_int(M, "M", minimum=2)
    d = as_int(d, "d", minimum=1)
    T = as_int(T, "T", minimum=1)
    alpha = as_real(alpha, "alpha", minimum=0.0)
    batch_size = as_int(batch_size, "batch_size", minimum=1, maximum=T)
    lrs, many = _as_lrs(lr)
    optimizer = as_choice(optimizer, "optimizer", OPTIMIZERS)
    model = as_choice(model, "model", MODELS)
    layernorm = as_bool(layernorm, "layernorm")
    init = as_choice(init, "init", INITS)
    if schedule is not None and not callable(schedule):
        raise TypeError(f"schedule must be None or a callable step -> factor, got {type(schedule).__name__}")
    seeds = as_int(seeds, "seeds", minimum=1)
    seed = as_int(seed, "seed", minimum=0)
    if record_every is not None:
        record_every = as_int(record_every, "record_every", minimum=1)
    progress = as_bool(progress, "progress")
    dev = as_device(device, "device") or torch.device("cpu")

    E0, W0, U0, tokens = _draw(N, M, d, T, alpha, seeds, seed, init)
    tokens = tokens.to(dev)
    p, targets = zipf(N, alpha).to(dev), torch.arange(N, device=dev) % M

    R = len(lrs)
    runs = R * seeds

    def per_run(x0: torch.Tensor) -> torch.Tensor:
        return x0.to(dev).unsqueeze(0).expand(R, *x0.shape).reshape(runs, *x0.shape[1:]).clone()

    E, U = per_run(E0), per_run(U0)
    W = None if model == "exponential" else per_run(W0)
    lr_runs = torch.tensor(lrs, dtype=torch.float32, device=dev).repeat_interleave(seeds)
    n_steps = T // batch_size
    y_all = tokens % M
    if optimizer == "sgd" and model == "matrix":
        trainer: _Trainer = _ImplicitSGD(E, W, U, lr_runs, layernorm, N <= batch_size, targets)
    else:
        trainer = _Autograd(E, W, U, lr_runs, model, optimizer, layernorm, N <= batch_size, targets)

    def error_now() -> torch.Tensor:
        return _population_error(trainer.all_logits(), p, targets)

    recorded_steps, curve = [], []
    if record_every is not None:
        recorded_steps.append(0)
        curve.append(error_now())
    iterator = range(n_steps)
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(iterator, desc=f"{optimizer} {model} d={d}", leave=False)
    for step in iterator:
        sl = slice(step * batch_size, (step + 1) * batch_size)
        trainer.step(tokens[:, sl].repeat(R, 1), y_all[:, sl].repeat(R, 1), _step_factor(schedule, step))
        if record_every is not None and ((step + 1) % record_every == 0 or step + 1 == n_steps):
            recorded_steps.append(step + 1)
            curve.append(error_now())
    final_error = error_now()
    E, W, U = trainer.parameters()

    shape = (R, seeds) if many else (seeds,)

    def out(x: torch.Tensor | None) -> torch.Tensor | None:
        return None if x is None else x.detach().reshape(*shape, *x.shape[1:])

    return TrainResult(
        error=final_error.reshape(shape),
        steps=torch.tensor(recorded_steps, dtype=torch.long) if record_every is not None else None,
        curve=torch.stack(curve).reshape(len(curve), *shape) if record_every is not None else None,
        W=out(W), E=out(E), U=out(U), tokens=tokens, p=p, targets=targets,
        model=model, layernorm=layernorm)
