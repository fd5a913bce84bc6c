"""Closed-form curves of the theory, each with its formula.

Exact expectations (``unseen_mass``, ``expected_distinct``) hold for any law
``p``; the ``*_asymptotic`` curves are the large-``T`` equivalents for a Zipf law
with exponent ``alpha > 1`` (derived by replacing the sum over tokens with an
integral). ``argmax_error`` and ``predicted_error`` are the Gaussian
signal-to-noise predictions of the error of a memory ``W_q`` with random
embeddings (chapter finite-memory); letters: ``N`` inputs, ``M`` outputs,
``K`` dimensions ``d``.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Sequence, Union

import torch

from ._validate import as_int, as_real, as_tensor, check_probability_vector

__all__ = ["zipf_constant", "unseen_mass", "expected_distinct",
           "unseen_mass_asymptotic", "distinct_asymptotic", "signal_to_noise",
           "data_exponent", "threshold_exponent", "power_exponent", "balanced_dimension",
           "argmax_error", "predicted_error"]

Sizes = Union[float, int, Sequence[float], torch.Tensor]


def _sizes(T: Sizes, name: str = "T") -> torch.Tensor:
    if isinstance(T, torch.Tensor):
        t = T.detach().double().cpu()
    elif isinstance(T, Real) and not isinstance(T, bool):  # also NumPy scalars (np.int64)
        t = torch.tensor(float(T), dtype=torch.float64)
    else:
        try:
            if isinstance(T, (str, bytes)):  # "100" would otherwise read as the sizes [1, 0, 0]
                raise TypeError
            t = torch.tensor([float(v) for v in T], dtype=torch.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be a number, a sequence of numbers or a tensor") from None
    if torch.isnan(t).any() or (t < 0).any():
        raise ValueError(f"{name} must be >= 0 (math.inf allowed)")
    return t


def _never_seen(p: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """``(1 - p(x))^T`` for every ``T`` in ``t`` (rows) and token ``x`` (columns), float64."""
    log1m = torch.log1p(-p.clamp(max=1.0))                    # log(1 - p), -inf where p = 1
    expo = torch.exp(t.reshape(-1, 1) * log1m.unsqueeze(0))  # [len(t), N]
    return torch.nan_to_num(expo, nan=1.0)                   # 0 * -inf at T = 0 gives 1


def zipf_constant(alpha: float, N: int | None = None) -> float:
    r"""Normalizer :math:`C_\alpha = (\sum_{k\le N} k^{-\alpha})^{-1}`; ``N=None`` means
    :math:`N=\infty`, where :math:`C_\alpha = 1/\zeta(\alpha)` (needs ``alpha > 1``)."""
    alpha = as_real(alpha, "alpha", minimum=0.0)
    if N is None:
        if alpha <= 1:
            raise ValueError(f"alpha must be > 1 when N is infinite, got {alpha}")
        return 1.0 / float(torch.special.zeta(torch.tensor(alpha, dtype=torch.float64),
                                              torch.tensor(1.0, dtype=torch.float64)))
    N = as_int(N, "N", minimum=1)
    k = torch.arange(1, N + 1, dtype=torch.float64)
    return 1.0 / float((k ** -alpha).sum())


def unseen_mass(p: torch.Tensor, T: Sizes) -> torch.Tensor:
    r"""Expected mass of the tokens never seen in ``T`` i.i.d. samples:

    .. math:: \mathbb E\Big[\sum_x p(x)\,\mathbf 1\{n_x = 0\}\Big] = \sum_x p(x)\,(1 - p(x))^T .

    ``T`` may be a number or a 1-D collection (``math.inf`` gives 0); the result
    has ``T``'s shape, in float64.
    """
    p = check_probability_vector(p, "p").double().cpu()
    t = _sizes(T)
    return (_never_seen(p, t) @ p).reshape(t.shape)


def expected_distinct(p: torch.Tensor, T: Sizes) -> torch.Tensor:
    r"""Expected number of distinct tokens in ``T`` samples: :math:`\sum_x 1 - (1-p(x))^T`."""
    p = check_probability_vector(p, "p").double().cpu()
    t = _sizes(T)
    return ((1.0 - _never_seen(p, t)) @ (p > 0).double()).reshape(t.shape)


def unseen_mass_asymptotic(alpha: float, T: Sizes, N: int | None = None) -> torch.Tensor:
    r"""Large-``T`` equivalent of the unseen mass for a Zipf law, ``alpha > 1``:

    .. math:: \sum_x p(x)(1-p(x))^T \simeq \frac{\Gamma(1 - 1/\alpha)}{\alpha}\,
              C_\alpha^{1/\alpha}\, T^{-(1 - 1/\alpha)} .

    ``N`` sets :math:`C_\alpha` (``None``: :math:`N = \infty`); the formula ignores
    the cut-off at ``N``, so it only holds while :math:`(C_\alpha T)^{1/\alpha} \ll N`.
    """
    alpha = as_real(alpha, "alpha", minimum=1.0, strict=True)
    c = zipf_constant(alpha, N)
    t = _sizes(T)
    return math.gamma(1 - 1 / alpha) / alpha * c ** (1 / alpha) * t ** (-(1 - 1 / alpha))


def distinct_asymptotic(alpha: float, T: Sizes, N: int | None = None) -> torch.Tensor:
    r"""Large-``T`` equivalent of the number of distinct tokens, ``alpha > 1``:
    :math:`\Gamma(1 - 1/\alpha)\,(C_\alpha T)^{1/\alpha}`."""
    alpha = as_real(alpha, "alpha", minimum=1.0, strict=True)
    c = zipf_constant(alpha, N)
    t = _sizes(T)
    return math.gamma(1 - 1 / alpha) * (c * t) ** (1 / alpha)


def signal_to_noise(q: torch.Tensor, d: int) -> torch.Tensor:
    r"""Signal-to-noise ratio of each stored association, :math:`d\,q(x)^2 / \|q\|_2^2`.

    With random embeddings the score of the right output carries signal
    :math:`q(x)` and the interference of the others has variance about
    :math:`\|q\|^2/d`; errors become likely once this ratio is of order 1 or less.
    ``q`` is a ``Tensor[..., N]``; the result has the same shape.
    """
    if not isinstance(q, torch.Tensor) or not q.is_floating_point():
        raise TypeError("q must be a floating-point torch.Tensor")
    if (q < 0).any():
        raise ValueError("q must be non-negative")
    d = as_int(d, "d", minimum=1)
    norm2 = (q.double() ** 2).sum(dim=-1, keepdim=True)
    if (norm2 == 0).any():
        raise ValueError("q must have at least one positive entry")
    return d * q.double() ** 2 / norm2


def data_exponent(alpha: float) -> float:
    r"""Exponent of the data term, :math:`\mathcal E \asymp T^{-(1 - 1/\alpha)}` (``alpha > 1``)."""
    alpha = as_real(alpha, "alpha", minimum=1.0, strict=True)
    return -(1.0 - 1.0 / alpha)


def threshold_exponent(alpha: float) -> float:
    r"""Exponent of the memory term with thresholding :math:`P \propto d`:
    :math:`\mathcal E \asymp d^{-(\alpha - 1)}`, the best rate with random embeddings (``alpha > 1``)."""
    alpha = as_real(alpha, "alpha", minimum=1.0, strict=True)
    return -(alpha - 1.0)


def power_exponent(alpha: float, rho: float) -> float:
    r"""Exponent of the memory term for :math:`q = p^\rho` at infinite data:
    :math:`\mathcal E \asymp d^{-(\alpha-1)/(2\rho\alpha)}`.

    Derived from the signal-to-noise rule (input ``x`` is recalled iff
    :math:`q(x)^2 \gtrsim \|q\|^2/d`, i.e. :math:`x \lesssim d^{1/(2\rho\alpha)}`); valid
    when :math:`2\rho\alpha > 1`, so that :math:`\|q\|_2` stays bounded as ``N`` grows.
    """
    alpha = as_real(alpha, "alpha", minimum=1.0, strict=True)
    rho = as_real(rho, "rho", minimum=0.0, strict=True)
    if 2 * rho * alpha <= 1:
        raise ValueError(f"rho must satisfy 2 * rho * alpha > 1 (got rho={rho}, alpha={alpha}): "
                         "below that, ||q|| grows with N and the memory overflows")
    return -(alpha - 1.0) / (2.0 * rho * alpha)


def balanced_dimension(T: Sizes, alpha: float) -> torch.Tensor:
    r"""The dimension at which the two error terms match, :math:`d^{-(\alpha-1)} = T^{-(1-1/\alpha)}`:
    :math:`d = T^{1/\alpha}` (the compute-optimal allocation up to constants)."""
    alpha = as_real(alpha, "alpha", minimum=1.0, strict=True)
    return _sizes(T) ** (1.0 / alpha)


# ----------------------------------------------------------------------------- Gaussian predictions

def _gauss_hermite(nodes: int) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Nodes and weights with :math:`\mathbb E_{g\sim\mathcal N(0,1)}[h(g)] \approx \sum_i w_i\,h(g_i)`.

    Probabilists' Gauss-Hermite rule: exact for polynomials of degree ``< 2 * nodes``.
    """
    import numpy as np

    g, w = np.polynomial.hermite_e.hermegauss(nodes)
    return torch.from_numpy(g), torch.from_numpy(w / math.sqrt(2 * math.pi))


