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


def _np(x: Any) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().double().numpy()
    return np.asarray(x, dtype=float)


#: The book's one error-band convention: mean ± BAND standard deviations over independent trials
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
    """
    if "k" in line_kwargs:
        raise TypeError("band() has no k: the book uses one band width, amtools.plotting.BAND standard deviations")
    k = BAND
    v = _np(values)
    if v.ndim == 1:
        v = v[None]
    xs = _np(x)
    if v.shape[-1] != xs.shape[0]:
        raise ValueError(f"values has {v.shape[-1]} columns but x has {xs.shape[0]} points")
    mean = v.mean(axis=0)
    (line,) = ax.plot(xs, mean, label=label, color=color, **line_kwargs)
    if v.shape[0] > 1:
        std = v.std(axis=0, ddof=1)
        lo = mean - k * std
        if ax.get_yscale() == "log":
            lo = np.where(lo > 0, lo, np.nan)
        ax.fill_between(xs, lo, mean + k * std, color=line.get_color(), alpha=0.2, linewidth=0)
    return line


def guide_line(ax: Any, x: Sequence[float], exponent: float, prefactor: float, *,
               label: str | None = None, color: str = "#555555") -> Any:
    """Dashed reference line ``prefactor * x**exponent`` (a theory slope on log-log axes)."""
    xs = _np(x)
    (line,) = ax.plot(xs, prefactor * xs ** exponent, linestyle="--", color=color,
                      linewidth=1.2, label=label)
    return line


def plain_log_ticks(ax: Any, x: Sequence[float] | None = None, y: Sequence[float] | None = None) -> Any:
    """Label a log axis at the given values with plain numbers, and drop the minor labels.

    Useful when an axis spans less than two decades, where matplotlib's default
    labels (``2x10^1, 3x10^1, ...``) overlap.
    """
    from matplotlib.ticker import FixedLocator, NullFormatter, ScalarFormatter

    for name, ticks, axis in (("x", x, ax.xaxis), ("y", y, ax.yaxis)):
        if ticks is None:
            continue
        values = [float(t) for t in ticks]
        if not values or any(v <= 0 for v in values):
            raise ValueError(f"{name} ticks must be non-empty and positive (log axis)")
        axis.set_major_locator(FixedLocator(values))
        formatter = ScalarFormatter()
        formatter.set_scientific(False)
        axis.set_major_formatter(formatter)
        axis.set_minor_formatter(NullFormatter())
    return ax
