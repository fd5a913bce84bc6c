"""Interactive explorers: pure, tested callbacks plus thin ipywidgets wiring.

The callbacks compute; the widgets only call them and draw. In the static HTML
book (no kernel), chapters show the same callbacks' output as a fixed figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import torch

from ._validate import as_int, as_real
from .embeddings import random_embeddings
from .memory import decode, memory_matrix, scores
from .storage import error_grid
from .theory import data_exponent, power_exponent, threshold_exponent, unseen_mass
from .zipf import zipf

__all__ = ["RecallResult", "stored_recall", "recall_grid", "plot_recall", "capacity_explorer",
           "SCALING_SCHEMES", "ScalingView", "scaling_view", "plot_scaling_view", "scaling_explorer"]


@dataclass(frozen=True)
class RecallResult:
    """Outcome of storing ``n_stored`` associations in a ``d x d`` memory."""

    n_stored: int
    d: int
    M: int
    accuracy: torch.Tensor   #: fraction of stored inputs decoded right, one per trial
    probs: torch.Tensor      #: softmax of the scores of trial 0, ``[n_stored, M]``

    @property
    def mean(self) -> float:
        return float(self.accuracy.mean())

    @property
    def perfect(self) -> float:
        """Fraction of trials in which *every* stored input is decoded right."""
        return float((self.accuracy == 1).double().mean())

    @property
    def std(self) -> float:
        return float(self.accuracy.std()) if self.accuracy.numel() > 1 else 0.0


def stored_recall(n_stored: int, d: int, *, M: int = 5, trials: int = 20, seed: int = 0,
                  kind: str = "gaussian") -> RecallResult:
    r"""Store ``x -> x mod M`` for ``x < n_stored`` with equal weights ``q = 1`` and decode.

    .. math:: W = \sum_{x < n} u_{x \bmod M}\, e_x^\top,\qquad
              \text{accuracy} = \frac1n \sum_{x<n} \mathbf 1\{f_W(x) = x \bmod M\}

    Pure: the same arguments give the same result (own seeded generator).
    """
    n_stored = as_int(n_stored, "n_stored", minimum=1)
    d = as_int(d, "d", minimum=1)
    M = as_int(M, "M", minimum=2)
    trials = as_int(trials, "trials", minimum=1)
    seed = as_int(seed, "seed", minimum=0)
    gen = torch.Generator().manual_seed(seed)
    E = random_embeddings(n_stored, d, trials, kind, gen)
    U = random_embeddings(M, d, trials, kind, gen)
    targets = torch.arange(n_stored) % M
    W = memory_matrix(torch.ones(n_stored), E, U, targets)
    pred = decode(W, E, U)
    accuracy = (pred == targets).double().mean(dim=-1)
    probs = torch.softmax(scores(W[:1], E[:1], U[:1])[0].double(), dim=-1)
    return RecallResult(n_stored, d, M, accuracy, probs)


def recall_grid(ns: Sequence[int], ds: Sequence[int], *, M: int = 5, trials: int = 20,
                seed: int = 0, kind: str = "gaussian",
                statistic: str = "mean") -> torch.Tensor:
    """:func:`stored_recall` on a grid: ``Tensor[len(ns), len(ds)]``.

    ``statistic="mean"``: mean fraction of stored inputs recalled (average recall);
    ``statistic="perfect"``: fraction of trials that recall *all* stored inputs.
    """
    if len(ns) == 0 or len(ds) == 0:
        raise ValueError("ns and ds must be non-empty")
    if statistic not in ("mean", "perfect"):
        raise ValueError(f"statistic must be 'mean' or 'perfect', got {statistic!r}")
    out = torch.empty(len(ns), len(ds), dtype=torch.float64)
    for i, n in enumerate(ns):
        for j, d in enumerate(ds):
            result = stored_recall(int(n), int(d), M=M, trials=trials, seed=seed, kind=kind)
            out[i, j] = result.mean if statistic == "mean" else result.perfect
    return out


def plot_recall(result: RecallResult, ax: Any = None) -> Any:
    """Heat map of ``softmax(u_y^T W e_x)`` for the stored inputs, right outputs boxed."""
    import matplotlib.pyplot as plt

    if not isinstance(result, RecallResult):
        raise TypeError(f"result must be a RecallResult, got {type(result).__name__}")
    if ax is None:
        _, ax = plt.subplots(figsize=(4.0, 4.5))
    n = result.n_stored
    ax.imshow(result.probs.numpy(), aspect="auto", vmin=0, vmax=1, interpolation="nearest")
    ax.scatter(torch.arange(n) % result.M, torch.arange(n), marker="s", s=max(4, 400 / n),
               facecolors="none", edgecolors="#D55E00", linewidths=1.0)
    ax.set_xlabel("output y")
    ax.set_ylabel("stored input x")
    ax.set_xticks(range(result.M))
    ax.grid(False)
    ax.set_title(f"n = {n}, d = {result.d}: {100 * result.mean:.0f}% ± {100 * result.std:.0f}% recalled",
                 fontsize=10)
    return ax


def capacity_explorer(M: int = 5, trials: int = 20) -> Any:
    """An ipywidgets panel: sliders for the number stored and ``d``, calling :func:`stored_recall`."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    M = as_int(M, "M", minimum=2)  # validate now: errors inside the widget callback are swallowed
    trials = as_int(trials, "trials", minimum=1)

    def show(n_stored: int, d: int) -> None:
        plot_recall(stored_recall(n_stored, d, M=M, trials=trials))
        plt.show()

    return widgets.interactive(
        show,
        n_stored=widgets.IntSlider(value=20, min=1, max=200, step=1, description="stored n"),
        d=widgets.IntSlider(value=32, min=2, max=256, step=2, description="dimension d"),
    )


# ---------------------------------------------------------------- scaling explorer
# Error as a function of (d, T) for a storage scheme (chapter "When data meets capacity").

#: Schemes of the scaling explorer; ``"threshold"`` keeps the ``d // 8`` most frequent seen inputs.
SCALING_SCHEMES = ("threshold", "fill", "frequency")


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
    the same result (own seeded generator, CPU). Memory is about ``trials * N * max(ds)`` floats.
    """
    alpha = as_real(alpha, "alpha", minimum=0.0)
    if not isinstance(scheme, str) or scheme not in SCALING_SCHEMES:
        raise ValueError(f"scheme must be one of {SCALING_SCHEMES}, got {scheme!r}")
    d = as_int(d, "d", minimum=1)
    T = as_int(T, "T", minimum=1)
    N = as_int(N, "N", minimum=1)
    M = as_int(M, "M", minimum=2)
    trials = as_int(trials, "trials", minimum=1)
    seed = as_int(seed, "seed", minimum=0)
    points = as_int(points, "points", minimum=2)
    ds = _log_grid(min(10, d), max(1000, d), points, d)
    Ts = _log_grid(min(10, T), max(10_000, T), points, T)
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

    from .plotting import band, guide_line

    if not isinstance(view, ScalingView):
        raise TypeError(f"view must be a ScalingView, got {type(view).__name__}")
    created = axes is None
    if created:
        _, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    if len(axes) != 2:
        raise ValueError(f"axes must hold two matplotlib axes, got {len(axes)}")
    ax_d, ax_T = axes[0], axes[1]
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
