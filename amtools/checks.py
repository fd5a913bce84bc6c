"""Check helpers: every reproduced claim in the book ends in one of these.

Each helper prints one line saying what it compared (value, target,
tolerance), returns ``None`` (so a notebook cell ending in a check shows only
that line) and raises :class:`CheckFailed` with the same information when the
claim does not hold, so a wrong number fails the notebook, the tests and CI.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from ._validate import as_real

__all__ = ["CheckFailed", "check_close", "check_exponent", "check_less",
           "check_between", "check_true", "check_within_spread", "check_identity"]


class CheckFailed(AssertionError):
    """A reproduced claim did not hold."""


def _num(value: Any, name: str) -> float:
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise ValueError(f"{name} must be a single number, got a tensor of shape {tuple(value.shape)}")
        value = value.item()
    return as_real(value, name, allow_inf=True)


def _label(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise TypeError("name must be a non-empty string describing the claim")
    return name


def _report(ok: bool, name: str, detail: str) -> None:
    line = f"{'✔' if ok else '✘'} {name}: {detail}"
    if not ok:
        raise CheckFailed(line)
    print(line)


def _close(name: str, value: float, target: float, atol: float, rtol: float) -> None:
    """The comparison of :func:`check_close`, on validated numbers."""
    tol = atol + rtol * abs(target)
    ok = math.isfinite(value) and math.isfinite(target) and abs(value - target) <= tol
    return _report(ok, name, f"value {value:.4g} vs target {target:.4g} "
                             f"(tolerance ±{tol:.3g}, off by {abs(value - target):.3g})")


def check_close(name: str, value: Any, target: Any, *, atol: float = 0.0,
                rtol: float = 0.0) -> None:
    """Check ``|value - target| <= atol + rtol * |target|``."""
    name = _label(name)
    value, target = _num(value, "value"), _num(target, "target")
    atol = as_real(atol, "atol", minimum=0.0)
    rtol = as_real(rtol, "rtol", minimum=0.0)
    if atol == 0.0 and rtol == 0.0:
        raise ValueError("give a tolerance: atol > 0 or rtol > 0")
    return _close(name, value, target, atol, rtol)


def check_within_spread(name: str, value: Any, target: Any, spread: Any, *, k: float = 3.0) -> None:
    """Check ``|value - target| <= k * spread``, a tolerance sized from a measured spread.

    ``spread`` is the standard error the notebook measured for ``value`` (e.g. the
    standard deviation over trials divided by ``sqrt(trials)``, or a fit's standard
    error), so the tolerance shrinks when the experiment is sharper and a wrong
    number fails.
    """
    spread = as_real(_num(spread, "spread"), "spread", minimum=0.0, strict=True)
    k = as_real(k, "k", minimum=0.0, strict=True)
    name = _label(name)
    value, target = _num(value, "value"), _num(target, "target")
    tol = k * spread
    ok = math.isfinite(value) and math.isfinite(target) and abs(value - target) <= tol
    return _report(ok, name, f"value {value:.4g} vs target {target:.4g} (tolerance {k:g} × measured "
                             f"spread {spread:.3g} = ±{tol:.3g}, off by {abs(value - target):.3g})")


def check_identity(name: str, value: Any, target: Any, *, rtol: float = 1e-9) -> None:
    """Check an identity: two computations of the same quantity that agree by construction.

    Labelled as such in the printed line, so that a reader does not mistake it for an
    experimental finding. The tolerance covers floating-point rounding only.
    """
    name = _label(name)
    rtol = as_real(rtol, "rtol", minimum=0.0, strict=True)
    if rtol > 1e-3:
        raise ValueError(f"rtol must cover rounding only (<= 1e-3) for an identity, got {rtol}")
    value, target = _num(value, "value"), _num(target, "target")
    tol = rtol * max(abs(target), 1e-300) + 1e-300
    ok = math.isfinite(value) and math.isfinite(target) and abs(value - target) <= tol
    return _report(ok, f"identity (holds by construction): {name}",
                   f"{value:.10g} vs {target:.10g} (rounding tolerance ±{tol:.2g})")


def check_exponent(name: str, fitted: Any, theory: Any, tol: float) -> None:
    """Check ``|fitted - theory| <= tol``: a fitted exponent within ``tol`` of the theoretical one.

    The printed line reads ``value <fitted> vs target <theory>``; argument errors name
    ``fitted``, ``theory`` and ``tol``.
    """
    name = _label(name)
    fitted, theory = _num(fitted, "fitted"), _num(theory, "theory")
    tol = as_real(tol, "tol", minimum=0.0, strict=True)
    return _close(name, fitted, theory, tol, 0.0)


def check_less(name: str, value: Any, bound: Any) -> None:
    """Check ``value < bound``."""
    name = _label(name)
    value, bound = _num(value, "value"), _num(bound, "bound")
    return _report(value < bound, name, f"value {value:.4g} < bound {bound:.4g}")


def check_between(name: str, value: Any, low: Any, high: Any) -> None:
    """Check ``low <= value <= high``."""
    name = _label(name)
    value, low, high = _num(value, "value"), _num(low, "low"), _num(high, "high")
    if low > high:
        raise ValueError(f"low must be <= high, got low={low} > high={high}")
    return _report(low <= value <= high, name, f"value {value:.4g} in [{low:.4g}, {high:.4g}]")


def check_true(name: str, condition: Any, detail: str = "") -> None:
    """Check a boolean condition (or that every entry of a boolean tensor holds).

    ``detail`` is a string added to the printed line.
    """
    name = _label(name)
    if not isinstance(detail, str):
        raise TypeError(f"detail must be a string, got {type(detail).__name__}")
    if isinstance(condition, torch.Tensor):
        if condition.dtype != torch.bool:
            raise TypeError(f"condition must be a bool tensor, got dtype {condition.dtype}")
        n_bad = int((~condition).sum())
        ok = n_bad == 0
        detail = (detail + "; " if detail else "") + (
            f"all {condition.numel()} hold" if ok else f"{n_bad} of {condition.numel()} fail")
    elif isinstance(condition, (bool, np.bool_)):
        ok = bool(condition)
    else:
        raise TypeError(f"condition must be a bool or a bool tensor, got {type(condition).__name__}")
    return _report(ok, name, detail or ("holds" if ok else "does not hold"))
