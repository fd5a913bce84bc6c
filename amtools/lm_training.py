r"""One training loop for the language models of :mod:`amtools.models` (GPT and memory mosaic alike).

The recipe of the official Memory Mosaics code, scaled down: AdamW with betas :math:`(0.9, 0.95)`,
weight decay on the :math:`\ge 2`-D parameters only (matrices, embeddings, P-mem slots; not the
LayerNorm gains nor the per-head scalars), gradient clipping at norm 1, and a learning rate that rises
linearly from 0 for ``warmup * steps`` steps, then follows a cosine down to ``min_lr_ratio * lr``
(:func:`learning_rate`). The loss is the mean next-token cross-entropy (nats per token) over targets
other than ``-100`` (:func:`lm_loss`); :func:`token_losses` gives it per position.

Batches come from a callable ``batches(step) -> (inputs [B, T], targets [B, T])`` so the loop knows
nothing about the data. Wrong arguments raise a ``ValueError`` or ``TypeError`` naming them.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from numbers import Real
from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import nn

from ._validate import as_bool, as_generator, as_int, as_real, as_tensor, check_generator_device

__all__ = ["LMTrainConfig", "LMTrainLog", "train_lm", "lm_loss", "token_losses", "learning_rate",
           "IGNORE_INDEX"]

IGNORE_INDEX = -100   #: targets equal to this are not scored (torch's cross_entropy default)


# ============================================================================ config and log

@dataclass(frozen=True)
class LMTrainConfig:
    """Optimization settings of :func:`train_lm` (validated on construction).

    ``steps`` optimizer steps of ``batch_size`` sequences (the batch size is informative: the
    ``batches`` callable decides); peak ``lr``; AdamW ``betas`` and ``weight_decay`` (on >= 2-D
    parameters only); ``warmup`` a fraction of ``steps`` of linear warm-up from 0, then a cosine down to
    ``min_lr_ratio * lr`` at the last step; ``grad_clip`` the max global gradient norm (0: no
    clipping); ``evaluate`` runs every ``eval_every`` steps (0: only at the end) and, with
    ``eval_at_start``, once before the first step (logged as step 0).
    """

    steps: int
    batch_size: int = 32
    lr: float = 3e-3
    betas: tuple[float, float] = (0.9, 0.95)
    weight_decay: float = 0.1
    warmup: float = 0.1
    min_lr_ratio: float = 0.1
    grad_clip: float = 1.0
    eval_every: int = 0
    eval_at_start: bool = False

    def __post_init__(self) -> None:
        set_ = lambda k, v: object.__setattr__(self, k, v)   # noqa: E731 (frozen dataclass)
        set_("steps", as_int(self.steps, "steps", minimum=1))
        set_("batch_size", as_int(self.batch_size, "batch_size", minimum=1))
        set_("lr", as_real(self.lr, "lr", minimum=0.0, strict=True))
        betas = self.betas
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair of reals in [0, 1), got {betas!r:.60}")
        b1 = as_real(betas[0], "betas[0]", minimum=0.0, maximum=1.0)
        b2 = as_real(betas[1], "betas[1]", minimum=0.0, maximum=1.0)
        if b1 >= 1 or b2 >= 1:
            raise ValueError(f"betas must lie in [0, 1), got {(b1, b2)}")
        set_("betas", (b1, b2))
        set_("weight_decay", as_real(self.weight_decay, "weight_decay", minimum=0.0))
        set_("warmup", as_real(self.warmup, "warmup", minimum=0.0, maximum=1.0))
        set_("min_lr_ratio", as_real(self.min_lr_ratio, "min_lr_ratio", minimum=0.0, maximum=1.0))
        set_("grad_clip", as_real(self.grad_clip, "grad_clip", minimum=0.0))
        set_("eval_every", as_int(self.eval_every, "eval_every", minimum=0))
        set_("eval_at_start", as_bool(self.eval_at_start, "eval_at_start"))

    @property
    def warmup_steps(self) -> int:
        """``round(warmup * steps)``, the number of warm-up steps."""
        return round(self.warmup * self.steps)


@dataclass
class LMTrainLog:
    """What :func:`train_lm` records.

    ``steps[i]`` = ``i + 1`` (steps done) and ``train_loss[i]`` the batch loss of that step (mean CE
    over non-ignored targets, before the update); ``lr[i]`` its learning rate; ``eval_steps`` the
    number of steps done at each evaluation (0 for ``eval_at_start``) and ``evals`` what ``evaluate``
    returned; ``seconds`` the wall time of the whole loop.
    """

    steps: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    eval_steps: list[int] = field(default_factory=list)
    evals: list[dict[str, float]] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def final(self, key: str) -> float:
        """The last evaluation's value of ``key``."""
        if not isinstance(key, str):
            raise TypeError(f"key must be a string, got {type(key).__name__}")
        if not self.evals:
            raise ValueError("no evaluation was logged (pass evaluate= to train_lm)")
        if key not in self.evals[-1]:
            raise ValueError(f"key {key!r} is not in the last evaluation (keys: {sorted(self.evals[-1])})")
        return self.evals[-1][key]


