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
from typing import Any

import numpy as np
import torch

__all__ = ["glue", "KEY_PATTERN"]

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
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # Colab or a bare kernel: nothing to paste into
        return None
    myst_glue(key, value, display=False)
    return None
