r"""Two small causal language models of one size: a GPT and a memory mosaic (nanoGPT-like).

After Zhang, Nolte, Sadhukhan, Chen & Bottou, "Memory Mosaics" (ICLR 2025), whose language model keeps
the GPT-2 skeleton and swaps two parts. Both models here share everything else:

- a tied embedding :math:`E \in \mathbb R^{V\times d}`, :math:`E_{ij} \sim \mathcal N(0, 1)`;
- pre-LayerNorm residual blocks, LayerNorms without bias:
  :math:`x \leftarrow x + \mathrm{Mix}(\mathrm{LN}_1 x)`, :math:`x \leftarrow x + \mathrm{Mem}(\mathrm{LN}_2 x)`;
- the read-out :math:`\mathrm{logits}_T = \mathrm{LN}_f(x_T)\, E^\top / \sqrt d` (the official ``Library``
  convention: unit-variance embedding, logits scaled by :math:`1/\sqrt d`);
- linear maps :math:`\mathcal N(0, 1/\mathrm{fan\_in})`, the maps writing into the residual stream
  :math:`\mathcal N(0, 1/(\mathrm{fan\_in}\cdot L))` for ``L`` layers; dropout (if any) on each residual
  branch output.

The differences:

- mixing (``Mix``): :class:`GPT` uses causal softmax attention over :math:`t \le T` with scale
  :math:`1/\sqrt{d_h}`; :class:`MosaicLM` a :class:`amtools.mosaics.ContextualMemory` (strict
  :math:`t < T`, leaky-average keys, values peeking at :math:`x_{T+1}`);
- memory (``Mem``): GPT's MLP :math:`d \to 4d \to d` with GELU; the mosaic's
  :class:`amtools.mosaics.PersistentMemory` (``N`` trainable key-value slots per head);
- positions: GPT adds a learned table :math:`P \in \mathbb R^{C\times d}`; the mosaic has none (its
  leaky keys carry recency).

**Parameter parity** (:func:`parity_slots`). Per layer GPT has :math:`12d^2 + 2d` (attention :math:`4d^2`,
MLP :math:`8d^2`, two LayerNorms) and the position table :math:`Cd` once; the mosaic has
:math:`3d^2 + 4H` (contextual memory) :math:`+\, 2d^2 + 2Nd + 3H` (P-mem, ``N`` slots per head)
:math:`+\, 2d`. Equal totals give

.. math:: N = \mathrm{round}\Big(\tfrac72 d + \frac{C}{2L} - \frac{7H}{2d}\Big),

so the counts differ by at most :math:`dL` parameters (the rounding of ``N``; ``N >= 1`` is enforced).

Shapes: tokens ``LongTensor[B, T]`` with :math:`1 \le T \le` ``context``; logits ``[B, T, vocab]``; logit
``T`` depends on tokens ``1..T`` only (both models, every configuration). Wrong arguments raise a
``ValueError`` or ``TypeError`` naming them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ._validate import as_bool, as_int, as_real, as_tensor
from .mosaics import ContextualMemory, PersistentMemory, _check_cpu_generator, _normal

__all__ = ["LMConfig", "GPT", "MosaicLM", "gpt", "mosaic_lm", "parity_slots", "generate"]

POSITION_STD = 0.1   # init std of GPT's position table (token embeddings have std 1)


# ============================================================================ config

@dataclass(frozen=True)
class LMConfig:
    """Sizes of a :class:`GPT` or :class:`MosaicLM` (validated; ``heads`` must divide ``d``).

    ``context`` is the longest input (GPT's position table has this many rows); ``mlp`` toggles GPT's MLP
    and the mosaic's persistent memory together; ``slots`` is the P-mem size per head (``None``: the
    parity size :func:`parity_slots`); ``dropout`` is applied to each residual branch output.
    """

    vocab: int
    d: int = 64
    layers: int = 1
    heads: int = 4
    context: int = 192
    mlp: bool = True
    slots: int | None = None
    dropout: float = 0.0

    def __post_init__(self) -> None:
        set_ = lambda k, v: object.__setattr__(self, k, v)   # noqa: E731 (frozen dataclass)
        set_("vocab", as_int(self.vocab, "vocab", minimum=1))
        set_("d", as_int(self.d, "d", minimum=1))
        set_("layers", as_int(self.layers, "layers", minimum=1))
        set_("heads", as_int(self.heads, "heads", minimum=1))
        set_("context", as_int(self.context, "context", minimum=1))
        set_("mlp", as_bool(self.mlp, "mlp"))
        if self.slots is not None:
            set_("slots", as_int(self.slots, "slots", minimum=1))
        set_("dropout", as_real(self.dropout, "dropout", minimum=0.0, maximum=1.0))
        if self.dropout >= 1.0:
            raise ValueError(f"dropout must be < 1, got {self.dropout}")
        if self.d % self.heads:
            raise ValueError(f"heads = {self.heads} must divide d = {self.d}")

    @property
    def head_dim(self) -> int:
        """``d / heads``."""
        return self.d // self.heads

    @property
    def memory_slots(self) -> int:
        """The P-mem slots per head actually used (``slots``, or :func:`parity_slots` if ``None``)."""
        if self.slots is not None:
            return self.slots
        return parity_slots(self.vocab, self.d, self.layers, self.heads, self.context)


def parity_slots(vocab: int, d: int, layers: int, heads: int, context: int) -> int:
    r"""P-mem slots per head making a :class:`MosaicLM` as large as a :class:`GPT` (both with ``mlp=True``).

    .. math:: N = \max\Big(1, \mathrm{round}\big(\tfrac72 d + \frac{C}{2L} - \frac{7H}{2d}\big)\Big)

    (``C`` = ``context``, ``L`` = ``layers``, ``H`` = ``heads``): the mosaic's :math:`2Nd` slot parameters
    per layer replace GPT's :math:`7d^2` extra matrix entries, its position table :math:`Cd` and the
    mosaic's :math:`7H` per-head scalars. ``vocab`` is accepted (and validated) for symmetry; the
    tied embedding is common to both models and cancels.
    """
    as_int(vocab, "vocab", minimum=1)
    d = as_int(d, "d", minimum=1)
    layers = as_int(layers, "layers", minimum=1)
    heads = as_int(heads, "heads", minimum=1)
    context = as_int(context, "context", minimum=1)
    if d % heads:
        raise ValueError(f"heads = {heads} must divide d = {d}")
    return max(1, round(3.5 * d + context / (2 * layers) - 3.5 * heads / d))


# ============================================================================ shared parts

def _as_config(config: Any) -> LMConfig:
    if not isinstance(config, LMConfig):
        raise TypeError(f"config must be an LMConfig, got {type(config).__name__}")
    return config


class _LM(nn.Module):
    """Embedding, blocks, final LayerNorm, tied read-out; subclasses build ``self.blocks``."""

    config: LMConfig

    def __init__(self, config: LMConfig, gen: torch.Generator | None) -> None:
        super().__init__()
        self.config = config
        self.embedding = nn.Parameter(_normal(gen, config.vocab, config.d, std=1.0))
        self.ln_f = nn.LayerNorm(config.d, bias=False)
        self.drop = nn.Dropout(config.dropout)

    def _check_tokens(self, tokens: Any) -> torch.Tensor:
        tokens = as_tensor(tokens, "tokens", ndim=(2,), integer=True)
        B, T = tokens.shape
        if B == 0 or T == 0:
            raise ValueError(f"tokens must be [B, T] with B, T >= 1, got shape {tuple(tokens.shape)}")
        if T > self.config.context:
            raise ValueError(f"tokens has T = {T} positions, more than context = {self.config.context} "
                             f"(crop the input, e.g. tokens[:, -{self.config.context}:])")
        if tokens.device != self.embedding.device:
            raise ValueError(f"tokens is on {tokens.device} but the model is on {self.embedding.device}")
        lo, hi = torch.aminmax(tokens)
        if int(lo) < 0 or int(hi) >= self.config.vocab:
            raise ValueError(f"tokens must lie in [0, vocab = {self.config.vocab}), got values in "
                             f"[{int(lo)}, {int(hi)}]")
        return tokens

    def _embed(self, tokens: torch.Tensor) -> torch.Tensor:
        return F.embedding(tokens, self.embedding)

    def _readout(self, x: torch.Tensor) -> torch.Tensor:
        return self.ln_f(x) @ (self.embedding.T / math.sqrt(self.config.d))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """``LongTensor[B, T]`` (``T <= context``) -> logits ``[B, T, vocab]``."""
        x = self._embed(self._check_tokens(tokens))
        for block in self.blocks:
            x = block(x)
        return self._readout(x)


class _Block(nn.Module):
    r"""Pre-LN residual block: :math:`x \leftarrow x + \mathrm{mix}(\mathrm{LN}_1 x)`, then
    :math:`x \leftarrow x + \mathrm{mem}(\mathrm{LN}_2 x)` if ``mem`` is not ``None``."""

    def __init__(self, d: int, mix: nn.Module, mem: nn.Module | None, dropout: float) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(d, bias=False)
        self.mix = mix
        self.ln_2 = nn.LayerNorm(d, bias=False) if mem is not None else None
        self.mem = mem
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.drop(self.mix(self.ln_1(x)))
        if self.mem is not None:
            x = x + self.drop(self.mem(self.ln_2(x)))
        return x


# ============================================================================ GPT

class CausalSelfAttention(nn.Module):
    r"""Multi-head causal softmax attention (the transformer mask :math:`t \le T`), no biases:

    .. math:: y_T = W_O\big[\textstyle\sum_{t\le T}\mathrm{softmax}_t(q_T^\top k_t/\sqrt{d_h})\, v_t\big]_{\rm heads},
              \quad (q, k, v) = W_{qkv}\, x.
    """

    def __init__(self, d: int, heads: int, layers: int, gen: torch.Generator | None) -> None:
        super().__init__()
        self.d, self.heads = d, heads
        self.W_qkv = nn.Parameter(_normal(gen, 3 * d, d, std=1 / math.sqrt(d)))
        self.W_out = nn.Parameter(_normal(gen, d, d, std=1 / math.sqrt(d * layers)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, d = x.shape
        q, k, v = (x @ self.W_qkv.T).view(B, T, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)          # [B, H, T, d_h]
        return y.transpose(1, 2).reshape(B, T, d) @ self.W_out.T


class MLP(nn.Module):
    r""":math:`W_2\,\mathrm{GELU}(W_1 x)`, :math:`d \to 4d \to d`, no biases."""

    def __init__(self, d: int, layers: int, gen: torch.Generator | None) -> None:
        super().__init__()
        self.W_in = nn.Parameter(_normal(gen, 4 * d, d, std=1 / math.sqrt(d)))
        self.W_out = nn.Parameter(_normal(gen, d, 4 * d, std=1 / math.sqrt(4 * d * layers)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.gelu(x @ self.W_in.T) @ self.W_out.T


class GPT(_LM):
    r"""A GPT-2-like causal language model: learned positions, pre-LN blocks of causal attention + MLP.

    .. math:: x^0_T = E_{\mathrm{tok}_T} + P_T,\quad
              x \leftarrow x + \mathrm{Attn}(\mathrm{LN}_1 x),\quad x \leftarrow x + \mathrm{MLP}(\mathrm{LN}_2 x),\quad
              \mathrm{logits} = \mathrm{LN}_f(x)\,E^\top/\sqrt d.

    Positions :math:`P \sim \mathcal N(0, 0.1^2)`, ``[context, d]``: small next to the unit-variance token
    embedding, so the first attention scores are driven by content (an equal scale trained a little
    slower in a quick check on the story corpus). Parameters (``mlp=True``):
    :math:`Vd + Cd + L(12d^2 + 2d) + d` (``mlp=False``: :math:`Vd + Cd + L(4d^2 + d) + d`).
    ``forward(tokens)``: ``LongTensor[B, T]`` -> logits ``[B, T, vocab]``, ``T <= context``.
    """

    def __init__(self, config: LMConfig, *, generator: torch.Generator | None = None) -> None:
        config = _as_config(config)
        gen = _check_cpu_generator(generator)
        super().__init__(config, gen)
        c = config
        self.positions = nn.Parameter(_normal(gen, c.context, c.d, std=POSITION_STD))
        self.blocks = nn.ModuleList(
            _Block(c.d, CausalSelfAttention(c.d, c.heads, c.layers, gen),
                   MLP(c.d, c.layers, gen) if c.mlp else None, c.dropout)
            for _ in range(c.layers))

    def _embed(self, tokens: torch.Tensor) -> torch.Tensor:
        return F.embedding(tokens, self.embedding) + self.positions[: tokens.shape[1]]


# ============================================================================ memory mosaic

class MosaicLM(_LM):
    r"""A memory-mosaic language model: pre-LN blocks of contextual memory + persistent memory, no positions.

    .. math:: x^0_T = E_{\mathrm{tok}_T},\quad
              x \leftarrow x + \mathrm{CtxMem}(\mathrm{LN}_1 x),\quad x \leftarrow x + \mathrm{PMem}(\mathrm{LN}_2 x),\quad
              \mathrm{logits} = \mathrm{LN}_f(x)\,E^\top/\sqrt d,

    with :class:`amtools.mosaics.ContextualMemory` (strict :math:`t<T`, leaky keys, peeking values) and
    :class:`amtools.mosaics.PersistentMemory` (``config.memory_slots`` slots per head); their output maps
    :math:`W_O` are rescaled to :math:`\mathcal N(0, 1/(dL))`. Parameters (``mlp=True``):
    :math:`Vd + L(5d^2 + 2Nd + 2d + 7H) + d` (``mlp=False``: :math:`Vd + L(3d^2 + d + 4H) + d`).
    ``forward(tokens)``: ``LongTensor[B, T]`` -> logits ``[B, T, vocab]``, ``T <= context`` (the mosaic
    itself has no length limit; ``context`` is kept for a common interface).
    """

    def __init__(self, config: LMConfig, *, generator: torch.Generator | None = None) -> None:
        config = _as_config(config)
        gen = _check_cpu_generator(generator)
        super().__init__(config, gen)
        c = config
        blocks = []
        for _ in range(c.layers):
            mix = ContextualMemory(c.d, c.heads, generator=gen)
            mem = PersistentMemory(c.d, c.heads, c.memory_slots, generator=gen) if c.mlp else None
            with torch.no_grad():
                for unit in (mix, mem):
                    if unit is not None:
                        unit.W_out.div_(math.sqrt(c.layers))
            blocks.append(_Block(c.d, mix, mem, c.dropout))
        self.blocks = nn.ModuleList(blocks)


# ============================================================================ constructors

def gpt(vocab: int, *, d: int = 64, layers: int = 1, heads: int = 4, context: int = 192, mlp: bool = True,
        dropout: float = 0.0, generator: torch.Generator | None = None) -> GPT:
    """A :class:`GPT` of the given sizes (see :class:`LMConfig`); ``generator`` draws the initialization."""
    config = LMConfig(vocab, d=d, layers=layers, heads=heads, context=context, mlp=mlp, dropout=dropout)
    return GPT(config, generator=generator)


def mosaic_lm(vocab: int, *, d: int = 64, layers: int = 1, heads: int = 4, context: int = 192,
              mlp: bool = True, slots: int | None = None, dropout: float = 0.0,
              generator: torch.Generator | None = None) -> MosaicLM:
    """A :class:`MosaicLM` of the given sizes; ``slots=None`` sizes the P-mem for parity with :func:`gpt`."""
    config = LMConfig(vocab, d=d, layers=layers, heads=heads, context=context, mlp=mlp, slots=slots,
                      dropout=dropout)
    return MosaicLM(config, generator=generator)


# ============================================================================ sampling

@torch.no_grad()
def generate(model: nn.Module, prompt: torch.Tensor, steps: int, *, temperature: float = 1.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    r"""Continue ``prompt`` ``[B, T0]`` by ``steps`` tokens: ``LongTensor[B, T0 + steps]`` (prompt included).

    Each step feeds the last ``context`` tokens (a sliding window) and draws the next token from
    :math:`\mathrm{softmax}(\mathrm{logits}/\tau)` restricted to the ``top_k`` largest logits (all if
    ``None``); ``temperature`` :math:`\tau = 0` is greedy (argmax, deterministic). Runs in eval mode
    under ``torch.no_grad()`` and restores the model's mode. ``generator``: a CPU ``torch.Generator``
    for the draws (probabilities are moved to the CPU to sample).
    """
    if not isinstance(model, nn.Module) or not isinstance(getattr(model, "config", None), LMConfig):
        raise TypeError(f"model must be a GPT or MosaicLM (an nn.Module with an LMConfig .config), "
                        f"got {type(model).__name__}")
    config: LMConfig = model.config
    prompt = as_tensor(prompt, "prompt", ndim=(2,), integer=True)
    if prompt.shape[0] == 0 or prompt.shape[1] == 0:
        raise ValueError(f"prompt must be [B, T0] with B, T0 >= 1, got shape {tuple(prompt.shape)}")
    p = next(model.parameters())
    if prompt.device != p.device:
        raise ValueError(f"prompt is on {prompt.device} but the model is on {p.device}")
    lo, hi = torch.aminmax(prompt)
    if int(lo) < 0 or int(hi) >= config.vocab:
        raise ValueError(f"prompt must hold token ids in [0, vocab = {config.vocab}), got values in "
                         f"[{int(lo)}, {int(hi)}]")
    steps = as_int(steps, "steps", minimum=0)
    temperature = as_real(temperature, "temperature", minimum=0.0)
    if top_k is not None:
        top_k = as_int(top_k, "top_k", minimum=1, maximum=config.vocab)
    generator = _check_cpu_generator(generator)
    was_training = model.training
    model.eval()
    try:
        seq = prompt.long()
        for _ in range(steps):
            logits = model(seq[:, -config.context:])[:, -1].float()                 # [B, vocab]
            if temperature == 0:
                nxt = logits.argmax(dim=-1)
            else:
                logits = logits / temperature
                if top_k is not None and top_k < config.vocab:
                    kth = torch.topk(logits, top_k, dim=-1).values[:, -1:]
                    logits = logits.masked_fill(logits < kth, -math.inf)
                probs = torch.softmax(logits, dim=-1).cpu()
                nxt = torch.multinomial(probs, 1, generator=generator).squeeze(1).to(seq.device)
            seq = torch.cat([seq, nxt[:, None]], dim=1)
        return seq
    finally:
        model.train(was_training)
