"""Closed-form curves of the theory, each with its formula.

Exact expectations (``unseen_mass``, ``expected_distinct``) hold for any law
``p``; the ``*_asymptotic`` curves are the large-``T`` equivalents for a Zipf law
with exponent ``alpha > 1`` (derived by replacing the sum over tokens with an
integral).
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Sequence, Union

import torch

from ._validate import as_int, as_real, check_probability_vector

__all__ = ["zipf_constant", "unseen_mass", "expected_distinct",
           "unseen_mass_asymptotic", "distinct_asymptotic", "signal_to_noise",
           "data_exponent", "threshold_exponent", "power_exponent", "balanced_dimension"]

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
