r"""Memory Mosaics: kernel-regression memories, contextual and persistent memory units, three moons.

After Zhang, Nolte, Sadhukhan, Chen & Bottou, "Memory Mosaics" (ICLR 2025), and the official code
(``facebookresearch/MemoryMosaics``: ``Library/`` for the units, ``ThreeMoons/`` for the toy task).

**Associative memory.** Stored pairs :math:`(k_i, v_i)_{i \le n}` answer a query :math:`q` by
Gaussian kernel smoothing (Nadaraya-Watson), bandwidth parameter :math:`\beta \ge 0`:

.. math:: f(q) = \sum_i \frac{e^{-\beta\lVert q - k_i\rVert^2}}{Z}\, v_i,
          \qquad Z = \sum_j e^{-\beta\lVert q - k_j\rVert^2}

(:func:`kernel_weights`, :func:`kernel_regression`). With keys and query of one common norm the
weights are :math:`\mathrm{softmax}_i(2\beta\, q^\top k_i)`: softmax attention whose query is a key.

**Contextual memory unit** (:class:`ContextualMemory`), over a sequence :math:`x_1..x_T`, per head:
keys are leaky averages :math:`\bar k_T = \sum_{t \le T} \lambda^{T-t} W_\varphi x_t` (:func:`leaky_average`),
normalized and scaled, :math:`k_T = s\,\bar k_T/\lVert\bar k_T\rVert`; values peek one step ahead,
:math:`v_T \propto (1-c) W_\psi x_{T+1} + c\, W_\psi x_T`; the read-out uses **strictly earlier**
positions only, :math:`y_T = \sum_{t<T} \mathrm{softmax}_t(k_T^\top k_t)\, v_t` and :math:`y_1 = 0`
(:func:`causal_weights`, :func:`causal_readout`), so :math:`y_T` depends on :math:`x_1..x_T` only.
**Persistent memory** (:class:`PersistentMemory`): the same keys read :math:`N` trainable pairs.

**Three moons** (:func:`three_moons`, :class:`ThreeMoonsNet`): three moons on circular orbits, observed as
:math:`(\sin\theta_j, \cos\theta_j)_{j=1..3}`; one contextual-memory layer with complex-structured
weights (54 real parameters) predicts the next observation.

Shapes: sequences are ``[B, T, d]`` (batch, time, features); heads split ``d`` into ``H`` contiguous
blocks of ``d / H``. Modules follow their parameters' device and dtype; random initializations draw
from an optional CPU ``torch.Generator`` (the global one otherwise). Wrong arguments raise a
``ValueError`` or ``TypeError`` naming them.
"""

from __future__ import annotations

import math
from itertools import combinations
from typing import Any, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ._validate import (all_finite, as_batched, as_bool, as_choice, as_device, as_dtype, as_generator,
                        as_int, as_real, as_tensor, broadcast_batch, check_generator_device,
                        check_same_device, common_dtype)

__all__ = ["kernel_weights", "kernel_regression", "leaky_average", "causal_weights", "causal_readout",
           "count_parameters", "ContextualMemory", "PersistentMemory", "ComplexLinear", "ThreeMoonsNet",
           "three_moons", "full_period", "three_moons_time_step",
           "MOON_PERIODS", "KEPT_TRIPLES", "TRAIN_TRIPLES", "VALIDATION_TRIPLE", "MOON_OFFSET",
           "GRID_POINTS", "PERIODS_PER_SEQUENCE", "SPLITS", "THREE_MOONS_BETA"]

# ---------------------------------------------------------------------------- official constants
EXP_SCALE = 10.0          # the code's reparameterization of the per-head scalars ("exp_param_scale")
LOG_SCALE_MAX = 5.0       # the key scale exp(10 theta) is capped at e^5 (fp16 safety in the code)
MOON_PERIODS = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5)   #: candidate periods (time units)
MOON_OFFSET = 0.3         #: common phase offset of every moon
GRID_POINTS = 10_000      #: length of the time grid sequences are cut from
PERIODS_PER_SEQUENCE = 3  #: a sequence spans 3 full periods of the slowest kept system
SPLITS = ("train", "validation")  #: the splits of the three-moons task
THREE_MOONS_BETA = 50.0   #: the fixed attention scale of the three-moons network ("attn_scale")


# ============================================================================ helpers

def _unit(v: torch.Tensor) -> torch.Tensor:
    """``v / ||v||`` over the last axis; a zero vector stays zero (no NaN)."""
    return v / v.norm(dim=-1, keepdim=True).clamp_min(torch.finfo(v.dtype).tiny)


def _masked_softmax(scores: torch.Tensor, strict: bool) -> torch.Tensor:
    """Causal softmax over the last axis of ``[..., T, T]`` scores: row ``T`` sees ``t < T`` (``t <= T`` if not strict).

    Masked entries are set, in place (``scores`` must be a fresh tensor), to the dtype's most negative
    number (not ``-inf``, which makes the empty first row NaN, also in the backward pass); the empty
    first row is then multiplied by 0. The read-outs use the fused :func:`_causal_read`.
    """
    T = scores.shape[-1]
    allowed = torch.ones(T, T, dtype=torch.bool, device=scores.device).tril(-1 if strict else 0)
    w = torch.softmax(scores.masked_fill_(~allowed, torch.finfo(scores.dtype).min), dim=-1)
    if strict:
        w = w * allowed.any(dim=-1, keepdim=True).to(w.dtype)
    return w


