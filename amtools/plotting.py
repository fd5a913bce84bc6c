"""The book's figure style and two small plotting helpers.

Figures carry their own light background (so they read the same in the light
and the dark theme of the HTML book) and use the Okabe-Ito colour-blind-safe
palette.
"""

from __future__ import annotations

from typing import Any, Sequence

import matplotlib as mpl
import numpy as np
import torch

__all__ = ["PALETTE", "STYLE", "BAND", "use_style", "band", "band_caption", "guide_line", "plain_log_ticks"]

#: Okabe-Ito palette (colour-blind safe), in cycle order.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")

#: The book's matplotlib ``rcParams``, applied by :func:`use_style`.
STYLE: dict[str, Any] = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.facecolor": "white",
    "axes.edgecolor": "#333333",
    "axes.labelcolor": "#111111",
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=list(PALETTE)),
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "legend.frameon": False,
    "legend.fontsize": 9,
    "lines.linewidth": 1.8,
    "image.cmap": "viridis",
    "font.size": 10,
}


def use_style() -> None:
    """Apply the book's matplotlib style (called by :func:`amtools.setup`)."""
    mpl.rcParams.update(STYLE)


def _check_axes(ax: Any, name: str = "ax") -> Any:
    """``ax`` must be one matplotlib ``Axes`` (not a figure, an array of axes or ``plt``)."""
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        hint = " (index the array: axes[0])" if isinstance(ax, np.ndarray) else " (e.g. from plt.subplots())"
        raise TypeError(f"{name} must be a matplotlib Axes{hint}, got {type(ax).__name__}")
    return ax


def _real_array(x: Any, name: str, *, ndim: tuple[int, ...] = (1,)) -> np.ndarray:
    """``x`` (a tensor, array or sequence of real numbers) as a finite, non-empty float64 array."""
    if isinstance(x, torch.Tensor):
        if x.is_complex() or x.dtype == torch.bool:
            raise TypeError(f"{name} must hold real numbers, got a tensor of dtype {x.dtype}")
        arr = x.detach().cpu().double().numpy()
    else:
        if x is None or isinstance(x, (str, bytes, dict, set)):
            raise TypeError(f"{name} must be a sequence, array or tensor of real numbers, got {type(x).__name__}")
        try:
            arr = np.asarray(x)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a rectangular array of real numbers") from None
        if arr.dtype.kind not in "iuf":
            raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
        arr = arr.astype(np.float64)
    if arr.ndim not in ndim:
        dims = " or ".join(f"{n}-D" for n in ndim)
        raise ValueError(f"{name} must be {dims}, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must contain only finite numbers (found NaN or inf)")
    return arr


def _check_label(label: Any, name: str = "label") -> None:
    if label is not None and not isinstance(label, str):
        raise TypeError(f"{name} must be a string or None, got {type(label).__name__}")


def _check_color(color: Any, name: str = "color", *, optional: bool = True) -> None:
    from matplotlib.colors import is_color_like

    if color is None and optional:
        return
    if not isinstance(color, (str, tuple)) or not is_color_like(color):
        raise ValueError(f"{name} must be a matplotlib colour such as '#0072B2' or 'C1', got {color!r:.40}")


#: The book's one error-band convention, mean ± BAND standard deviations over independent trials
#: (the spread of a single run, not the uncertainty of the mean, which is std / sqrt(trials)).
BAND = 1.0


def band_caption(trials: int, randomness: str) -> str:
    """The sentence every figure with bands starts its caption with (glued into the markdown).

    >>> band_caption(20, "embeddings and data")
    'Lines: mean over 20 independent trials; bands: ± one standard deviation (randomness: embeddings and data).'
    """
    from ._validate import as_int

    trials = as_int(trials, "trials", minimum=1)
    if not isinstance(randomness, str) or not randomness.strip():
        raise TypeError("randomness must be a non-empty string naming what each trial redraws")
    if trials == 1:
        return f"One trial, so no band (randomness: {randomness.strip()})."
    width = {1.0: "one standard deviation", 2.0: "two standard deviations"}.get(BAND, f"{BAND:g} standard deviations")
    return (f"Lines: mean over {trials} independent trials; bands: ± {width} "
            f"(randomness: {randomness.strip()}).")