def argmax_error(z: Sizes, M: int, *, nodes: int = 48) -> torch.Tensor:
    r"""Error :math:`\varepsilon_M(z)` of the argmax of ``M`` Gaussian scores when the right one
    has a mean advantage of :math:`\sqrt{Mz}` standard deviations:

    .. math:: \varepsilon_M(z) = 1 - \mathbb E_{g\sim\mathcal N(0,1)}\big[\Phi(g + \sqrt{M z})^{M-1}\big],

    with :math:`\Phi` the standard normal CDF. It is the error of one stored input whose
    signal-to-noise ratio is :math:`z = d\,q(x)^2/\|q\|_2^2` when the ``M`` classes carry equal
    weight (each wrong score has interference variance :math:`\|q\|^2/(Md)`).
    :math:`\varepsilon_M(0) = 1 - 1/M` (chance), it decreases with ``z``, and
    :math:`\varepsilon_M(z) \le \frac{M-1}{2} e^{-Mz/4}` (union bound).

    The expectation is a Gauss-Hermite sum with ``nodes`` nodes. ``z`` is a number, a
    sequence or a tensor of values ``>= 0`` (``math.inf`` gives 0); the result has its shape,
    in float64.
    """
    M = as_int(M, "M", minimum=2)
    nodes = as_int(nodes, "nodes", minimum=2)
    z = _sizes(z, "z")
    g, w = _gauss_hermite(nodes)
    shift = torch.sqrt(M * z)[..., None]                                    # [..., 1]
    log_right = torch.special.log_ndtr(g + shift) * (M - 1)                 # [..., nodes]
    return (1.0 - (log_right.exp() * w).sum(-1)).clamp(min=0.0)