def _causal_read(keys: torch.Tensor, values: torch.Tensor, beta: float, strict: bool) -> torch.Tensor:
    r""":math:`y_T = \sum_t \mathrm{softmax}_t(\beta\, k_T^\top k_t)\, v_t` over ``t < T`` (``t <= T`` if not
    strict), ``[..., T, dk]`` keys and ``[..., T, dv]`` values (same batch shape) -> ``[..., T, dv]``.

    The same numbers as ``_masked_softmax(scores) @ values`` up to rounding, as one fused
    ``scaled_dot_product_attention`` call (no ``[T, T]`` weight tensor is kept): the mask adds the
    dtype's most negative number on the masked entries (an exact 0 weight, so causality is exact),
    and with ``strict`` the empty first row is zeroed on the output.
    """
    T = keys.shape[-2]
    allowed = torch.ones(T, T, dtype=torch.bool, device=keys.device).tril(-1 if strict else 0)
    mask = torch.zeros(T, T, dtype=keys.dtype, device=keys.device).masked_fill_(~allowed, torch.finfo(keys.dtype).min)
    y = F.scaled_dot_product_attention(keys, keys, values, attn_mask=mask, scale=float(beta))
    if strict:
        keep = torch.ones(T, 1, dtype=y.dtype, device=y.device)
        keep[0] = 0
        y = y * keep
    return y


def _lags(T: int, device: torch.device) -> torch.Tensor:
    """``lag[i, j] = i - j`` clamped at 0 (the upper triangle is masked later; clamping first keeps
    ``exp(-r * lag)`` finite there)."""
    i = torch.arange(T, device=device)
    return (i[:, None] - i[None, :]).clamp_min(0)


def _normal(gen: torch.Generator | None, *shape: int, std: float) -> torch.Tensor:
    return torch.randn(*shape, generator=gen) * std


def _check_cpu_generator(generator: Any) -> torch.Generator | None:
    generator = as_generator(generator)
    check_generator_device(generator, torch.device("cpu"))
    return generator


def _check_sequence(x: Any, module: nn.Module, d: int, name: str = "x") -> torch.Tensor:
    """``x`` must be a finite ``[B, T, d]`` floating tensor on the module's device, in its dtype."""
    x = as_tensor(x, name, ndim=(3,), floating=True)
    if x.shape[-1] != d or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"{name} must be [B, T, d] with B, T >= 1 and d = {d}, got shape {tuple(x.shape)}")
    p = next(module.parameters())
    if x.device != p.device:
        raise ValueError(f"{name} is on {x.device} but the module's parameters are on {p.device}")
    if x.dtype != p.dtype:
        raise ValueError(f"{name} has dtype {x.dtype} but the module's parameters are {p.dtype} "
                         f"(convert one of them, e.g. module.to({x.dtype}))")
    if not all_finite(x):
        raise ValueError(f"{name} must contain only finite numbers (found NaN or inf)")
    return x


