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
from collections.abc import Iterable
from numbers import Real
from typing import Sequence, Union

import numpy as np
import torch

from ._validate import as_int, as_real, as_tensor, check_probability_vector

__all__ = ["zipf_constant", "unseen_mass", "expected_distinct",
           "unseen_mass_asymptotic", "distinct_asymptotic", "signal_to_noise",
           "data_exponent", "threshold_exponent", "power_exponent", "balanced_dimension",
           "argmax_error", "predicted_error"]

Sizes = Union[float, int, Sequence[float], torch.Tensor]


def _sizes(T: Sizes, name: str = "T", *, minimum: float = 0.0) -> torch.Tensor:
    """``T`` as a float64 CPU tensor of reals ``>= minimum`` (``math.inf`` allowed), keeping its shape.

    Accepts a number (Python, NumPy or a 0-d tensor), a sequence of numbers, a NumPy array
    or a tensor; never a bool, a complex number or a string (one rule for every form).
    """
    if isinstance(T, np.ndarray):
        if T.dtype.kind not in "iuf":
            raise TypeError(f"{name} must hold real numbers, got a NumPy array of dtype {T.dtype}")
        T = torch.from_numpy(np.ascontiguousarray(T, dtype=np.float64))
    if isinstance(T, torch.Tensor):
        if T.dtype == torch.bool or T.is_complex():
            raise TypeError(f"{name} must hold real numbers, got a tensor of dtype {T.dtype}")
        t = T.detach().to(device="cpu", dtype=torch.float64)
    elif isinstance(T, (Real, str, bytes)) or not isinstance(T, Iterable):
        t = torch.tensor(as_real(T, name, allow_inf=True), dtype=torch.float64)
    else:
        t = torch.tensor([as_real(v, f"each entry of {name}", allow_inf=True) for v in T],
                         dtype=torch.float64)
    if torch.isnan(t).any():
        raise ValueError(f"{name} must not contain NaN")
    if (t < minimum).any() or (t == -math.inf).any():
        raise ValueError(f"{name} must be >= {minimum:g} (math.inf allowed), got {t.min().item():g}")
    return t


#: Tokens per chunk in :func:`unseen_mass` and :func:`expected_distinct`: the work array has
#: ``len(T) * chunk`` float64 entries, at most about :data:`_CHUNK_FLOATS` (32 MB).
_CHUNK_FLOATS = 2**22


