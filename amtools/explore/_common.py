"""Shared helpers of the explorers."""

from __future__ import annotations

from typing import Any

#: Largest ``points`` per curve of the scaling and Hopfield views.
MAX_POINTS = 100


def _two_axes(axes: Any) -> tuple[Any, Any]:
    """``axes`` must hold exactly two matplotlib ``Axes`` (a pair, a list or a NumPy array of them)."""
    import numpy as np
    from matplotlib.axes import Axes

    if isinstance(axes, Axes) or isinstance(axes, (str, bytes, dict)) or not hasattr(axes, "__iter__"):
        raise TypeError(f"axes must hold two matplotlib Axes (e.g. from plt.subplots(1, 2)), "
                        f"got {type(axes).__name__}")
    items = list(np.asarray(axes, dtype=object).ravel()) if isinstance(axes, np.ndarray) else list(axes)
    bad = [type(a).__name__ for a in items if not isinstance(a, Axes)]
    if bad:
        raise TypeError(f"axes must hold matplotlib Axes only, got {bad[0]}")
    if len(items) != 2:
        raise ValueError(f"axes must hold two matplotlib Axes, got {len(items)}")
    return items[0], items[1]


def _view_axes(view: Any, cls: type, ax: Any, figsize: tuple[float, float], name: str = "view") -> Any:
    """Check that ``view`` is a ``cls``; return ``ax`` (checked to be a matplotlib Axes) or a new figure's."""
    import matplotlib.pyplot as plt

    from ..plotting import _check_axes

    if not isinstance(view, cls):
        raise TypeError(f"{name} must be a {cls.__name__}, got {type(view).__name__}")
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    else:
        _check_axes(ax, "ax")
    return ax