def _split_heads(t: torch.Tensor, heads: int) -> torch.Tensor:
    """``[B, T, d]`` -> ``[B, H, T, d / H]`` (head ``h`` owns features ``h*d/H .. (h+1)*d/H - 1``)."""
    B, T, d = t.shape
    return t.view(B, T, heads, d // heads).transpose(1, 2)


def _merge_heads(t: torch.Tensor) -> torch.Tensor:
    """``[B, H, T, d_h]`` -> ``[B, T, H d_h]``."""
    B, H, T, dh = t.shape
    return t.transpose(1, 2).reshape(B, T, H * dh)


def _peek(v: torch.Tensor) -> torch.Tensor:
    """``out[..., t, :] = v[..., t + 1, :]`` along the time axis (-2), zero at the last position."""
    return torch.cat([v[..., 1:, :], torch.zeros_like(v[..., :1, :])], dim=-2)


# ============================================================================ kernel regression

def _keys_and_query(keys: Any, query: Any) -> tuple[torch.Tensor, torch.Tensor]:
    K = as_batched(keys, "keys", ("n", "dk"))
    q = as_batched(query, "query", ("dk",))
    if K.shape[-1] != q.shape[-1]:
        raise ValueError(f"keys have dk = {K.shape[-1]} columns but query has {q.shape[-1]} entries "
                         f"(shapes {tuple(K.shape)} and {tuple(q.shape)})")
    return K, q


def _kernel_weights(K: torch.Tensor, q: torch.Tensor, beta: float) -> torch.Tensor:
    dtype = common_dtype(K, q)
    d2 = (q.to(dtype).unsqueeze(-2) - K.to(dtype)).square().sum(-1)
    return torch.softmax(-beta * d2, dim=-1)


def kernel_weights(keys: torch.Tensor, query: torch.Tensor, beta: float) -> torch.Tensor:
    r"""Nadaraya-Watson weights :math:`w_i = e^{-\beta\lVert q - k_i\rVert^2} / \sum_j e^{-\beta\lVert q - k_j\rVert^2}`.

    ``keys`` ``[..., n, dk]``, ``query`` ``[..., dk]`` (batch dimensions broadcast), ``beta >= 0``
    (``0``: uniform weights; large: nearest key). Returns ``[..., n]``, summing to 1, computed stably
    (a softmax of :math:`-\beta\lVert q - k_i\rVert^2`). Equal-norm identity: if every key and the query
    have the same norm, :math:`w = \mathrm{softmax}(2\beta\, K q)` (the paper's Eq. 3).
    """
    K, q = _keys_and_query(keys, query)
    beta = as_real(beta, "beta", minimum=0.0)
    check_same_device(keys=K, query=q)
    broadcast_batch(keys=K.shape[:-2], query=q.shape[:-1])
    return _kernel_weights(K, q, beta)


def kernel_regression(keys: torch.Tensor, values: torch.Tensor, query: torch.Tensor,
                      beta: float) -> torch.Tensor:
    r"""Gaussian kernel smoothing (Nadaraya-Watson) over stored pairs, the paper's Eq. 2:

    .. math:: f(q) = \sum_{i=1}^n \frac{e^{-\beta\lVert q - k_i\rVert^2}}{\sum_j e^{-\beta\lVert q - k_j\rVert^2}}\, v_i.

    ``keys`` ``[..., n, dk]``, ``values`` ``[..., n, dv]``, ``query`` ``[..., dk]`` (batch dimensions
    broadcast; for ``m`` queries against one memory pass ``keys[..., None, :, :]`` with ``query``
    ``[..., m, dk]``); ``beta >= 0`` is the inverse squared bandwidth. Returns ``[..., dv]``.

    **Equal-norm identity** (Eq. 3): if :math:`\lVert q\rVert = \lVert k_i\rVert` for all ``i``, then
    :math:`-\beta\lVert q-k_i\rVert^2 = -2\beta\lVert q\rVert^2 + 2\beta\, q^\top k_i` and the first term
    cancels in the ratio, so :math:`f(q) = \sum_i \mathrm{softmax}_i(2\beta\, q^\top k_i)\, v_i`: one row of
    softmax attention, with no :math:`1/\sqrt d` and temperature :math:`2\beta`. The memory units put
    :math:`\beta` inside unit-norm keys (:func:`causal_readout` scores :math:`k_T^\top k_t`).
    """
    K, q = _keys_and_query(keys, query)
    V = as_batched(values, "values", ("n", "dv"))
    if V.shape[-2] != K.shape[-2]:
        raise ValueError(f"values must hold one row per key: keys have n = {K.shape[-2]} rows, values "
                         f"{V.shape[-2]} (shapes {tuple(K.shape)} and {tuple(V.shape)})")
    beta = as_real(beta, "beta", minimum=0.0)
    check_same_device(keys=K, values=V, query=q)
    broadcast_batch(keys=K.shape[:-2], values=V.shape[:-2], query=q.shape[:-1])
    w = _kernel_weights(K, q, beta)
    dtype = common_dtype(w, V)
    return (w.to(dtype).unsqueeze(-2) @ V.to(dtype)).squeeze(-2)


# ============================================================================ sequences

def leaky_average(x: torch.Tensor, leak: float) -> torch.Tensor:
    r"""Leaky average along time: :math:`\bar x_T = \sum_{t \le T} \lambda^{T-t} x_t`, i.e. :math:`\bar x_T = x_T + \lambda \bar x_{T-1}`.

    ``x`` ``[..., T, d]`` (time on the second-to-last axis), ``leak`` :math:`\lambda \in [0, 1]`
    (``0``: the current input; ``1``: the running sum). Returns ``[..., T, d]``. The official code
    multiplies by :math:`1 - \lambda`, which a normalization removes. Computed as one product with a
    ``[T, T]`` lower-triangular matrix (lags clamped at 0 before the power, so nothing overflows).
    """
    x = as_batched(x, "x", ("T", "d"))
    lam = as_real(leak, "leak", minimum=0.0, maximum=1.0)
    T = x.shape[-2]
    L = torch.tensor(lam, dtype=x.dtype, device=x.device).pow(_lags(T, x.device).to(x.dtype)).tril()
    return L @ x


def _scores(keys: torch.Tensor, beta: float) -> torch.Tensor:
    # beta scales the [T, dk] keys, not the [T, T] scores: T / dk times fewer multiplications
    return (beta * keys) @ keys.transpose(-1, -2)


def causal_weights(keys: torch.Tensor, beta: float = 1.0, *, strict: bool = True) -> torch.Tensor:
    r"""Read-out weights of a contextual memory: :math:`w_{Tt} = \mathrm{softmax}_{t<T}(\beta\, k_T^\top k_t)`.

    ``keys`` ``[..., T, dk]``; returns ``[..., T, T]``, lower triangular with an empty diagonal: row
    ``T`` is a probability vector over the strictly earlier positions and the first row is exactly 0
    (nothing is stored yet). ``strict=False`` includes :math:`t = T` (the transformer's causal mask).
    """
    K = as_batched(keys, "keys", ("T", "dk"))
    beta = as_real(beta, "beta", minimum=0.0)
    strict = as_bool(strict, "strict")
    return _masked_softmax(_scores(K, beta), strict)


def causal_readout(keys: torch.Tensor, values: torch.Tensor, beta: float = 1.0, *,
                   strict: bool = True) -> torch.Tensor:
    r"""Contextual read-out, the paper's Eq. 6/7: :math:`y_T = \sum_{t<T} \mathrm{softmax}_t(\beta\, k_T^\top k_t)\, v_t`, :math:`y_1 = 0`.

    ``keys`` ``[..., T, dk]``, ``values`` ``[..., T, dv]`` (batch dimensions broadcast); returns
    ``[..., T, dv]``. Each position queries the pairs stored before it, so with keys of one common
    norm row ``T`` equals :func:`kernel_regression` on the first ``T - 1`` pairs with bandwidth
    :math:`\beta/2`. ``strict=False`` includes :math:`t = T`; with values that peek at
    :math:`x_{T+1}` that leaks the future (the pitfall the strict mask avoids).
    """
    K = as_batched(keys, "keys", ("T", "dk"))
    V = as_batched(values, "values", ("T", "dv"))
    if V.shape[-2] != K.shape[-2]:
        raise ValueError(f"values must have the same length T as keys, "
                         f"got shapes {tuple(K.shape)} and {tuple(V.shape)}")
    beta = as_real(beta, "beta", minimum=0.0)
    strict = as_bool(strict, "strict")
    check_same_device(keys=K, values=V)
    broadcast_batch(keys=K.shape[:-2], values=V.shape[:-2])
    dtype = common_dtype(K, V)
    batch = torch.broadcast_shapes(K.shape[:-2], V.shape[:-2])
    K = K.to(dtype).expand(*batch, *K.shape[-2:])
    V = V.to(dtype).expand(*batch, *V.shape[-2:])
    return _causal_read(K, V, beta, strict)


def count_parameters(module: nn.Module) -> int:
    """Number of trainable real parameters of ``module``; a complex entry counts as two."""
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    return sum(p.numel() * (2 if p.is_complex() else 1) for p in module.parameters() if p.requires_grad)


# ============================================================================ memory units

class _MemoryUnit(nn.Module):
    """Shared parts of the units: ``d``, ``H`` heads, the key extractor ``W_phi`` (+ leak, scale), the
    value gain and the output map ``W_out``. Linear maps act as ``x @ W.T`` (``W`` is ``[out, in]``)."""

    def __init__(self, d: Any, heads: Any, leaky: Any, gen: torch.Generator | None) -> None:
        super().__init__()
        d = as_int(d, "d", minimum=1)
        heads = as_int(heads, "heads", minimum=1)
        if d % heads:
            raise ValueError(f"heads = {heads} must divide d = {d}")
        self.d, self.heads, self.head_dim = d, heads, d // heads
        self.leaky = as_bool(leaky, "leaky")
        self.W_phi = nn.Parameter(_normal(gen, d, d, std=1 / math.sqrt(d)))
        # leak lambda = exp(-10 |rho|), rho from linspace(0.5, 5, H) / 10: lambda from e^-0.5 to e^-5
        self.rho = nn.Parameter(torch.linspace(0.5, 5.0, heads) / EXP_SCALE) if self.leaky else None
        # key scale s = exp(min(10 theta, 5)), theta = 0.1: s = e
        self.theta = nn.Parameter(torch.full((heads,), 0.1))
        # output gain exp(10 gamma), gamma = -0.05: gain e^-0.5
        self.gamma = nn.Parameter(torch.full((heads,), -0.5 / EXP_SCALE))

    @property
    def leak(self) -> torch.Tensor:
        r"""Per-head leak :math:`\lambda_h = e^{-10\lvert\rho_h\rvert}` (``[H]``; zeros if not ``leaky``)."""
        if self.rho is None:
            return torch.zeros(self.heads, dtype=self.theta.dtype, device=self.theta.device)
        return torch.exp(-EXP_SCALE * self.rho.abs())

    @property
    def key_scale(self) -> torch.Tensor:
        r"""Per-head key scale :math:`s_h = e^{\min(10\theta_h, 5)}` (``[H]``)."""
        return torch.exp(torch.clamp(EXP_SCALE * self.theta, max=LOG_SCALE_MAX))

    @property
    def value_gain(self) -> torch.Tensor:
        r"""Per-head output gain :math:`e^{10\gamma_h}` (``[H]``)."""
        return torch.exp(EXP_SCALE * self.gamma)

    def _unit_keys(self, x: torch.Tensor) -> torch.Tensor:
        """Unit-norm keys ``[B, H, T, d_h]``: ``W_phi x``, leaky-averaged over time, normalized per head."""
        B, T, _ = x.shape
        H, dh = self.heads, self.head_dim
        k = (x @ self.W_phi.T).view(B, T, H, dh)
        if self.rho is None:
            return _unit(k.transpose(1, 2))
        # one [T, T] @ [T, B d_h] product per head (not B small ones): the leak matrix is shared by the batch
        r = (EXP_SCALE * self.rho.abs()).view(-1, 1, 1)                        # [H, 1, 1]
        leak = torch.exp(-r * _lags(T, x.device).to(x.dtype)).tril()           # [H, T, T]
        k = leak @ k.permute(2, 1, 0, 3).reshape(H, T, B * dh)
        return _unit(k.view(H, T, B, dh).permute(2, 0, 1, 3))                  # [B, H, T, d_h]

    def _out(self, y: torch.Tensor) -> torch.Tensor:
        return _merge_heads(y * self.value_gain.view(1, -1, 1, 1)) @ self.W_out.T


class ContextualMemory(_MemoryUnit):
    r"""A layer of ``heads`` contextual memory units (the paper's Eq. 4-7, the official ``Library`` code).

    Per head, with :math:`\tilde k_t = W_\varphi x_t` and :math:`\tilde v_t = W_\psi x_t` cut into heads:

    - keys (Eq. 4): :math:`\bar k_T = \sum_{t\le T}\lambda^{T-t}\tilde k_t`, :math:`k_T = s\,\bar k_T/\lVert\bar k_T\rVert`,
      leak :math:`\lambda = e^{-10\lvert\rho\rvert}`, scale :math:`s = e^{\min(10\theta, 5)}` (so the
      bandwidth, the factor of :math:`\cos(k_T, k_t)` in the scores, is :math:`s^2`);
    - values (Eq. 5): :math:`v_T = \bar v_T/\lVert\bar v_T\rVert`, :math:`\bar v_T = (1-c)\,\tilde v_{T+1} + c\,\tilde v_T`
      (:math:`\tilde v_{T+1} = 0` at the last position, whose value no query reads);
    - read-out (Eq. 6/7): :math:`y_T = e^{10\gamma}\sum_{t<T}\mathrm{softmax}_t(k_T^\top k_t)\, v_t`, :math:`y_1 = 0`;

    then the heads are concatenated and mapped by :math:`W_O`. Init as in the code:
    :math:`W_\varphi, W_\psi, W_O \sim \mathcal N(0, 1/d)`, :math:`\rho = \mathrm{linspace}(0.5, 5, H)/10`,
    :math:`\theta = 0.1`, :math:`c \sim U(0, 1)`, :math:`\gamma = -0.05` (no dropout). Parameters:
    :math:`3d^2 + 4H`.

    Ablations: ``leaky=False`` uses :math:`\bar k_T = \tilde k_T`; ``peek=False`` uses
    :math:`\bar v_T = \tilde v_T` (no :math:`c`); ``strict=False`` reads :math:`t \le T`. Every
    configuration is causal except ``peek=True, strict=False``, which leaks :math:`x_{T+1}` into
    :math:`y_T` (kept to show why the mask is strict).

    ``forward(x)``: ``x`` ``[B, T, d]`` -> ``[B, T, d]``; ``attention(x)`` ``[B, H, T, T]``;
    ``keys(x)``, ``values(x)`` ``[B, H, T, d / H]``.
    """

    def __init__(self, d: int, heads: int = 1, *, leaky: bool = True, peek: bool = True,
                 strict: bool = True, generator: torch.Generator | None = None) -> None:
        gen = _check_cpu_generator(generator)
        super().__init__(d, heads, leaky, gen)
        self.peek = as_bool(peek, "peek")
        self.strict = as_bool(strict, "strict")
        self.W_psi = nn.Parameter(_normal(gen, self.d, self.d, std=1 / math.sqrt(self.d)))
        self.c = nn.Parameter(torch.rand(self.heads, generator=gen)) if self.peek else None
        self.W_out = nn.Parameter(_normal(gen, self.d, self.d, std=1 / math.sqrt(self.d)))

    @property
    def bandwidth(self) -> torch.Tensor:
        r"""Per-head :math:`\beta_h = s_h^2`, the factor of :math:`\cos(k_T, k_t)` in the scores (``[H]``)."""
        return self.key_scale ** 2

    def _keys(self, x: torch.Tensor) -> torch.Tensor:
        return self._unit_keys(x) * self.key_scale.view(1, -1, 1, 1)

    def _values(self, x: torch.Tensor) -> torch.Tensor:
        v = _split_heads(x @ self.W_psi.T, self.heads)
        if self.c is not None:
            c = self.c.view(1, -1, 1, 1)
            v = (1 - c) * _peek(v) + c * v
        return _unit(v)

    def _attention(self, x: torch.Tensor) -> torch.Tensor:
        return _masked_softmax(_scores(self._keys(x), 1.0), self.strict)

    def keys(self, x: torch.Tensor) -> torch.Tensor:
        """Scaled keys :math:`k_T` ``[B, H, T, d / H]`` of ``x`` ``[B, T, d]``."""
        return self._keys(_check_sequence(x, self, self.d))

    def values(self, x: torch.Tensor) -> torch.Tensor:
        """Unit values :math:`v_T` ``[B, H, T, d / H]`` (before the gain) of ``x`` ``[B, T, d]``."""
        return self._values(_check_sequence(x, self, self.d))

    def attention(self, x: torch.Tensor) -> torch.Tensor:
        """Read-out weights ``[B, H, T, T]`` (row ``T`` over ``t < T``; the first row is 0)."""
        return self._attention(_check_sequence(x, self, self.d))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, T, d]`` -> ``[B, T, d]``; output ``T`` depends on ``x_1..x_T`` only (if ``strict`` or not ``peek``)."""
        x = _check_sequence(x, self, self.d)
        return self._out(_causal_read(self._keys(x), self._values(x), 1.0, self.strict))


class PersistentMemory(_MemoryUnit):
    r"""A layer of ``heads`` persistent memory units (P-mem; the official ``Library`` code).

    Keys are extracted as in :class:`ContextualMemory` but scaled by :math:`s^2` (the stored keys carry
    no scale of their own); each head reads ``slots`` trainable pairs :math:`(\kappa_i, \nu_i)`:

    .. math:: y_T = e^{10\gamma}\sum_{i=1}^N \mathrm{softmax}_i(k_T^\top \kappa_i)\,\nu_i,

    then heads are concatenated and mapped by :math:`W_O`. The pairs are learned by gradient descent and
    do not depend on the context (an MLP with a softmax over ``N`` slots). Init as in the code:
    :math:`\kappa, \nu \sim \mathcal N(0, 1/d_h)`; the rest as in :class:`ContextualMemory`.
    Parameters: :math:`2d^2 + 2Nd + 3H` (``2 d^2 + 2 N d + 2H`` if not ``leaky``). Position ``T``
    depends on ``x_1..x_T`` only.

    ``forward(x)``: ``x`` ``[B, T, d]`` -> ``[B, T, d]``; ``attention(x)`` ``[B, H, T, N]``; ``keys(x)``.
    """

    def __init__(self, d: int, heads: int, slots: int, *, leaky: bool = True,
                 generator: torch.Generator | None = None) -> None:
        gen = _check_cpu_generator(generator)
        super().__init__(d, heads, leaky, gen)
        self.slots = as_int(slots, "slots", minimum=1)
        std = 1 / math.sqrt(self.head_dim)
        self.memory_keys = nn.Parameter(_normal(gen, self.heads, self.slots, self.head_dim, std=std))
        self.memory_values = nn.Parameter(_normal(gen, self.heads, self.slots, self.head_dim, std=std))
        self.W_out = nn.Parameter(_normal(gen, self.d, self.d, std=1 / math.sqrt(self.d)))

    def _keys(self, x: torch.Tensor) -> torch.Tensor:
        return self._unit_keys(x) * (self.key_scale ** 2).view(1, -1, 1, 1)

    def _attention(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self._keys(x) @ self.memory_keys.transpose(-1, -2).unsqueeze(0), dim=-1)

    def keys(self, x: torch.Tensor) -> torch.Tensor:
        """Scaled keys ``[B, H, T, d / H]`` of ``x`` ``[B, T, d]``."""
        return self._keys(_check_sequence(x, self, self.d))

    def attention(self, x: torch.Tensor) -> torch.Tensor:
        """Weights over the ``N`` stored slots, ``[B, H, T, N]``."""
        return self._attention(_check_sequence(x, self, self.d))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, T, d]`` -> ``[B, T, d]``."""
        keys = self._keys(_check_sequence(x, self, self.d))              # [B, H, T, d_h]
        shape = (keys.shape[0], *self.memory_keys.shape)
        y = F.scaled_dot_product_attention(keys, self.memory_keys.expand(shape), self.memory_values.expand(shape),
                                           scale=1.0)                        # fused softmax over the slots
        return self._out(y)


