"""Numbers for the prose: every computed number a chapter's text quotes is glued from the code.

The chapters never type a seed-, profile- or grid-dependent number by hand. A
code cell glues it, ``am.glue("zipf-unseen-c2", c)``, and the markdown pastes it
with a format, ``{glue:text}`zipf-unseen-c2:.3f```. The book's build
(myst-nb) fills it in; in Colab or a bare kernel, where myst-nb is absent,
``glue`` does nothing, so the notebooks run everywhere.

Keys are lower-case and hyphenated, and start with the chapter's prefix
(``zipf-``, ``model-``, ``fd-``, ``fm-``, ``dmc-``); a test checks that every key
a chapter's markdown pastes is glued by a code cell of the same chapter.
"""

from __future__ import annotations

import math
import re
from numbers import Integral, Real
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

__all__ = ["glue", "glued", "number", "KEY_PATTERN", "GLUED_NAME"]

#: What a glue key must match, lower-case words and digits joined by hyphens.
KEY_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def _plain(value: Any, name: str) -> int | float | str:
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise ValueError(f"{name} must be a single number, got a tensor of shape {tuple(value.shape)}")
        value = value.item()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (Real, str)) or isinstance(value, complex):
        raise TypeError(f"{name} must be a real number or a string, got {type(value).__name__}")
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value}")
    return value


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def number(value: Any, digits: int = 2) -> str:
    """``value`` written for a sentence: ``digits`` significant digits, a real minus sign, and
    ``a × 10ⁿ`` instead of Python's ``e``-notation for very small or very large magnitudes.

    >>> number(2.5e-05), number(-0.4871, 3), number(123456789, 2), number(0.0), number(12, 2)
    ('2.5 × 10⁻⁵', '−0.487', '1.2 × 10⁸', '0', '12')
    """
    from ._validate import as_int, as_real

    value = as_real(_plain(value, "value") if not isinstance(value, str) else value, "value")
    digits = as_int(digits, "digits", minimum=1, maximum=17)
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(abs(value)))
    if -3 <= exponent < 6:
        decimals = max(digits - 1 - exponent, 0)
        text = f"{round(value, decimals):.{decimals}f}"
    else:
        mantissa = f"{value / 10 ** exponent:.{digits - 1}f}"
        if float(mantissa) in (10.0, -10.0):  # rounding up to the next power of ten
            exponent += 1
            mantissa = f"{value / 10 ** exponent:.{digits - 1}f}"
        text = f"{mantissa} × 10{str(exponent).translate(_SUPERSCRIPT)}"
    return text.replace("-", "−", 1) if text.startswith("-") else text


#: The name of the dict, in the notebook's own namespace, that holds the values glued in this kernel.
#: JupyterLab pastes them: tools/lab.py turns {glue:text}`key:spec` into {eval}`am.glued("key", "spec")`
#: in its scratch copies. amtools itself keeps no state: the dict lives with the notebook's variables.
GLUED_NAME = "_amtools_glued"


def _user_namespace() -> dict | None:
    """The running IPython kernel's user namespace, or None outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return None if shell is None else shell.user_ns


def glued(key: str, spec: str = "", *, values: Mapping[str, Any] | None = None) -> str:
    """The text ``{glue:text}`key:spec``` pastes: ``format(value, spec)`` of the value glued as ``key``.

    Reads the values :func:`glue` recorded in this IPython kernel (or ``values``, a mapping from keys
    to values, when given); a key not glued yet is a ``KeyError``.
    """
    if not isinstance(key, str):
        raise TypeError(f"key must be a string, got {type(key).__name__}")
    if not isinstance(spec, str):
        raise TypeError(f"spec must be a format spec string, got {type(spec).__name__}")
    if values is None:
        ns = _user_namespace()
        values = {} if ns is None else ns.get(GLUED_NAME, {})
    elif not isinstance(values, Mapping):
        raise TypeError(f"values must be a mapping from glue keys to values, got {type(values).__name__}")
    if key not in values:
        raise KeyError(f"nothing glued as {key!r} yet: run the cell that calls am.glue({key!r}, ...)")
    try:
        return format(values[key], spec)
    except ValueError as err:
        raise ValueError(f"spec {spec!r} does not apply to {key!r} = {values[key]!r}: {err}") from None


def glue(key: str, value: Any) -> None:
    """Make ``value`` (a number or a short string) available to the prose as ``{glue:text}`key```.

    Tensors and NumPy scalars are converted to plain Python numbers first, so that
    format specs such as ``:.3f`` apply. Nothing is displayed in the notebook.
    """
    if not isinstance(key, str):
        raise TypeError(f"key must be a string, got {type(key).__name__}")
    if not KEY_PATTERN.match(key):
        raise ValueError(f"key must be lower-case and hyphenated (e.g. 'zipf-unseen-c2'), got {key!r}")
    value = _plain(value, "value")
    ns = _user_namespace()
    if ns is not None:
        ns.setdefault(GLUED_NAME, {})[key] = value
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # Colab or a bare kernel: nothing to paste into
        return None
    myst_glue(key, value, display=False)
    return None
