"""Fitting power laws ``y = c x^k`` by least squares in log-log coordinates."""

from __future__ import annotations

import math
from typing import Sequence, Union

import numpy as np
import torch

__all__ = ["fit_power_law", "PowerLawFit"]

ArrayLike = Union[Sequence[float], np.ndarray, torch.Tensor]


class PowerLawFit(tuple):
    """``(exponent, prefactor, stderr)`` of a fit ``y ≈ prefactor * x**exponent``.

    A plain tuple (so ``k, c, se = fit_power_law(x, y)`` works) with named fields.
    """

    __slots__ = ()

    def __new__(cls, exponent: float, prefactor: float, stderr: float) -> "PowerLawFit":
        return super().__new__(cls, (exponent, prefactor, stderr))

    exponent = property(lambda self: self[0], doc="fitted exponent k")
    prefactor = property(lambda self: self[1], doc="fitted prefactor c")
    stderr = property(lambda self: self[2], doc="standard error of k (nan with 2 points)")

    def __call__(self, x: ArrayLike) -> np.ndarray:
        """Evaluate the fitted law ``c x^k``."""
        return self.prefactor * np.asarray(x, dtype=float) ** self.exponent

    def __repr__(self) -> str:
        return (f"PowerLawFit(exponent={self.exponent:.4f}, prefactor={self.prefactor:.4g}, "
                f"stderr={self.stderr:.2g})")


def _as_1d(values: ArrayLike, name: str) -> np.ndarray:
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().double().numpy()
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise TypeError(f"{name} must be a sequence, array or tensor of numbers")
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must contain numbers: {err}") from None
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
    """
    lx, ly = np.log(_as_1d(x, "x")), np.log(_as_1d(y, "y"))
    if lx.shape != ly.shape:
        raise ValueError(f"x and y must have the same length, got {lx.size} and {ly.size}")
    if lx.size < 2:
        raise ValueError(f"x and y need at least 2 points to fit a power law, got {lx.size}")
    sxx = float(np.sum((lx - lx.mean()) ** 2))
    if sxx == 0.0:
        raise ValueError("x must contain at least two distinct values")
    k = float(np.sum((lx - lx.mean()) * (ly - ly.mean())) / sxx)
    log_c = float(ly.mean() - k * lx.mean())
    if lx.size > 2:
        resid = ly - (log_c + k * lx)
        se = math.sqrt(float(np.sum(resid ** 2)) / (lx.size - 2) / sxx)
    else:
        se = float("nan")
    return PowerLawFit(k, math.exp(log_c), se)