def band(ax: Any, x: Any, values: Any, *, label: str | None = None, color: str | None = None,
         **line_kwargs: Any) -> Any:
    """Plot the mean over trials (axis 0 of ``values``) with a shaded ``mean ± BAND·std`` band.

    The band shows the spread over independent trials (fresh embeddings and, where
    there is data, fresh samples); :func:`band_caption` words it for the caption.
    With one trial only the line is drawn. On a log y-axis, the part of the band
    below zero is not drawn.

    ``ax`` is a matplotlib ``Axes``; ``x`` holds ``n`` finite reals and ``values`` is
    ``[trials, n]`` (or ``[n]``, one trial) of finite reals; ``line_kwargs`` go to ``ax.plot``.
    """
    if "k" in line_kwargs:
        raise TypeError("band() has no k: the book uses one band width, amtools.plotting.BAND standard deviations")
    k = BAND
    _check_axes(ax)
    v = _real_array(values, "values", ndim=(1, 2))
    if v.ndim == 1:
        v = v[None]
    xs = _real_array(x, "x")
    if v.shape[-1] != xs.shape[0]:
        raise ValueError(f"values has {v.shape[-1]} columns but x has {xs.shape[0]} points")
    _check_label(label)
    _check_color(color)
    mean = v.mean(axis=0)
    try:
        (line,) = ax.plot(xs, mean, label=label, color=color, **line_kwargs)
    except AttributeError as err:   # matplotlib's answer to an unknown keyword
        raise TypeError(f"band() got a keyword that a matplotlib line does not take: {err}") from None
    if v.shape[0] > 1:
        std = v.std(axis=0, ddof=1)
        lo = mean - k * std
        if ax.get_yscale() == "log":
            lo = np.where(lo > 0, lo, np.nan)
        ax.fill_between(xs, lo, mean + k * std, color=line.get_color(), alpha=0.2, linewidth=0)
    return line


def guide_line(ax: Any, x: Sequence[float], exponent: float, prefactor: float, *,
               label: str | None = None, color: str = "#555555") -> Any:
    """Dashed reference line ``y = prefactor * x**exponent`` (a theory slope on log-log axes).

    ``x`` holds positive finite reals (the points of a log axis); ``exponent`` and
    ``prefactor`` are finite reals.
    """
    from ._validate import as_real

    _check_axes(ax)
    xs = _real_array(x, "x")
    if (xs <= 0).any():
        raise ValueError(f"x must be positive (a log axis), smallest entry {xs.min():.3g}")
    exponent = as_real(exponent, "exponent")
    prefactor = as_real(prefactor, "prefactor")
    _check_label(label)
    _check_color(color, optional=False)
    with np.errstate(over="ignore"):
        ys = prefactor * xs ** exponent
    if not np.isfinite(ys).all():
        raise ValueError(f"prefactor * x**exponent overflows for exponent={exponent:g}, prefactor={prefactor:g}")
    (line,) = ax.plot(xs, ys, linestyle="--", color=color,
                      linewidth=1.2, label=label)
    return line


def plain_log_ticks(ax: Any, x: Sequence[float] | None = None, y: Sequence[float] | None = None) -> Any:
    """Label a log axis at the given values with plain numbers, and drop the minor labels.

    Useful when an axis spans less than two decades, where matplotlib's default
    labels (``2x10^1, 3x10^1, ...``) overlap. ``x`` and ``y`` are 1-D sequences, arrays
    or tensors of positive finite reals, or ``None`` to leave that axis alone.
    """
    from matplotlib.ticker import FixedLocator, NullFormatter, ScalarFormatter

    _check_axes(ax)
    checked = []
    for name, ticks, axis in (("x", x, ax.xaxis), ("y", y, ax.yaxis)):
        if ticks is None:
            continue
        if isinstance(ticks, (list, tuple)) and not ticks:
            raise ValueError(f"{name} ticks must be non-empty and positive (log axis)")
        arr = _real_array(ticks, f"{name} ticks")
        if (arr <= 0).any():
            raise ValueError(f"{name} ticks must be non-empty and positive (log axis)")
        checked.append((arr.tolist(), axis))
    for values, axis in checked:        # all checked before either axis changes
        axis.set_major_locator(FixedLocator(values))
        formatter = ScalarFormatter()
        formatter.set_scientific(False)
        axis.set_major_formatter(formatter)
        axis.set_minor_formatter(NullFormatter())
    return ax