# ============================================================================ schedule and losses

def learning_rate(step: int, config: LMTrainConfig) -> float:
    r"""The learning rate of step ``step`` (0-based) of ``config``, with :math:`W` = ``config.warmup_steps``,
    :math:`S` = ``steps``, :math:`\eta` = ``lr``, :math:`\eta_{\min}` = ``min_lr_ratio`` :math:`\cdot\,\eta`:

    .. math:: \eta_s = \eta\,\frac{s+1}{W}\ (s < W),\qquad
              \eta_s = \eta_{\min} + \tfrac12(\eta - \eta_{\min})\big(1 + \cos(\pi\,\tfrac{s - W}{\max(1, S - 1 - W)})\big)\ (s \ge W),

    so the warm-up ends at the peak :math:`\eta` and the last step uses :math:`\eta_{\min}`.
    """
    if not isinstance(config, LMTrainConfig):
        raise TypeError(f"config must be an LMTrainConfig, got {type(config).__name__}")
    step = as_int(step, "step", minimum=0, maximum=config.steps - 1)
    return _lr(step, config)


def _lr(step: int, c: LMTrainConfig) -> float:
    W = c.warmup_steps
    if step < W:
        return c.lr * (step + 1) / W
    lo = c.min_lr_ratio * c.lr
    p = (step - W) / max(1, c.steps - 1 - W)
    return lo + 0.5 * (c.lr - lo) * (1 + math.cos(math.pi * p))


def _check_model(model: Any) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if next(model.parameters(), None) is None:
        raise ValueError("model has no parameters")
    return model


def _check_pair(model: nn.Module, inputs: Any, targets: Any,
                names: tuple[str, str] = ("inputs", "targets")) -> tuple[torch.Tensor, torch.Tensor]:
    """``inputs``, ``targets``: integer ``[B, T]`` tensors of one shape on the model's device, token ids in
    ``[0, vocab)`` (targets may be ``-100``), ``T <= context`` (if the model has an :class:`LMConfig`)."""
    ni, nt = names
    inputs = as_tensor(inputs, ni, ndim=(2,), integer=True)
    targets = as_tensor(targets, nt, ndim=(2,), integer=True)
    if inputs.shape != targets.shape:
        raise ValueError(f"{ni} and {nt} must have the same shape [B, T], got {tuple(inputs.shape)} "
                         f"and {tuple(targets.shape)}")
    if inputs.numel() == 0:
        raise ValueError(f"{ni} must be [B, T] with B, T >= 1, got shape {tuple(inputs.shape)}")
    device = next(model.parameters()).device
    for name, t in ((ni, inputs), (nt, targets)):
        if t.device != device:
            raise ValueError(f"{name} is on {t.device} but the model is on {device}")
    config = getattr(model, "config", None)
    vocab, context = getattr(config, "vocab", None), getattr(config, "context", None)
    if context is not None and inputs.shape[1] > context:
        raise ValueError(f"{ni} has T = {inputs.shape[1]} positions, more than the model's context = {context}")
    upper = "" if vocab is None else f" = {vocab}"
    lo, hi = torch.aminmax(inputs)
    if int(lo) < 0 or (vocab is not None and int(hi) >= vocab):
        raise ValueError(f"{ni} must be token ids in [0, vocab{upper}), got values in [{int(lo)}, {int(hi)}]")
    scored = targets[targets != IGNORE_INDEX]
    if scored.numel():
        lo, hi = torch.aminmax(scored)
        if int(lo) < 0 or (vocab is not None and int(hi) >= vocab):
            raise ValueError(f"{nt} must be token ids in [0, vocab{upper}) or {IGNORE_INDEX} (ignored), "
                             f"got values in [{int(lo)}, {int(hi)}]")
    return inputs.long(), targets.long()


