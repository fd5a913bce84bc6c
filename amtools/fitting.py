"""Fitting power laws ``y = c x^k`` by least squares in log-log coordinates."""

from __future__ import annotations

import math
from numbers import Real
from typing import Sequence, Union

import numpy as np
import torch

__all__ = ["fit_power_law", "PowerLawFit"]

ArrayLike = Union[Sequence[float], np.ndarray, torch.Tensor]


class PowerLawFit(tuple):
    r"""``(exponent, prefactor, stderr)`` of a fit ``y ≈ prefactor * x**exponent``.

    A plain tuple (so ``k, c, se = fit_power_law(x, y)`` works) with named fields.
    The fit is done in log space and keeps ``log_prefactor`` = :math:`\log c` exactly:
    on steep fits :math:`c` itself may overflow to ``inf`` (or underflow to ``0.0``),
    while ``log_prefactor`` and the evaluation ``fit(x)`` (computed as
    :math:`\exp(\log c + k \log x)`) stay exact.
    """

    def __new__(cls, exponent: float, prefactor: float, stderr: float,
                log_prefactor: float | None = None) -> "PowerLawFit":
        self = super().__new__(cls, (exponent, prefactor, stderr))
        if log_prefactor is None:
            log_prefactor = math.log(prefactor) if prefactor > 0 else -math.inf
        self._log_prefactor = float(log_prefactor)
        return self

    exponent = property(lambda self: self[0], doc="fitted exponent k")
    prefactor = property(lambda self: self[1], doc="fitted prefactor c (may over/underflow; see log_prefactor)")
    stderr = property(lambda self: self[2], doc="standard error of k (nan with 2 points)")
    log_prefactor = property(lambda self: self._log_prefactor, doc="log c, exact even when c overflows")

    def __call__(self, x: ArrayLike) -> np.ndarray:
        r"""Evaluate the fitted law :math:`c x^k = \exp(\log c + k \log x)` at ``x >= 0``."""
        if isinstance(x, torch.Tensor):
            if x.dtype == torch.bool or x.is_complex():
                raise TypeError(f"x must hold real numbers, got a tensor of dtype {x.dtype}")
            x = x.detach().cpu().double().numpy()
        try:
            arr = np.asarray(x)
            if arr.dtype.kind not in "iuf":
                raise TypeError
            arr = arr.astype(float)
        except (TypeError, ValueError, OverflowError):
            raise TypeError("x must be a number, an array or a tensor of real numbers") from None
        if np.isnan(arr).any() or (arr < 0).any():
            raise ValueError("x must be >= 0 (no NaN) to evaluate a power law")
        k, log_c = self.exponent, self.log_prefactor
        if k == 0:
            return np.full(arr.shape, _exp(log_c))
        with np.errstate(divide="ignore", over="ignore"):
            return np.exp(log_c + k * np.log(arr))

    def __repr__(self) -> str:
        return (f"PowerLawFit(exponent={self.exponent:.4f}, prefactor={self.prefactor:.4g}, "
                f"stderr={self.stderr:.2g})")


def _exp(value: float) -> float:
    """``exp(value)``, ``inf`` when it overflows."""
    try:
        return math.exp(value)
    except OverflowError:
        return math.inf


def _as_1d(values: ArrayLike, name: str) -> np.ndarray:
    """``values`` as a 1-D float64 array of positive finite reals; bool, complex and strings rejected."""
    if isinstance(values, torch.Tensor):
        if values.dtype == torch.bool or values.is_complex():
            raise TypeError(f"{name} must hold real numbers, got a tensor of dtype {values.dtype}")
        values = values.detach().cpu().double().numpy()
    if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__len__"):
        raise TypeError(f"{name} must be a sequence, array or tensor of numbers")
    if isinstance(values, (list, tuple)) and any(isinstance(v, (bool, np.bool_)) for v in values):
        raise TypeError(f"{name} must contain real numbers, got a bool")
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must contain numbers: {err}") from None
    if arr.dtype.kind == "O":                       # mixed types or Python ints beyond int64
        items = arr.reshape(-1).tolist()
        if not all(isinstance(v, Real) and not isinstance(v, bool) for v in items):
            raise TypeError(f"{name} must contain real numbers (no bool, complex or str)")
        try:
            arr = np.array([float(v) for v in items]).reshape(arr.shape)
        except OverflowError:
            raise ValueError(f"{name} holds a number too large for a float") from None
    elif arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must contain real numbers, got dtype {arr.dtype} "
                        "(no bool, complex or str)")
    arr = arr.astype(float)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"{name} must contain only positive finite numbers (log-log fit)")
    return arr


def fit_power_law(x: ArrayLike, y: ArrayLike) -> PowerLawFit:
    r"""Least-squares fit of :math:`\log y = \log c + k \log x`.

    Returns ``(k, c, se_k)``: the exponent, the prefactor and the standard error
    of the exponent, :math:`\hat\sigma / \sqrt{\sum_i (\log x_i - \overline{\log x})^2}`
    with :math:`\hat\sigma^2` the residual variance on ``n - 2`` degrees of freedom.
    ``x`` and ``y`` are 1-D sequences, arrays or tensors of positive finite reals (complex,
    bool or string values are rejected, never cast). Everything is computed in log space;
    ``c = exp(log c)`` is ``inf`` if it overflows, with ``log c`` kept as ``fit.log_prefactor``.
    """
    lx, ly = np.log(_as_1d(x, "x")), np.log(_as_1d(y, "y"))
    if lx.shape != ly.shape:
        raise ValueError(f"x and y must have the same length, got {lx.size} and {ly.size}")
    if lx.size < 2:
        raise ValueError(f"x and y need at least 2 points to fit a power law, got {lx.size}")
    dx, dy = lx - lx.mean(), ly - ly.mean()
    sxx = float(np.sum(dx ** 2))
    if sxx == 0.0:
        raise ValueError("x must contain at least two distinct values")
    k = float(np.sum(dx * dy) / sxx)
    log_c = float(ly.mean() - k * lx.mean())
    if lx.size > 2:
        resid = dy - k * dx
        se = math.sqrt(float(np.sum(resid ** 2)) / (lx.size - 2) / sxx)
    else:
        se = float("nan")
    return PowerLawFit(k, _exp(log_c), se, log_prefactor=log_c)