# ============================================================================ three moons: the network

class ComplexLinear(nn.Module):
    r"""A linear map with complex structure: ``n_in`` complex coordinates to ``n_out``, as reals.

    Real features come in pairs :math:`(x_{2j}, x_{2j+1}) = (\sin\theta, \cos\theta)`, read as the
    complex number :math:`z_j = x_{2j+1} + i\,x_{2j} = e^{i\theta}`. A complex weight :math:`w = a + ib`
    acts on a pair as the real block :math:`\begin{pmatrix}a & b\\ -b & a\end{pmatrix}`, i.e.
    :math:`z \mapsto wz`, a rotation and a scaling (the official ``complexify``). The parameter
    ``weight`` holds :math:`(a, b)` as reals, ``[n_out, n_in, 2]``: :math:`2\,n_{in} n_{out}` real parameters.

    Init: ``init_std=None`` reproduces the official one in distribution (the MLX default
    :math:`U(\pm 1/\sqrt{2 n_{in}})` on the 36 real entries, projected onto the complex structure:
    :math:`a = (u_{00} + u_{11})/2`, :math:`b = (u_{01} - u_{10})/2`, std :math:`1/\sqrt{12\, n_{in}}`);
    a number draws :math:`a, b \sim \mathcal N(0, \mathrm{init\_std}^2)`.

    ``forward(x)``: ``[..., 2 n_in]`` -> ``[..., 2 n_out]``; ``matrix()`` the real ``[2 n_out, 2 n_in]``
    matrix; ``complex_matrix()`` the complex ``[n_out, n_in]`` one; ``magnitudes()`` :math:`|w|`.
    """

    def __init__(self, n_in: int, n_out: int, *, init_std: float | None = None,
                 generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.n_in = as_int(n_in, "n_in", minimum=1)
        self.n_out = as_int(n_out, "n_out", minimum=1)
        if init_std is not None:
            init_std = as_real(init_std, "init_std", minimum=0.0, strict=True)
        gen = _check_cpu_generator(generator)
        if init_std is None:
            bound = 1 / math.sqrt(2 * self.n_in)
            u = (torch.rand(self.n_out, self.n_in, 2, 2, generator=gen) * 2 - 1) * bound
            ab = torch.stack([(u[..., 0, 0] + u[..., 1, 1]) / 2, (u[..., 0, 1] - u[..., 1, 0]) / 2], dim=-1)
        else:
            ab = torch.randn(self.n_out, self.n_in, 2, generator=gen) * init_std
        self.weight = nn.Parameter(ab)

    def complex_matrix(self) -> torch.Tensor:
        """The complex weights :math:`w = a + ib`, ``[n_out, n_in]``."""
        return torch.complex(self.weight[..., 0], self.weight[..., 1])

    def magnitudes(self) -> torch.Tensor:
        r""":math:`|w| = \sqrt{a^2 + b^2}`, ``[n_out, n_in]`` (the official plot shows :math:`|w|/\sqrt 2`)."""
        return self.weight.norm(dim=-1)

    def matrix(self) -> torch.Tensor:
        """The real ``[2 n_out, 2 n_in]`` matrix, 2x2 blocks ``[[a, b], [-b, a]]``."""
        a, b = self.weight[..., 0], self.weight[..., 1]
        blocks = torch.stack([torch.stack([a, b], dim=-1), torch.stack([-b, a], dim=-1)], dim=-2)
        return blocks.permute(0, 2, 1, 3).reshape(2 * self.n_out, 2 * self.n_in)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[..., 2 n_in]`` -> ``[..., 2 n_out]``: ``x @ matrix().T``."""
        x = as_tensor(x, "x", floating=True, finite=True)
        if x.ndim == 0 or x.shape[-1] != 2 * self.n_in:
            raise ValueError(f"x must be [..., {2 * self.n_in}] (2 n_in real features), got shape {tuple(x.shape)}")
        if x.device != self.weight.device or x.dtype != self.weight.dtype:
            raise ValueError(f"x ({x.dtype} on {x.device}) must match the weights ({self.weight.dtype} "
                             f"on {self.weight.device})")
        return x @ self.matrix().T


class ThreeMoonsNet(nn.Module):
    r"""The three-moons network (official ``ThreeMoons/``): one contextual-memory layer, 54 parameters.

    With :math:`W_\varphi, W_\psi, W_z` complex-structured :math:`6\times 6` (:class:`ComplexLinear`,
    3x3 complex, 18 reals each) and ``heads`` :math:`H \in \{1, 3\}` (head dimension :math:`6/H`; with
    3 heads, head ``h`` owns one complex key and value coordinate):

    .. math:: k_T = W_\varphi x_T,\quad v_T = W_\psi x_{T+1},\quad
              \hat x_{T+1} = W_z\Big[\sum_{t<T}\mathrm{softmax}_t(\beta\, k_T^\top k_t)\, v_t\Big]_{\rm heads},

    :math:`\beta = 50` fixed; no normalization, no leak, a pure peek, zero at the first position.
    Output ``T`` predicts :math:`x_{T+1}` (the target ``y`` of :func:`three_moons`) from
    :math:`x_1..x_T`. Equivariant to a common rotation of all moons (complex structure).

    ``forward(x)``: ``[B, T, 6]`` -> ``[B, T, 6]``; ``attention(x)`` ``[B, H, T, T]``;
    ``generate(context, steps)`` free-running predictions; ``complex_weights()`` and ``magnitudes()``
    the three 3x3 matrices by name (``"W_phi"``, ``"W_psi"``, ``"W_z"``).
    """

    def __init__(self, heads: int, *, beta: float = THREE_MOONS_BETA, init_std: float | None = None,
                 generator: torch.Generator | None = None) -> None:
        super().__init__()
        heads = as_int(heads, "heads", minimum=1)
        if heads not in (1, 3):
            raise ValueError(f"heads must be 1 or 3 (one joint memory, or one per moon), got {heads}")
        self.heads = heads
        self.beta = as_real(beta, "beta", minimum=0.0)
        if init_std is not None:
            init_std = as_real(init_std, "init_std", minimum=0.0, strict=True)
        generator = _check_cpu_generator(generator)
        self.W_phi = ComplexLinear(3, 3, init_std=init_std, generator=generator)
        self.W_psi = ComplexLinear(3, 3, init_std=init_std, generator=generator)
        self.W_z = ComplexLinear(3, 3, init_std=init_std, generator=generator)

    def _attention(self, x: torch.Tensor) -> torch.Tensor:
        return _masked_softmax(_scores(_split_heads(self.W_phi(x), self.heads), self.beta), True)

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        k = _split_heads(self.W_phi(x), self.heads)
        v = _split_heads(_peek(self.W_psi(x)), self.heads)
        return self.W_z(_merge_heads(_causal_read(k, v, self.beta, True)))

    def attention(self, x: torch.Tensor) -> torch.Tensor:
        """Read-out weights ``[B, H, T, T]`` (row ``T`` over ``t < T``; the first row is 0)."""
        return self._attention(_check_sequence(x, self, 6))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, T, 6]`` -> ``[B, T, 6]``: output ``T`` predicts ``x_{T+1}`` from ``x_1..x_T``."""
        return self._forward(_check_sequence(x, self, 6))

    def generate(self, context: torch.Tensor, steps: int) -> torch.Tensor:
        """Free-running prediction: ``[B, steps, 6]``, the predictions of the ``steps`` inputs after ``context``.

        Step ``s`` appends the previous prediction to the sequence and reruns the layer, so every stored
        pair is complete (its value uses the next input, real or predicted). Wrap in ``torch.no_grad()``.
        """
        seq = _check_sequence(context, self, 6, "context")
        steps = as_int(steps, "steps", minimum=0)
        preds = []
        for _ in range(steps):
            nxt = self._forward(seq)[:, -1:]
            preds.append(nxt)
            seq = torch.cat([seq, nxt], dim=1)
        return torch.cat(preds, dim=1) if preds else seq[:, :0]

    def complex_weights(self) -> dict[str, torch.Tensor]:
        """The three complex 3x3 matrices, ``{"W_phi", "W_psi", "W_z"}``."""
        return {name: getattr(self, name).complex_matrix() for name in ("W_phi", "W_psi", "W_z")}

    def magnitudes(self) -> dict[str, torch.Tensor]:
        """``|w|`` of the three complex 3x3 matrices (rows: outputs, columns: inputs)."""
        return {name: getattr(self, name).magnitudes() for name in ("W_phi", "W_psi", "W_z")}


# ============================================================================ three moons: the data

def _tenths(periods: Sequence[Any], name: str) -> list[int]:
    if isinstance(periods, (str, bytes)) or not isinstance(periods, (list, tuple, torch.Tensor)):
        raise TypeError(f"{name} must be a list or tuple of periods, got {type(periods).__name__}")
    if isinstance(periods, torch.Tensor):
        if periods.ndim != 1:
            raise ValueError(f"{name} must be 1-D, got shape {tuple(periods.shape)}")
        periods = periods.tolist()
    if not periods:
        raise ValueError(f"{name} must not be empty")
    out = []
    for p in periods:
        p = as_real(p, f"each entry of {name}", minimum=0.0, strict=True, maximum=1e6)
        k = round(p * 10)
        if k < 1 or abs(p * 10 - k) > 1e-9 * max(1.0, p * 10):
            raise ValueError(f"each entry of {name} must be a positive multiple of 0.1, got {p}")
        out.append(k)
    return out


def full_period(periods: Sequence[float]) -> float:
    """The full period of a system of moons: the least common multiple of ``periods`` in units of 0.1.

    E.g. ``full_period((0.5, 1, 2)) == 2.0``, ``full_period((1, 1.5, 2)) == 6.0``.
    """
    return math.lcm(*_tenths(periods, "periods")) / 10


def _kept_triples() -> tuple[tuple[float, float, float], ...]:
    triples = list(combinations(MOON_PERIODS, 3))              # 35, in tuple order
    ranked = sorted(triples, key=full_period)                  # stable: ties stay in tuple order
    return tuple(ranked[: len(triples) // 4 + 1])              # the 9 smallest full periods


#: The 9 kept triples (periods ascending within a triple), by full period, ties in tuple order.
KEPT_TRIPLES = _kept_triples()
#: The validation system, fixed explicitly (the official code takes the last kept triple, which
#: depends on numpy's unstable argsort among the full-period-6 ties).
VALIDATION_TRIPLE = (1.0, 1.5, 2.0)
assert KEPT_TRIPLES[-1] == VALIDATION_TRIPLE
#: The 8 training systems.
TRAIN_TRIPLES = KEPT_TRIPLES[:-1]
_MAX_FULL_PERIOD = max(full_period(t) for t in KEPT_TRIPLES)   # 6.0


def three_moons_time_step(T: int) -> float:
    r"""Time step :math:`\Delta = 3 \cdot 6 / T` of :func:`three_moons` with sequences of ``T`` steps.

    A sequence spans 3 full periods of the slowest kept system (6 time units); a period ``p`` lasts
    ``p / Δ`` steps (e.g. 44.4 steps for ``p = 1`` at ``T = 800``, 13.3 at ``T = 240``).
    """
    T = as_int(T, "T", minimum=1)
    return PERIODS_PER_SEQUENCE * _MAX_FULL_PERIOD / T


def three_moons(T: int, batch: int, *, split: str = "train", system: int | None = None,
                generator: torch.Generator | None = None, dtype: torch.dtype = torch.float32,
                device: str | torch.device | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Three-moons sequences ``(x, y)``, each ``[batch, T, 6]``, with targets ``y[:, t] = x[:, t + 1]``.

    The official ``ThreeMoons/planets.py`` data (observer ``"sun"``): of the 35 triples of distinct
    periods in :data:`MOON_PERIODS`, keep the 9 with the smallest full period (:func:`full_period`; lcm
    2, four of 3, 5, three of 6): the first 8 (:data:`TRAIN_TRIPLES`) are the training systems and the
    validation system is fixed explicitly as :data:`VALIDATION_TRIPLE` ``= (1, 1.5, 2)`` (full period 6;
    ties ranked in tuple order, a stable sort; the official code's unstable numpy sort may pick another
    full-period-6 triple). Moon ``j`` of a triple (periods ascending) has phase
    :math:`\theta_j(i) = 2\pi\, i\Delta / p_j + 0.3` at grid index ``i``, time step
    :math:`\Delta = 3\cdot 6/T` (:func:`three_moons_time_step`), and the observation is
    :math:`x = (\sin\theta_1, \cos\theta_1, \sin\theta_2, \cos\theta_2, \sin\theta_3, \cos\theta_3)`.
    Each sequence starts at an index drawn uniformly in ``[0, 10**4 - 2T - 1)`` (a grid of
    :data:`GRID_POINTS`) and covers ``T + 1`` grid points: ``x`` the first ``T``, ``y`` the last ``T``.

    ``split="train"``: each sequence picks one of the 8 training systems uniformly (or ``system``, an
    index into :data:`TRAIN_TRIPLES`); ``"validation"``: the validation system. Draws, from
    ``generator`` (a CPU generator; the global one if ``None``): the system indices (training, without
    ``system``), then the start indices. Computed in float64, returned in ``dtype`` on ``device``.
    ``T`` ranges over ``1 .. 4999``.
    """
    T = as_int(T, "T", minimum=1, maximum=(GRID_POINTS - 2) // 2)
    batch = as_int(batch, "batch", minimum=1)
    split = as_choice(split, "split", SPLITS)
    systems = TRAIN_TRIPLES if split == "train" else (VALIDATION_TRIPLE,)
    if system is not None:
        system = as_int(system, "system", minimum=0, maximum=len(systems) - 1)
    generator = _check_cpu_generator(generator)
    dtype = as_dtype(dtype)
    device = as_device(device)
    table = torch.tensor(systems, dtype=torch.float64)
    if system is not None or len(systems) == 1:
        idx = torch.full((batch,), system or 0, dtype=torch.long)
    else:
        idx = torch.randint(len(systems), (batch,), generator=generator)
    start = torch.randint(0, GRID_POINTS - 2 * T - 1, (batch,), generator=generator)
    grid = (start[:, None] + torch.arange(T + 1)).to(torch.float64)         # [batch, T + 1]
    time = grid / (T / _MAX_FULL_PERIOD / PERIODS_PER_SEQUENCE)             # as the official linspace
    theta = (2 * math.pi / table[idx])[:, None, :] * time[..., None] + MOON_OFFSET   # [batch, T + 1, 3]
    data = torch.stack([theta.sin(), theta.cos()], dim=-1).reshape(batch, T + 1, 6).to(dtype)
    if device is not None:
        data = data.to(device)
    return data[:, :T].contiguous(), data[:, 1:].contiguous()
