"""Argument checks shared by the public functions (private module).

Every public function of :mod:`amtools` validates its arguments with these
helpers, so that a wrong call fails at once with a message naming the argument.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any

import torch

__all__: list[str] = []


def as_int(value: Any, name: str, *, minimum: int | None = None) -> int:
    """Return ``value`` as an ``int``; raise if it is not an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        if isinstance(value, torch.Tensor) and value.ndim == 0 and not value.is_floating_point():
            value = int(value.item())
        else:
            raise TypeError(f"{name} must be an integer, got {type(value).__name__} ({value!r})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def as_real(value: Any, name: str, *, minimum: float | None = None,
            strict: bool = False, allow_inf: bool = False) -> float:
    """Return ``value`` as a ``float``; raise if it is not a finite real >= ``minimum``."""
    if isinstance(value, torch.Tensor) and value.ndim == 0:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} ({value!r})")
    value = float(value)
    if math.isnan(value) or (math.isinf(value) and not allow_inf):
        raise ValueError(f"{name} must be finite, got {value}")
    if minimum is not None:
        if strict and not value > minimum:
            raise ValueError(f"{name} must be > {minimum}, got {value}")
        if not strict and value < minimum:
            raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def as_tensor(value: Any, name: str, *, ndim: tuple[int, ...] | None = None,
              floating: bool | None = None, integer: bool | None = None) -> torch.Tensor:
    """Return ``value`` as a tensor and check its number of dimensions and dtype kind."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if ndim is not None and value.ndim not in ndim:
        dims = " or ".join(str(n) for n in ndim)
        raise ValueError(f"{name} must have {dims} dimensions, got shape {tuple(value.shape)}")
    if floating and not value.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {value.dtype}")
    if integer and (value.is_floating_point() or value.is_complex() or value.dtype == torch.bool):
        raise TypeError(f"{name} must be an integer tensor (e.g. torch.long), got dtype {value.dtype}")
    return value


def check_probability_vector(p: Any, name: str = "p", *, atol: float = 1e-6) -> torch.Tensor:
    """Check that ``p`` is a 1-D floating tensor of non-negative numbers summing to 1."""
    p = as_tensor(p, name, ndim=(1,), floating=True)
    if p.numel() == 0:
        raise ValueError(f"{name} must not be empty")
    if not torch.isfinite(p).all():
        raise ValueError(f"{name} must contain only finite numbers")
    if (p < 0).any():
        raise ValueError(f"{name} must be non-negative (smallest entry {p.min().item():.3g})")
    total = p.double().sum().item()
    if abs(total - 1.0) > atol:
        raise ValueError(f"{name} must sum to 1, sums to {total:.9g}")
    return p