def predicted_error(q: torch.Tensor, p: torch.Tensor, ds: Sizes, M: int, *,
                    targets: torch.Tensor | None = None, nodes: int = 48) -> torch.Tensor:
    r"""Predicted 0-1 error of the memory :math:`W_q = \sum_x q(x)\,u_{f_*(x)} e_x^\top` with
    random embeddings, for every dimension ``d`` in ``ds``:

    .. math::
        \mathcal E_{\rm pred}(d) = \sum_x p(x)\Big(1 - \mathbb E_{g}\Big[\prod_{y\ne f_*(x)}
        \Phi\Big(\frac{q(x) + s_{f_*(x)}(x)\,g}{s_y(x)}\Big)\Big]\Big),\qquad
        s_y(x)^2 = \frac1d\sum_{x'\ne x:\ f_*(x')=y} q(x')^2 .

    The Gaussian approximation: the score of output ``y`` is the signal :math:`q(x)` (if
    :math:`y = f_*(x)`) plus the interference :math:`\xi_y(x) = \sum_{x'\ne x,\,f_*(x')=y}
    q(x')\,e_{x'}^\top e_x`, independent Gaussians of variance :math:`s_y(x)^2`
    (:math:`\|e\|, \|u\| \approx 1`, cross terms :math:`u_y^\top u_{y'}` dropped). An input with
    :math:`q(x) = 0` is right with probability :math:`1/M`. With balanced classes each input's
    term reduces to :func:`argmax_error` at :math:`z = d\,q(x)^2/\|q\|^2`. The expectation over
    ``g`` is a Gauss-Hermite sum with ``nodes`` nodes.

    ``q``: non-negative weights, ``Tensor[N]`` (the same for every ``d``) or ``Tensor[K, N]``
    (one row per ``d``); ``p``: the law of the inputs, ``Tensor[N]``; ``ds``: ``K`` positive
    dimensions; ``targets``: ``Tensor[N]`` of outputs in ``[0, M)``, by default
    :math:`f_*(x) = x \bmod M`. Returns ``Tensor[K]`` in float64, on ``q``'s device.
    """
    M = as_int(M, "M", minimum=2)
    nodes = as_int(nodes, "nodes", minimum=2)
    q = as_tensor(q, "q", ndim=(1, 2), floating=True)
    if not torch.isfinite(q).all() or (q < 0).any():
        raise ValueError("q must contain only finite, non-negative numbers")
    dev = q.device
    p = check_probability_vector(p, "p").to(device=dev, dtype=torch.float64)
    N = p.numel()
    d = _sizes(ds, "ds").reshape(-1).to(dev)
    if d.numel() == 0 or not torch.isfinite(d).all() or (d <= 0).any():
        raise ValueError("ds must hold at least one finite, positive dimension")
    K = d.numel()
    q = q.to(torch.float64)
    if q.shape[-1] != N:
        raise ValueError(f"q must have p's length N = {N} in its last dimension, got shape {tuple(q.shape)}")
    if q.ndim == 2 and q.shape[0] != K:
        raise ValueError(f"a 2-D q needs one row per d ({K}), got shape {tuple(q.shape)}")
    q = q.expand(K, N)                                                           # [K, N]
    if targets is None:
        targets = torch.arange(N, device=dev) % M
    targets = as_tensor(targets, "targets", ndim=(1,), integer=True).to(dev)
    if targets.numel() != N or (targets < 0).any() or (targets >= M).any():
        raise ValueError(f"targets must hold N = {N} outputs in [0, {M})")
    g, w = (t.to(dev) for t in _gauss_hermite(nodes))
    onehot = torch.nn.functional.one_hot(targets, M).double()                   # [N, M]
    correct = torch.empty(K, N, dtype=torch.float64, device=dev)
    chunk = max(1, int(2e7 // (N * M * nodes)))                                 # bounds the memory
    for k0 in range(0, K, chunk):
        qk, dk = q[k0:k0 + chunk], d[k0:k0 + chunk].view(-1, 1, 1)
        s2 = (qk ** 2) @ onehot                                                  # [k, M], class sums
        s2 = s2[:, None, :] - (qk ** 2)[..., None] * onehot                      # [k, N, M], without x
        s = torch.sqrt(s2.clamp(min=0.0) / dk).clamp(min=1e-300)
        s_right = (s * onehot).sum(-1)                                           # s_{f(x)}(x), [k, N]
        right = qk[..., None] + s_right[..., None] * g                           # [k, N, nodes]
        log_phi = torch.special.log_ndtr(right[:, :, None, :] / s[..., None])  # [k, N, M, nodes]
        log_phi = log_phi.masked_fill(onehot.bool()[None, :, :, None], 0.0)      # only the wrong y
        correct[k0:k0 + chunk] = (log_phi.sum(2).exp() * w).sum(-1)             # [k, N]
    correct = torch.where(q > 0, correct, torch.full_like(correct, 1.0 / M))
    return (1.0 - correct) @ p
