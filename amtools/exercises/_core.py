"""The feedback machinery shared by every chapter's self-checks (private module).

A self-check runs the reader's function on a few cases, smallest first, and
compares properties before values (type and shape, then structure, then numbers
with a stated tolerance). It has three outcomes:

- **not attempted**: the stub raises ``NotImplementedError`` with its hint; the
  error propagates unchanged, so the notebook stops there with the hint;
- **wrong**: :class:`ExerciseFailed` names the case, gives expected vs got and,
  where one is likely, the slip (a sign, a missing factor), never the answer;
- **right**: one ``✔`` line, as printed by the :mod:`amtools.checks` helpers.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import torch

from ..checks import CheckFailed

__all__ = ["ExerciseFailed", "Feedback"]


class ExerciseFailed(CheckFailed):
    """The reader's answer to an exercise failed one of the self-check's cases."""


def _as_float(value: Any) -> float | None:
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:  # numpy scalars
        return float(value) if getattr(value, "shape", None) == () else None
    except (TypeError, ValueError):
        return None


def _gap(got: float, want: float) -> str:
    """How far off, readable even when both values print alike at 6 digits."""
    diff = got - want
    if not math.isfinite(diff):
        return ""
    rel = f", relative error {abs(diff) / abs(want):.1e}" if want != 0 else ""
    return f" (off by {diff:+.2e}{rel})"


class Feedback:
    """Collects the cases of one self-check and reports the first failure.

    Usage inside a check function::

        fb = Feedback("estimate_alpha", fn)
        got = fb.call("alpha = 2, 20,000 tokens", tokens, N)
        fb.close("alpha = 2, 20,000 tokens", got, 2.0, atol=0.15, slip="fit the head only")
        fb.done()
    """

    def __init__(self, name: str, fn: Any) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError("name must be a non-empty string")
        if not callable(fn):
            raise TypeError(f"fn must be a function (the answer to check), got {type(fn).__name__}")
        self.name = name
        self.fn: Callable[..., Any] = fn
        self.cases = 0

    def fail(self, case: str, message: str, slip: str = "") -> None:
        """Raise :class:`ExerciseFailed` for ``case``."""
        hint = f"\n  hint: {slip}" if slip else ""
        raise ExerciseFailed(f"✘ {self.name}, case {case}: {message}{hint}")

    def call(self, case: str, *args: Any, **kwargs: Any) -> Any:
        """Call the reader's function; its ``NotImplementedError`` propagates unchanged."""
        self.cases += 1
        try:
            return self.fn(*args, **kwargs)
        except NotImplementedError:
            raise
        except Exception as err:  # the reader's code crashed: say on which case
            raise ExerciseFailed(f"✘ {self.name}, case {case}: your function raised "
                                 f"{type(err).__name__}: {err}") from err

    def tensor(self, case: str, got: Any, shape: tuple[int, ...], *, floating: bool | None = None,
               slip: str = "") -> torch.Tensor:
        """Check that ``got`` is a tensor of ``shape`` (and floating point, when asked)."""
        if not isinstance(got, torch.Tensor):
            self.fail(case, f"expected a torch.Tensor of shape {shape}, got {type(got).__name__}", slip)
        if tuple(got.shape) != tuple(shape):
            self.fail(case, f"expected shape {tuple(shape)}, got {tuple(got.shape)}", slip)
        if floating is True and not got.is_floating_point():
            self.fail(case, f"expected a floating-point tensor, got dtype {got.dtype}", slip)
        if floating is False and got.is_floating_point():
            self.fail(case, f"expected an integer tensor, got dtype {got.dtype}", slip)
        return got

    def number(self, case: str, got: Any) -> float:
        """Check that ``got`` is a single real number and return it as a float."""
        value = _as_float(got)
        if value is None:
            self.fail(case, f"expected a single number, got {type(got).__name__}")
        if not math.isfinite(value):
            self.fail(case, f"expected a finite number, got {value}")
        return value

    def close(self, case: str, got: Any, expected: Any, *, rtol: float = 0.0, atol: float = 0.0,
              slip: str = "") -> None:
        """Check ``|got - expected| <= atol + rtol * |expected|`` (numbers or tensors)."""
        if rtol <= 0 and atol <= 0:
            raise ValueError("give a tolerance: rtol > 0 or atol > 0")
        if isinstance(expected, torch.Tensor) and expected.numel() > 1:
            got_t = self.tensor(case, got, tuple(expected.shape))
            diff = (got_t.double() - expected.double()).abs()
            tol = atol + rtol * expected.double().abs()
            bad = ~(diff <= tol)
            if bad.any():
                i = tuple(int(j) for j in bad.nonzero()[0])
                where = f" at index {i[0] if len(i) == 1 else i}"
                want_i, got_i = expected[i].item(), got_t[i].item()
                self.fail(case, f"{int(bad.sum())} of {bad.numel()} entries are off; first{where}: "
                                f"expected {want_i:.6g}, got {got_i:.6g}{_gap(got_i, want_i)}", slip)
            return
        want = self.number(case, expected)
        value = self.number(case, got)
        tol = atol + rtol * abs(want)
        if abs(value - want) > tol:
            self.fail(case, f"expected {want:.6g} (± {tol:.3g}), got {value:.6g}{_gap(value, want)}", slip)

    def equal(self, case: str, got: Any, expected: Any, slip: str = "") -> None:
        """Check exact equality (tensors: same shape and every entry equal)."""
        if isinstance(expected, torch.Tensor):
            got_t = self.tensor(case, got, tuple(expected.shape))
            bad = got_t != expected
            if bad.any():
                i = tuple(int(j) for j in bad.nonzero()[0])
                self.fail(case, f"{int(bad.sum())} of {bad.numel()} entries differ; first at index "
                                f"{i[0] if len(i) == 1 else i}: expected {expected[i].item()}, "
                                f"got {got_t[i].item()}", slip)
            return
        if got != expected:
            self.fail(case, f"expected {expected!r}, got {got!r}", slip)

    def true(self, case: str, condition: bool, message: str, slip: str = "") -> None:
        """Check a property; ``message`` says what was expected and what was seen."""
        if not condition:
            self.fail(case, message, slip)

    def done(self) -> None:
        """Print the one success line."""
        print(f"✔ {self.name}: all {self.cases} cases pass")