def _never_seen_dot(p: torch.Tensor, t: torch.Tensor, weights: torch.Tensor, *,
                    seen: bool = False) -> torch.Tensor:
    r"""``sum_x weights[x] (1 - p(x))^T`` for every ``T`` in ``t`` (flattened), float64;
    with ``seen``, ``sum_x weights[x] (1 - (1 - p(x))^T)``, computed with ``expm1`` (no cancellation).

    Computed in chunks of tokens, so the memory is ``O(len(t) * chunk)`` whatever ``N``
    (the time stays ``O(len(t) * N)``).
    """
    log1m = torch.log1p(-p.clamp(max=1.0))                    # log(1 - p), -inf where p = 1
    t = t.reshape(-1, 1)
    out = torch.zeros(t.shape[0], dtype=torch.float64)
    chunk = max(1, _CHUNK_FLOATS // max(1, t.shape[0]))
    for start in range(0, p.numel(), chunk):
        logs = t * log1m[start:start + chunk].unsqueeze(0)             # [len(t), chunk]
        if seen:                                                       # 1 - (1-p)^T; 0 * inf: 0
            part = torch.nan_to_num(-torch.expm1(logs), nan=0.0)
        else:                                                          # (1-p)^T; 0 * -inf: 1
            part = torch.nan_to_num(torch.exp(logs), nan=1.0)
        out += part @ weights[start:start + chunk]
    return out


#: ``zipf_constant`` sums the first terms exactly and the rest by Euler-Maclaurin.
_EXACT_TERMS = 2**16
#: Bernoulli numbers B_2, B_4, B_6, B_8 over (2j)!, for the Euler-Maclaurin corrections.
_EM_COEFFS = (1 / 6 / 2, -1 / 30 / 24, 1 / 42 / 720, -1 / 30 / 40320)


def _power_sum_tail(alpha: float, a: int, b: int) -> float:
    r""":math:`\sum_{k=a}^{b} k^{-\alpha}` for ``1 <= a <= b`` by Euler-Maclaurin with four corrections:

    .. math:: \int_a^b x^{-\alpha}dx + \frac{f(a) + f(b)}2
              + \sum_{j=1}^{4} \frac{B_{2j}}{(2j)!}\big(f^{(2j-1)}(b) - f^{(2j-1)}(a)\big),

    :math:`f^{(m)}(x) = (-1)^m \alpha(\alpha+1)\cdots(\alpha+m-1)\,x^{-\alpha-m}`. The
    remainder is below :math:`(\alpha+8)^{8}/(2\pi a)^{8}` relative, negligible for
    ``a = 2**16`` and moderate ``alpha``. The integral uses ``expm1`` so that ``alpha`` near 1 is
    exact.
    """
    la, lb = math.log(a), math.log(b)
    s = (1.0 - alpha) * (lb - la)
    ratio = 1.0 if s == 0.0 else math.expm1(s) / s
    total = math.exp((1.0 - alpha) * la) * (lb - la) * ratio          # integral from a to b
    total += 0.5 * (a ** -alpha + b ** -alpha)
    if alpha == 0.0:                                                  # f = 1: no corrections
        return total
    log_rising = math.log(alpha)                                      # log alpha (alpha+1) ... (alpha+m-1)
    for j, coeff in enumerate(_EM_COEFFS, start=1):
        m = 2 * j - 1
        if j > 1:
            log_rising += math.log(alpha + m - 2) + math.log(alpha + m - 1)
        # f^{(m)}(x) = -exp(log_rising - (alpha + m) log x) for odd m; in log space so that a
        # huge alpha gives 0 instead of inf * 0
        deriv_b = -math.exp(log_rising - (alpha + m) * lb)
        deriv_a = -math.exp(log_rising - (alpha + m) * la)
        total += coeff * (deriv_b - deriv_a)
    return total


def zipf_constant(alpha: float, N: int | None = None) -> float:
    r"""Normalizer :math:`C_\alpha = (\sum_{k\le N} k^{-\alpha})^{-1}`; ``N=None`` means
    :math:`N=\infty`, where :math:`C_\alpha = 1/\zeta(\alpha)` (needs ``alpha > 1``).

    The first ``2**16`` terms are summed exactly (512 KB of float64); beyond them the sum is
    Euler-Maclaurin's (:func:`_power_sum_tail`, relative error about ``1e-16``), so any ``N``
    up to ``2**63 - 1`` costs the same time and memory.
    """
    alpha = as_real(alpha, "alpha", minimum=0.0)
    if N is None:
        if alpha <= 1:
            raise ValueError(f"alpha must be > 1 when N is infinite, got {alpha}")
        return 1.0 / float(torch.special.zeta(torch.tensor(alpha, dtype=torch.float64),
                                              torch.tensor(1.0, dtype=torch.float64)))
    N = as_int(N, "N", minimum=1)
    k = torch.arange(1, min(N, _EXACT_TERMS) + 1, dtype=torch.float64)
    total = float((k ** -alpha).sum())
    if N > _EXACT_TERMS:
        total += _power_sum_tail(alpha, _EXACT_TERMS + 1, N)
    return 1.0 / total


def unseen_mass(p: torch.Tensor, T: Sizes) -> torch.Tensor:
    r"""Expected mass of the tokens never seen in ``T`` i.i.d. samples:

    .. math:: \mathbb E\Big[\sum_x p(x)\,\mathbf 1\{n_x = 0\}\Big] = \sum_x p(x)\,(1 - p(x))^T .

    ``T`` may be a number, a sequence, an array or a tensor of reals ``>= 0`` (``math.inf``
    gives 0); the result has ``T``'s shape, in float64 on the CPU. Cost: ``len(T) * N`` time,
    memory ``O(len(T) + N)`` plus a work array of at most ``2**22`` floats (32 MB), the
    tokens being processed in chunks.
    """
    p = check_probability_vector(p, "p").detach().to(device="cpu", dtype=torch.float64)
    t = _sizes(T)
    return _never_seen_dot(p, t, p).reshape(t.shape)


def expected_distinct(p: torch.Tensor, T: Sizes) -> torch.Tensor:
    r"""Expected number of distinct tokens in ``T`` samples:

    .. math:: \sum_{x:\,p(x)>0} 1 - (1-p(x))^T .

    ``T`` and the cost as in :func:`unseen_mass` (chunks over tokens, at most 32 MB of work).
    """
    p = check_probability_vector(p, "p").detach().to(device="cpu", dtype=torch.float64)
    t = _sizes(T)
    return _never_seen_dot(p, t, (p > 0).double(), seen=True).reshape(t.shape)


def unseen_mass_asymptotic(alpha: float, T: Sizes, N: int | None = None) -> torch.Tensor:
    r"""Large-``T`` equivalent of the unseen mass for a Zipf law, ``alpha > 1``:

    .. math:: \sum_x p(x)(1-p(x))^T \simeq \frac{\Gamma(1 - 1/\alpha)}{\alpha}\,
              C_\alpha^{1/\alpha}\, T^{-(1 - 1/\alpha)} .

    ``N`` sets :math:`C_\alpha` (``None``: :math:`N = \infty`); the formula ignores
    the cut-off at ``N``, so it only holds while :math:`(C_\alpha T)^{1/\alpha} \ll N`.
    It is a large-``T`` equivalent that diverges at ``T = 0`` (where the exact unseen mass
    is 1), so ``T`` must be ``>= 1`` (``math.inf`` gives 0).
    """
    alpha = as_real(alpha, "alpha", minimum=1.0, strict=True)
    t = _sizes(T, minimum=1.0)
    c = zipf_constant(alpha, N)
    return math.gamma(1 - 1 / alpha) / alpha * c ** (1 / alpha) * t ** (-(1 - 1 / alpha))


def distinct_asymptotic(alpha: float, T: Sizes, N: int | None = None) -> torch.Tensor:
    r"""Large-``T`` equivalent of the number of distinct tokens, ``alpha > 1``:
    :math:`\Gamma(1 - 1/\alpha)\,(C_\alpha T)^{1/\alpha}`."""
    alpha = as_real(alpha, "alpha", minimum=1.0, strict=True)
    t = _sizes(T)
    c = zipf_constant(alpha, N)
    return math.gamma(1 - 1 / alpha) * (c * t) ** (1 / alpha)


def signal_to_noise(q: torch.Tensor, d: int) -> torch.Tensor:
    r"""Signal-to-noise ratio of each stored association, :math:`d\,q(x)^2 / \|q\|_2^2`.

    With random embeddings the score of the right output carries signal
    :math:`q(x)` and the interference of the others has variance about
    :math:`\|q\|^2/d`; errors become likely once this ratio is of order 1 or less.
    ``q`` is a finite, non-negative ``Tensor[..., N]`` with a positive entry in every row;
    the result has the same shape, in float64. The ratio is scale-invariant, so each row is
    first divided by its maximum: ``q`` of ``1e200`` or ``1e-200`` neither overflows nor
    underflows.
    """
    q = as_tensor(q, "q", floating=True, finite=True)
    if q.ndim == 0:
        raise ValueError("q must have at least 1 dimension (the N inputs), got a 0-d tensor")
    if q.shape[-1] == 0:
        raise ValueError("q must not be empty")
    if (q < 0).any():
        raise ValueError("q must be non-negative")
    d = as_int(d, "d", minimum=1)
    q = q.double()
    peak = q.amax(dim=-1, keepdim=True)
    if (peak == 0).any():
        raise ValueError("q must have at least one positive entry (in every row)")
    r = q / peak                                              # in [0, 1], the largest entry 1
    return d * r ** 2 / (r ** 2).sum(dim=-1, keepdim=True)


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
    :math:`d = T^{1/\alpha}` (the compute-optimal allocation up to constants), ``alpha > 1``.

    ``T``: reals ``>= 0`` in any of the forms :func:`unseen_mass` takes (``math.inf`` gives inf).
    """
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


#: More Gauss-Hermite nodes than this gain nothing in float64 (and cost an eigenproblem of that size).
_MAX_NODES = 256


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
    nodes = as_int(nodes, "nodes", minimum=2, maximum=_MAX_NODES)
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

    Each row of ``q`` is divided by its maximum first (the prediction is scale-invariant), so
    weights of ``1e200`` or ``1e-200`` are fine. Cost: time :math:`O(K N C\,\mathrm{nodes})` with
    :math:`C \le \min(N, M)` the number of outputs that hold an input (the others share one
    factor, so a huge ``M`` costs nothing); memory :math:`O(K N + N C)` plus work arrays of at most
    about ``2**22`` floats (32 MB), the ``(d, x)`` pairs being processed in chunks.
    """
    M = as_int(M, "M", minimum=2)
    nodes = as_int(nodes, "nodes", minimum=2, maximum=_MAX_NODES)
    q = as_tensor(q, "q", ndim=(1, 2), floating=True, finite=True)
    if (q < 0).any():
        raise ValueError("q must contain only finite, non-negative numbers")
    dev = q.device
    p = check_probability_vector(p, "p").to(device=dev, dtype=torch.float64)
    N = p.numel()
    d = _sizes(ds, "ds").reshape(-1).to(dev)
    if d.numel() == 0 or not torch.isfinite(d).all() or (d <= 0).any():
        raise ValueError("ds must hold at least one finite, positive dimension")
    K = d.numel()
    if q.shape[-1] != N:
        raise ValueError(f"q must have p's length N = {N} in its last dimension, got shape {tuple(q.shape)}")
    if q.ndim == 2 and q.shape[0] != K:
        raise ValueError(f"a 2-D q needs one row per d ({K}), got shape {tuple(q.shape)}")
    if targets is None:
        targets = torch.arange(N, device=dev) % M
    targets = as_tensor(targets, "targets", ndim=(1,), integer=True).to(dev)
    if targets.numel() != N or (targets < 0).any() or (targets >= M).any():
        raise ValueError(f"targets must hold N = {N} outputs in [0, {M})")
    # The prediction is scale-invariant (q(x) / s_y(x) does not change when q is scaled):
    # dividing each row by its maximum keeps q(x)^2 from overflowing or underflowing.
    q = q.to(torch.float64).expand(K, N)                                       # [K, N]
    peak = q.amax(dim=-1, keepdim=True)
    q = q / torch.where(peak > 0, peak, torch.ones_like(peak))
    # Only the C <= min(N, M) classes that hold an input are treated one by one: the other
    # M - C classes have s_y = 0 (their score is exactly 0) and share one factor.
    classes, label = torch.unique(targets, return_inverse=True)
    C = classes.numel()
    empty = M - C
    g, w = (t.to(dev) for t in _gauss_hermite(nodes))
    onehot = torch.nn.functional.one_hot(label, C).double()                      # [N, C]
    s2_class = (q ** 2) @ onehot                                                 # [K, C], class sums
    correct = torch.empty(K, N, dtype=torch.float64, device=dev)
    # Work arrays of [chunk, C, nodes] float64: at most about 2**22 entries (32 MB) each.
    chunk = max(1, _CHUNK_FLOATS // (C * nodes))
    flat = torch.arange(K * N, device=dev)
    for i0 in range(0, K * N, chunk):
        idx = flat[i0:i0 + chunk]
        k, x = idx // N, idx % N
        qx, dk, hot = q[k, x], d[k], onehot[x]                                   # [n], [n], [n, C]
        s2 = s2_class[k] - (qx ** 2)[:, None] * hot                              # [n, C], without x
        s = torch.sqrt(s2.clamp(min=0.0) / dk[:, None]).clamp(min=1e-300)
        s_right = (s * hot).sum(-1)                                              # s_{f(x)}(x), [n]
        right = qx[:, None] + s_right[:, None] * g                               # [n, nodes]
        log_phi = torch.special.log_ndtr(right[:, None, :] / s[..., None])       # [n, C, nodes]
        log_phi = log_phi.masked_fill(hot.bool()[..., None], 0.0).sum(1)         # only the wrong y
        if empty:                                                                # score 0 each
            log_phi = log_phi + empty * torch.special.log_ndtr(right / 1e-300)
        correct[k, x] = (log_phi.exp() * w).sum(-1)
    correct = torch.where(q > 0, correct, torch.full_like(correct, 1.0 / M))
    return (1.0 - correct) @ p