def _loss(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    logits = model(inputs)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), targets.reshape(-1),
                           ignore_index=IGNORE_INDEX)


def lm_loss(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    r"""Mean next-token cross-entropy (nats) :math:`\frac1{|S|}\sum_{(b,t)\in S} -\log \mathrm{softmax}(\ell_{bt})_{y_{bt}}`
    over the scored positions :math:`S = \{(b, t): y_{bt} \ne -100\}`; a 0-d tensor with gradient
    (NaN if nothing is scored). ``inputs``, ``targets``: ``LongTensor[B, T]``; the model's current
    mode (train/eval) is used as is.
    """
    model = _check_model(model)
    inputs, targets = _check_pair(model, inputs, targets)
    return _loss(model, inputs, targets)


@torch.no_grad()
def token_losses(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    r"""Per-position cross-entropy :math:`-\log \mathrm{softmax}(\ell_{bt})_{y_{bt}}`, ``[B, T]`` float32,
    NaN where the target is ``-100``; computed in eval mode without gradient (the mode is restored).
    """
    model = _check_model(model)
    inputs, targets = _check_pair(model, inputs, targets)
    was_training = model.training
    model.eval()
    try:
        logits = model(inputs).float()
    finally:
        model.train(was_training)
    losses = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                             ignore_index=IGNORE_INDEX, reduction="none").view(targets.shape)
    return losses.masked_fill(targets == IGNORE_INDEX, math.nan)


# ============================================================================ the loop

def _optimizer(model: nn.Module, c: LMTrainConfig) -> torch.optim.AdamW:
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [{"params": [p for p in params if p.ndim >= 2], "weight_decay": c.weight_decay},
              {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=c.lr, betas=c.betas)


def train_lm(model: nn.Module, batches: Callable[[int], tuple[torch.Tensor, torch.Tensor]],
             config: LMTrainConfig, *, evaluate: Callable[[nn.Module], dict[str, float]] | None = None,
             progress: bool | str = True, generator: torch.Generator | None = None) -> LMTrainLog:
    r"""Train ``model`` in place for ``config.steps`` AdamW steps on ``batches(step)`` and return the log.

    Step ``s`` (0-based) draws ``inputs, targets = batches(s)`` (``LongTensor[B, T]``, moved to the
    model's device; targets ``-100`` ignored), minimizes :func:`lm_loss` with learning rate
    :func:`learning_rate` ``(s)``, clipping the gradient norm at ``grad_clip``. Weight decay applies to
    parameters with ``ndim >= 2`` only. ``evaluate(model)`` (returning ``{name: number}``) is called in
    eval mode under ``torch.no_grad()`` after every ``eval_every`` steps and after the last one (once).
    ``progress``: a ``tqdm.auto`` bar (``True``; a string is its description) or none (``False``).
    ``generator``: a CPU generator; the loop then runs on a forked global RNG seeded from it (so dropout
    and any global draws of ``batches`` or ``evaluate`` are reproducible, and the caller's global RNG is
    left untouched); ``None`` uses the global RNG as it is.
    """
    model = _check_model(model)
    if not callable(batches):
        raise TypeError(f"batches must be a callable step -> (inputs, targets), got {type(batches).__name__}")
    if not isinstance(config, LMTrainConfig):
        raise TypeError(f"config must be an LMTrainConfig, got {type(config).__name__}")
    if evaluate is not None and not callable(evaluate):
        raise TypeError(f"evaluate must be a callable model -> dict or None, got {type(evaluate).__name__}")
    if not isinstance(progress, (bool, str)):
        raise TypeError(f"progress must be True, False or a description string, got {type(progress).__name__}")
    generator = as_generator(generator)
    check_generator_device(generator, torch.device("cpu"))
    if generator is None:
        return _train(model, batches, config, evaluate, progress)
    seed = int(torch.randint(0, 2**62, (1,), generator=generator))
    device = next(model.parameters()).device
    devices = [device.index if device.index is not None else torch.cuda.current_device()] \
        if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        return _train(model, batches, config, evaluate, progress)


def _evaluate(model: nn.Module, evaluate: Callable[[nn.Module], Any]) -> dict[str, float]:
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = evaluate(model)
    finally:
        model.train(was_training)
    if not isinstance(out, dict):
        raise TypeError(f"evaluate must return a dict of numbers, got {type(out).__name__}")
    result = {}
    for k, v in out.items():
        if isinstance(v, torch.Tensor) and v.numel() == 1 and not (v.dtype == torch.bool or v.is_complex()):
            v = v.item()
        if not isinstance(k, str) or isinstance(v, bool) or not isinstance(v, Real):
            raise TypeError(f"evaluate must return a dict {{name: real number}}, got {k!r:.40}: {v!r:.40}")
        result[k] = float(v)     # NaN and inf are kept: a diverged evaluation is information
    return result


def _train(model: nn.Module, batches: Callable[[int], Any], c: LMTrainConfig,
           evaluate: Callable[[nn.Module], Any] | None, progress: bool | str) -> LMTrainLog:
    from tqdm.auto import tqdm

    log = LMTrainLog()
    start = time.perf_counter()
    device = next(model.parameters()).device
    opt = _optimizer(model, c)
    if evaluate is not None and c.eval_at_start:
        log.eval_steps.append(0)
        log.evals.append(_evaluate(model, evaluate))
    bar = tqdm(range(c.steps), desc=progress if isinstance(progress, str) else None,
               disable=progress is False, leave=True)
    was_training = model.training
    model.train()
    try:
        for step in bar:
            pair = batches(step)
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(f"batches({step}) must return (inputs, targets), got {type(pair).__name__}")
            inputs, targets = (t.to(device) if isinstance(t, torch.Tensor) and t.device.type != "meta" else t
                               for t in pair)
            inputs, targets = _check_pair(model, inputs, targets,
                                          (f"the inputs of batches({step})", f"the targets of batches({step})"))
            lr = _lr(step, c)
            for group in opt.param_groups:
                group["lr"] = lr
            loss = _loss(model, inputs, targets)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if c.grad_clip > 0:
                nn.utils.clip_grad_norm_(model.parameters(), c.grad_clip)
            opt.step()
            value = float(loss.detach())
            log.steps.append(step + 1)
            log.train_loss.append(value)
            log.lr.append(lr)
            done = step + 1
            if evaluate is not None and (done == c.steps or (c.eval_every and done % c.eval_every == 0)):
                log.eval_steps.append(done)
                log.evals.append(_evaluate(model, evaluate))
                bar.set_postfix(loss=f"{value:.3f}", **{k: f"{v:.3g}" for k, v in list(log.evals[-1].items())[:3]})
            elif step % 10 == 0 or done == c.steps:
                bar.set_postfix(loss=f"{value:.3f}")
    finally:
        bar.close()
        model.train(was_training)
    log.seconds = time.perf_counter() - start
    return log
