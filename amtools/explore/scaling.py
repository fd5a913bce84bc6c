"""Scaling explorer: the error of a storage scheme around one point (d, T) (chapter data-meets-capacity)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from .._validate import as_choice, as_int, as_real
from ..storage import error_grid
from ..theory import data_exponent, power_exponent, threshold_exponent, unseen_mass
from ..zipf import zipf
from ._common import MAX_POINTS, _two_axes

__all__ = ["SCALING_SCHEMES", "ScalingView", "scaling_view", "plot_scaling_view", "scaling_explorer",
           "MAX_SAMPLES", "MAX_EMBEDDING_ENTRIES"]

# ---------------------------------------------------------------- scaling explorer
# Error as a function of (d, T) for a storage scheme (chapter "When data meets capacity").

#: Schemes of the scaling explorer; ``"threshold"`` keeps the ``d // 8`` most frequent seen inputs.
SCALING_SCHEMES = ("threshold", "fill", "frequency")
#: Cap on ``trials * max(T, 10^4)``, the tokens :func:`scaling_view` samples (16 bytes each, 1.6 GB).
MAX_SAMPLES = 10**8
#: Cap on the floats of the embeddings and scores of one :func:`scaling_view` (4 bytes each, 1 GB).
MAX_EMBEDDING_ENTRIES = 2**28


@dataclass(frozen=True)
class ScalingView:
    """The error of one scheme around one point ``(d, T)``: the point and the two curves through it.

    ``errors_d[:, i]`` is the error at ``(ds[i], T)`` and ``errors_T[:, j]`` the error at
    ``(d, Ts[j])``, one row per trial; both come from one :func:`~amtools.error_grid` call, so the
    point ``(d, T)`` is the same number in both curves.
    """

    alpha: float
    scheme: str
    d: int
    T: int
    N: int
    M: int
    ds: tuple[int, ...]      #: dimensions of the d-curve (sorted, contains ``d``)
    Ts: tuple[int, ...]      #: data sizes of the T-curve (sorted, contains ``T``)
    errors_d: torch.Tensor   #: ``[trials, len(ds)]`` error against ``d`` at this ``T``
    errors_T: torch.Tensor   #: ``[trials, len(Ts)]`` error against ``T`` at this ``d``

    @property
    def errors(self) -> torch.Tensor:
        """Error at ``(d, T)``, one entry per trial."""
        return self.errors_d[:, self.ds.index(self.d)]

    @property
    def mean(self) -> float:
        return float(self.errors.mean())

    @property
    def std(self) -> float:
        return float(self.errors.std()) if self.errors.numel() > 1 else 0.0


def _log_grid(low: int, high: int, points: int, include: int) -> tuple[int, ...]:
    """About ``points`` log-spaced integers in ``[low, high]``, plus ``include``, sorted and unique."""
    import numpy as np

    grid = np.unique(np.round(np.logspace(math.log10(low), math.log10(high), points)).astype(int))
    return tuple(sorted(set(int(v) for v in grid) | {int(include)}))


def _check_view_cost(N: int, M: int, d: int, T: int, trials: int, points: int) -> tuple[int, int]:
    """The memory caps of :func:`scaling_view`; returns ``(max(d, 1000), max(T, 10^4))``."""
    d_max, T_max = max(1000, d), max(10_000, T)
    if trials * T_max > MAX_SAMPLES:
        raise ValueError(f"T={T} with trials={trials} needs {16 * trials * T_max / 1e9:.3g} GB for the samples "
                         f"(16 B x trials x max(T, 10^4)); scaling_view caps trials x max(T, 10^4) at "
                         f"{MAX_SAMPLES:.0e}")
    entries = trials * ((N + M) * d_max + M * M + (points + 1) * M * min(N, 8192))
    if entries > MAX_EMBEDDING_ENTRIES:
        raise ValueError(f"N={N}, M={M}, d={d}, trials={trials} need about {entries:.3g} floats "
                         "(trials x ((N + M) x max(d, 1000) + M^2 + ...)), over the cap of "
                         f"{MAX_EMBEDDING_ENTRIES:.3g}: lower N, M, d or trials")
    return d_max, T_max


def scaling_view(alpha: float, scheme: str, d: int, T: int, *, N: int = 1000, M: int = 5,
                 trials: int = 10, seed: int = 0, points: int = 12) -> ScalingView:
    r"""Error of ``scheme`` at ``(d, T)`` and along the two lines through it, exactly over all inputs.

    .. math:: \mathcal E(d, T) = \sum_x p(x)\,\mathbf 1\{f_{W_q}(x) \neq x \bmod M\},\qquad
              p = \mathrm{zipf}(N, \alpha),

    with ``q`` from ``T`` samples: ``"threshold"`` keeps the :math:`\lfloor d/8\rfloor` most
    frequent seen inputs with equal weight (:math:`\rho = 0`), ``"fill"`` every seen input
    with equal weight, ``"frequency"`` every input with weight :math:`\hat p(x)`. The d-curve
    runs over ``points`` log-spaced dimensions in ``[min(10, d), max(1000, d)]`` and the T-curve
    over ``[min(10, T), max(10^4, T)]``, both including the point. Pure: the same arguments give
    the same result (own seeded generator, CPU).

    Memory (checked before anything is drawn, so a wrong order of magnitude fails at once):
    the samples take 16 bytes per token, ``16 * trials * max(T, 10^4)`` bytes, capped by
    ``trials * max(T, 10^4) <= MAX_SAMPLES`` (:data:`MAX_SAMPLES` = 10^8, 1.6 GB); the embeddings
    and scores take about ``trials * ((N + M) * max(d, 1000) + M^2 + K * M * min(N, 8192))``
    floats (``K`` data sizes), capped by :data:`MAX_EMBEDDING_ENTRIES` (2^28, about 1 GB).
    """
    alpha = as_real(alpha, "alpha", minimum=0.0)
    scheme = as_choice(scheme, "scheme", SCALING_SCHEMES)
    d = as_int(d, "d", minimum=1)
    T = as_int(T, "T", minimum=1)
    N = as_int(N, "N", minimum=1)
    M = as_int(M, "M", minimum=2)
    trials = as_int(trials, "trials", minimum=1)
    seed = as_int(seed, "seed", minimum=0)
    points = as_int(points, "points", minimum=2, maximum=MAX_POINTS)
    d_max, T_max = _check_view_cost(N, M, d, T, trials, points)
    ds = _log_grid(min(10, d), d_max, points, d)
    Ts = _log_grid(min(10, T), T_max, points, T)
    extra: dict[str, Any] = dict(rho=0.0, top=lambda k: k // 8) if scheme == "threshold" else {}
    err = error_grid(N, M, alpha, ds, Ts, scheme, trials=trials, seed=seed, device="cpu", **extra)
    return ScalingView(alpha, scheme, d, T, N, M, ds, Ts,
                       errors_d=err[:, :, Ts.index(T)].clone(), errors_T=err[:, ds.index(d), :].clone())


def _memory_guide(alpha: float, scheme: str) -> tuple[float, str] | None:
    """Theoretical exponent of the error in ``d`` (infinite data), or None where there is none."""
    if alpha <= 1 or scheme == "fill":
        return None
    if scheme == "threshold":
        return threshold_exponent(alpha), r"$d^{-(\alpha-1)}$"
    return power_exponent(alpha, 1.0), r"$d^{-(\alpha-1)/2\alpha}$"  # frequency: q = p


def plot_scaling_view(view: ScalingView, axes: Any = None) -> Any:
    """Two log-log panels: error against ``d`` at this ``T``, and against ``T`` at this ``d``.

    Mean ± one standard deviation over the trials (embeddings and data are redrawn in each
    trial); the point ``(d, T)`` is marked in both panels. Dashed: the theory slope of the
    scheme (where there is one) and of the data term; dotted: the data floor
    :math:`(1 - 1/M)\\sum_x p(x)(1-p(x))^T`. Returns the two axes.
    """
    import matplotlib.pyplot as plt

    from ..plotting import band, guide_line

    if not isinstance(view, ScalingView):
        raise TypeError(f"view must be a ScalingView, got {type(view).__name__}")
    created = axes is None
    if created:
        _, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    ax_d, ax_T = _two_axes(axes)
    for ax in (ax_d, ax_T):
        ax.set_xscale("log")
        ax.set_yscale("log")
    band(ax_d, view.ds, view.errors_d, label=f"T = {view.T}")
    band(ax_T, view.Ts, view.errors_T, label=f"d = {view.d}")
    for ax, x in ((ax_d, view.d), (ax_T, view.T)):
        ax.plot([x], [view.mean], "o", color="#000000", ms=6, zorder=5, label=f"error {view.mean:.3g}")
    guide = _memory_guide(view.alpha, view.scheme)
    first = float(view.errors_d[:, 0].mean())
    if guide is not None and first > 0:
        slope, name = guide
        guide_line(ax_d, view.ds, slope, first / view.ds[0] ** slope, label=f"slope {slope:.2g}: {name}")
    p = zipf(view.N, view.alpha)
    floor = (1 - 1 / view.M) * unseen_mass(p, list(view.Ts))
    ax_T.plot(view.Ts, floor.numpy(), ":", color="#555555", label="data floor")
    first_T = float(view.errors_T[:, 0].mean())
    if view.alpha > 1 and first_T > 0:
        slope = data_exponent(view.alpha)
        guide_line(ax_T, view.Ts, slope, first_T / view.Ts[0] ** slope, label=f"slope {slope:.2g}")
    ax_d.set(xlabel="dimension d", ylabel="generalization error",
             title=f"{view.scheme}, α = {view.alpha:g}: error vs d at T = {view.T}")
    ax_T.set(xlabel="samples T", ylabel="generalization error",
             title=f"error vs T at d = {view.d} (point: {view.mean:.3g} ± {view.std:.2g})")
    ax_d.legend(fontsize=8)
    ax_T.legend(fontsize=8)
    if created:
        ax_d.figure.tight_layout()
    return axes


def scaling_explorer(N: int = 1000, M: int = 5, trials: int = 10) -> Any:
    """An ipywidgets panel over ``(alpha, scheme, d, T)`` calling :func:`scaling_view`."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    N = as_int(N, "N", minimum=1)  # validate now: errors inside the widget callback are swallowed
    M = as_int(M, "M", minimum=2)
    trials = as_int(trials, "trials", minimum=1)
    _check_view_cost(N, M, 1000, 10_000, trials, 12)   # the sliders' largest d and T

    def show(alpha: float, scheme: str, d: int, T: int) -> None:
        plot_scaling_view(scaling_view(alpha, scheme, d, T, N=N, M=M, trials=trials))
        plt.show()

    return widgets.interactive(
        show,
        alpha=widgets.FloatSlider(value=2.0, min=0.5, max=3.0, step=0.25, description="alpha",
                                  continuous_update=False),
        scheme=widgets.Dropdown(options=list(SCALING_SCHEMES), value="threshold", description="scheme"),
        d=widgets.SelectionSlider(options=[10, 20, 50, 100, 200, 500, 1000], value=100,
                                  description="dimension d", continuous_update=False),
        T=widgets.SelectionSlider(options=[10, 30, 100, 300, 1000, 3000, 10000], value=1000,
                                  description="samples T", continuous_update=False),
    )
