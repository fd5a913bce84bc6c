"""Interactive explorers: pure, tested callbacks plus thin ipywidgets wiring.

The callbacks compute; the widgets only call them and draw. In the static HTML
book (no kernel), chapters show the same callbacks' output as a fixed figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import torch

from ._validate import as_choice, as_int, as_real, as_sizes
from .embeddings import EMBEDDING_KINDS, random_embeddings
from .memory import decode, memory_matrix, scores
from .storage import error_grid
from .theory import data_exponent, power_exponent, threshold_exponent, unseen_mass
from .zipf import zipf

__all__ = ["RecallResult", "stored_recall", "recall_grid", "plot_recall", "capacity_explorer",
           "SCALING_SCHEMES", "ScalingView", "scaling_view", "plot_scaling_view", "scaling_explorer",
           "MAX_RECALL_ENTRIES", "MAX_SAMPLES", "MAX_EMBEDDING_ENTRIES",
           "HopfieldView", "hopfield_view", "plot_hopfield_view", "hopfield_explorer", "MAX_HOPFIELD_ENTRIES",
           "HOPFIELD_ALPHA_C"]

#: Cap on ``trials * ((n_stored + M) * d + d * d)``, the number of floats :func:`stored_recall`
#: holds at once (embeddings and the ``d x d`` memories; 4 bytes each, about 1 GB at the cap).
MAX_RECALL_ENTRIES = 2**28


def _check_recall_sizes(n_stored: int, d: int, M: int, trials: int, kind: str) -> None:
    """Capacity of orthonormal embeddings and the memory cap, named by the caller's arguments."""
    if kind == "orthonormal":
        if n_stored > d:
            raise ValueError(f"kind='orthonormal' needs n_stored <= d (one orthonormal input vector each), "
                             f"got n_stored={n_stored} > d={d}")
        if M > d:
            raise ValueError(f"kind='orthonormal' needs M <= d (one orthonormal output vector each), "
                             f"got M={M} > d={d}")
    entries = trials * ((n_stored + M) * d + d * d)
    if entries > MAX_RECALL_ENTRIES:
        raise ValueError(f"n_stored={n_stored}, d={d}, M={M}, trials={trials} need {entries:.3g} floats "
                         f"(trials x ((n_stored + M) x d + d x d)), over the cap of {MAX_RECALL_ENTRIES:.3g}: "
                         "lower d, n_stored or trials")


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

    Pure: the same arguments give the same result (own seeded generator). Memory: about
    ``trials * ((n_stored + M) * d + d * d)`` floats, capped at :data:`MAX_RECALL_ENTRIES`.
    ``kind="orthonormal"`` needs ``n_stored <= d`` and ``M <= d``.
    """
    n_stored = as_int(n_stored, "n_stored", minimum=1)
    d = as_int(d, "d", minimum=1)
    M = as_int(M, "M", minimum=2)
    trials = as_int(trials, "trials", minimum=1)
    seed = as_int(seed, "seed", minimum=0)
    kind = as_choice(kind, "kind", EMBEDDING_KINDS)
    _check_recall_sizes(n_stored, d, M, trials, kind)
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
    ``ns`` and ``ds`` are lists, tuples, 1-D tensors or NumPy arrays of integers >= 1
    (``8.0`` counts as 8; ``2.5``, NaN or a scalar are refused). Every argument is checked
    before the first cell is computed.
    """
    ns = [int(n) for n in as_sizes(ns, "ns")]
    ds = [int(d) for d in as_sizes(ds, "ds")]
    M = as_int(M, "M", minimum=2)
    trials = as_int(trials, "trials", minimum=1)
    seed = as_int(seed, "seed", minimum=0)
    kind = as_choice(kind, "kind", EMBEDDING_KINDS)
    statistic = as_choice(statistic, "statistic", ("mean", "perfect"))
    if kind == "orthonormal" and max(max(ns), M) > min(ds):
        raise ValueError(f"kind='orthonormal' needs every n in ns and M <= every d in ds, got "
                         f"max(ns)={max(ns)}, M={M} and min(ds)={min(ds)}")
    for n in ns:
        for d in ds:
            try:
                _check_recall_sizes(n, d, M, trials, kind)
            except ValueError as err:
                raise ValueError(f"ns and ds: the cell (n={n}, d={d}) is too large: {err}") from None
    out = torch.empty(len(ns), len(ds), dtype=torch.float64)
    for i, n in enumerate(ns):
        for j, d in enumerate(ds):
            result = stored_recall(n, d, M=M, trials=trials, seed=seed, kind=kind)
            out[i, j] = result.mean if statistic == "mean" else result.perfect
    return out


def plot_recall(result: RecallResult, ax: Any = None) -> Any:
    """Heat map of ``softmax(u_y^T W e_x)`` for the stored inputs, right outputs boxed."""
    import matplotlib.pyplot as plt

    from .plotting import _check_axes

    if not isinstance(result, RecallResult):
        raise TypeError(f"result must be a RecallResult, got {type(result).__name__}")
    if ax is None:
        _, ax = plt.subplots(figsize=(4.0, 4.5))
    else:
        _check_axes(ax, "ax")
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
    _check_recall_sizes(200, 256, M, trials, "gaussian")   # the sliders' largest n and d

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
#: Cap on ``trials * max(T, 10^4)``, the tokens :func:`scaling_view` samples (16 bytes each: 1.6 GB).
MAX_SAMPLES = 10**8
#: Cap on the floats of the embeddings and scores of one :func:`scaling_view` (4 bytes each: 1 GB).
MAX_EMBEDDING_ENTRIES = 2**28
#: Largest ``points`` per curve of :func:`scaling_view`.
MAX_POINTS = 100


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


# ---------------------------------------------------------------- Hopfield explorer
# Recall overlap against the load K/N of a classical Hopfield network (chapter "Classical Hopfield
# networks"). Dimension letters: N units, K stored patterns, trials independent networks.

#: Cap on the floats of the Hebbian matrices one recall call holds, ``loads x trials x N x N``
#: (float32, 4 bytes each: 256 MB); :func:`hopfield_view` splits its loads into chunks below it.
MAX_HOPFIELD_ENTRIES = 2**26
#: Largest ``sweeps`` of :func:`hopfield_view` (asynchronous recall converges in a few sweeps).
MAX_SWEEPS = 1000
#: Capacity of the Hopfield network with a small fraction of wrong bits, :math:`K/N = 0.138`
#: (Amit, Gutfreund and Sompolinsky 1985), marked on the explorer's figure.
HOPFIELD_ALPHA_C = 0.138


@dataclass(frozen=True)
class HopfieldView:
    """Final overlaps of a recall probe against the load, one row per independent network.

    Trial ``t`` draws ``max(Ks)`` patterns; at each ``K`` in ``Ks`` the network stores the first ``K``
    of them (nested loads) and recalls from pattern 1 (with a fraction ``flips`` of its bits flipped);
    ``overlaps[t, j]`` is :math:`m = s \\cdot \\xi^1 / N` after the recall at ``Ks[j]``.
    """

    load: float              #: requested load (the point is ``K = max(1, round(load * N))``)
    N: int
    bias: float              #: mean of every pattern bit, :math:`P(\xi_i = +1) = (1 + \text{bias})/2`
    flips: float             #: fraction of the probe's bits flipped before the recall
    sweeps: int
    Ks: tuple[int, ...]      #: numbers of stored patterns (sorted, contains ``K``)
    overlaps: torch.Tensor   #: ``[trials, len(Ks)]`` final overlaps (float64)

    @property
    def K(self) -> int:
        """Number of stored patterns at the point: ``max(1, round(load * N))``."""
        return max(1, round(self.load * self.N))

    @property
    def loads(self) -> torch.Tensor:
        """``Ks / N`` (float64)."""
        return torch.tensor(self.Ks, dtype=torch.float64) / self.N

    @property
    def at_point(self) -> torch.Tensor:
        """Final overlap at ``K``, one entry per trial."""
        return self.overlaps[:, self.Ks.index(self.K)]

    @property
    def mean(self) -> float:
        return float(self.at_point.mean())

    @property
    def std(self) -> float:
        return float(self.at_point.std()) if self.at_point.numel() > 1 else 0.0


def _hopfield_grid(K: int, N: int, points: int, max_load: float) -> tuple[int, ...]:
    """``points`` equally spaced numbers of patterns up to ``max(max_load, K/N) * N``, plus ``K``."""
    import numpy as np

    top = max(max_load * N, K)
    grid = np.maximum(1, np.round(np.linspace(top / points, top, points))).astype(int)
    return tuple(sorted(set(int(k) for k in grid) | {K}))


def hopfield_view(load: float, N: int, *, bias: float = 0.0, flips: float = 0.0, trials: int = 20,
                  seed: int = 0, points: int = 12, max_load: float = 0.3, sweeps: int = 10) -> HopfieldView:
    r"""Overlap after asynchronous recall against the load :math:`K/N`, for one probe per network.

    .. math:: W = \frac1N \sum_{\mu \le K} \xi^\mu \xi^{\mu\top}\ (W_{ii} = 0),\qquad
              s \leftarrow \text{recall}(W, \tilde\xi^1),\qquad m = s \cdot \xi^1 / N

    with :func:`amtools.hopfield.hebbian` and :func:`amtools.hopfield.recall` (at most ``sweeps``
    sweeps). Pattern bits are i.i.d. with :math:`P(\xi_i = +1) = (1 + \text{bias})/2` (``bias = 0``:
    random patterns; ``bias > 0``: patterns that share a common component, with pairwise overlaps
    about :math:`\text{bias}^2`); the probe :math:`\tilde\xi^1` is pattern 1 with ``round(flips * N)``
    bits flipped at random. The loads are ``points`` equally spaced values of ``K`` up to
    ``max(max_load, load) * N``, plus the point ``K = max(1, round(load * N))``; the loads of one trial
    are nested (the first ``K`` patterns of one draw). Pure: the same arguments give the same result
    (own seeded generator, CPU, float32). Memory: ``trials * N * N`` floats per load, capped at
    :data:`MAX_HOPFIELD_ENTRIES` (the loads are processed in chunks under the cap).
    """
    from .hopfield import hebbian, overlap, recall

    load = as_real(load, "load", minimum=0.0, strict=True, maximum=1.0)
    N = as_int(N, "N", minimum=2)
    bias = as_real(bias, "bias", minimum=0.0)
    if bias >= 1.0:
        raise ValueError(f"bias must be < 1 (bias = 1 makes every pattern all +1), got {bias}")
    flips = as_real(flips, "flips", minimum=0.0, maximum=1.0)
    trials = as_int(trials, "trials", minimum=1)
    seed = as_int(seed, "seed", minimum=0)
    points = as_int(points, "points", minimum=2, maximum=MAX_POINTS)
    max_load = as_real(max_load, "max_load", minimum=0.0, strict=True, maximum=1.0)
    sweeps = as_int(sweeps, "sweeps", minimum=0, maximum=MAX_SWEEPS)
    per_load = trials * N * N
    if per_load > MAX_HOPFIELD_ENTRIES:
        raise ValueError(f"N={N} with trials={trials} needs {per_load:.3g} floats per load (trials x N x N), "
                         f"over the cap of {MAX_HOPFIELD_ENTRIES:.3g}: lower N or trials")
    K = max(1, round(load * N))
    Ks = _hopfield_grid(K, N, points, max_load)
    gen = torch.Generator().manual_seed(seed)
    X = torch.where(torch.rand(trials, Ks[-1], N, generator=gen) < (1 + bias) / 2, 1.0, -1.0)  # [trials, K, N]
    target = X[:, 0]                                                                          # [trials, N]
    flipped = torch.rand(trials, N, generator=gen).argsort(-1)[:, :round(flips * N)]
    probe = target.scatter(1, flipped, -target.gather(1, flipped))
    chunk = max(1, MAX_HOPFIELD_ENTRIES // per_load)
    rows = []
    for start in range(0, len(Ks), chunk):
        part = Ks[start:start + chunk]
        W = torch.stack([hebbian(X[:, :k]) for k in part])                                   # [c, trials, N, N]
        final = recall(W, probe.expand(len(part), trials, N), sweeps=sweeps, generator=gen)
        rows.append(overlap(final, target))                                                   # [c, trials]
    overlaps = torch.cat(rows).T.contiguous().double()                                        # [trials, len(Ks)]
    return HopfieldView(load, N, bias, flips, sweeps, Ks, overlaps)


def plot_hopfield_view(view: HopfieldView, ax: Any = None) -> Any:
    """Final overlap against the load: mean ± one standard deviation over the networks.

    The point ``(K/N, mean)`` is marked; the dashed line marks :data:`HOPFIELD_ALPHA_C`; for random
    patterns and an exact probe (``bias = flips = 0``) the dotted line is the overlap after one
    synchronous step, :math:`1 - 2P` with :math:`P` = :func:`amtools.hopfield.flip_probability`.
    Returns the axes.
    """
    import matplotlib.pyplot as plt

    from .hopfield import flip_probability
    from .plotting import _check_axes, band

    if not isinstance(view, HopfieldView):
        raise TypeError(f"view must be a HopfieldView, got {type(view).__name__}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 4.0))
    else:
        _check_axes(ax, "ax")
    loads = view.loads
    band(ax, loads.numpy(), view.overlaps.numpy(), label=f"N = {view.N}: after recall")
    if view.bias == 0 and view.flips == 0:
        ax.plot(loads.numpy(), (1 - 2 * flip_probability(loads)).numpy(), ":", color="#555555",
                label="one synchronous step, 1 - 2P")
    ax.axvline(HOPFIELD_ALPHA_C, ls="--", color="#999999", lw=1, label=f"K/N = {HOPFIELD_ALPHA_C}")
    ax.plot([view.K / view.N], [view.mean], "o", color="#000000", ms=6, zorder=5,
            label=f"K = {view.K}: {view.mean:.3f} ± {view.std:.2g}")
    ax.set(xlabel="load K/N", ylabel="overlap with the pattern after recall",
           title=f"N = {view.N}, bias {view.bias:g}, probe flips {view.flips:g}")
    ax.set_ylim(min(-0.05, float(view.overlaps.min()) - 0.05), 1.05)
    ax.legend(fontsize=8, loc="lower left")
    return ax


def hopfield_explorer(trials: int = 20) -> Any:
    """An ipywidgets panel over ``(load, N, bias, flips)`` calling :func:`hopfield_view`."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    trials = as_int(trials, "trials", minimum=1)  # validate now: errors inside the widget callback are swallowed
    sizes = [100, 200, 500]
    if trials * max(sizes) ** 2 > MAX_HOPFIELD_ENTRIES:
        raise ValueError(f"trials={trials} is too many for the explorer's largest N = {max(sizes)} "
                         f"(trials x N x N must stay under {MAX_HOPFIELD_ENTRIES:.3g})")

    def show(load: float, N: int, bias: float, flips: float) -> None:
        plot_hopfield_view(hopfield_view(load, N, bias=bias, flips=flips, trials=trials, points=10))
        plt.show()

    return widgets.interactive(
        show,
        load=widgets.FloatSlider(value=0.1, min=0.01, max=0.5, step=0.01, description="load K/N",
                                 continuous_update=False),
        N=widgets.SelectionSlider(options=sizes, value=200, description="units N", continuous_update=False),
        bias=widgets.FloatSlider(value=0.0, min=0.0, max=0.8, step=0.1, description="bias c",
                                 continuous_update=False),
        flips=widgets.FloatSlider(value=0.0, min=0.0, max=0.5, step=0.05, description="probe flips",
                                  continuous_update=False),
    )


# ============================================================================ memory units: the leaky key

__all__ += ["LeakView", "leak_view", "plot_leak_view", "leak_explorer", "MAX_LEAK_ENTRIES"]

#: Cap on ``trials * T * d``, the number of floats :func:`leak_view` draws (4 bytes each).
MAX_LEAK_ENTRIES = 2**24


@dataclass(frozen=True)
class LeakView:
    """Result of :func:`leak_view`: how far back a leaky-average key looks.

    ``lags`` ``[T]`` are ``j = 0..T-1``; ``weights`` ``[T]`` the coefficient of :math:`x_{T-j}` in the
    unit key (for orthonormal inputs); ``cosines`` ``[trials, T]`` the measured
    :math:`\\cos(k_T, k_{T-j})` for random inputs; ``theory`` ``[T]`` its expectation for
    orthonormal inputs.
    """

    leak: float
    T: int
    d: int
    lags: torch.Tensor
    weights: torch.Tensor
    cosines: torch.Tensor
    theory: torch.Tensor

    @property
    def half_life(self) -> float:
        r"""Lag at which the weight halves, :math:`\ln 2 / \ln(1/\lambda)` (0 for ``leak = 0``, inf for 1)."""
        if self.leak == 0.0:
            return 0.0
        if self.leak == 1.0:
            return math.inf
        return math.log(2) / -math.log(self.leak)


def leak_view(leak: float, *, T: int = 32, d: int = 64, trials: int = 20, seed: int = 0) -> LeakView:
    r"""How the leaky-average key of a memory unit mixes the past, for a leak :math:`\lambda \in [0, 1]`.

    .. math:: \bar k_T = \sum_{t \le T} \lambda^{T-t} x_t,\qquad k_T = \bar k_T / \lVert \bar k_T \rVert

    (:func:`amtools.mosaics.leaky_average`). For orthonormal inputs the weight of :math:`x_{T-j}` in
    :math:`k_T` is :math:`\lambda^j / \sqrt{\sum_{i<T} \lambda^{2i}}`, and
    :math:`\cos(k_T, k_{T-j}) = \lambda^j \sqrt{S_{T-j}/S_T}` with :math:`S_n = \sum_{i<n}\lambda^{2i}`.
    The measured cosines use ``trials`` sequences of ``T`` i.i.d. :math:`\mathcal N(0, I_d/d)` inputs
    (nearly orthonormal for large ``d``). Pure: the same arguments give the same result (own seeded
    generator, CPU, float64). ``trials * T * d`` is capped at :data:`MAX_LEAK_ENTRIES`.
    """
    from .mosaics import leaky_average

    leak = as_real(leak, "leak", minimum=0.0, maximum=1.0)
    T = as_int(T, "T", minimum=1)
    d = as_int(d, "d", minimum=1)
    trials = as_int(trials, "trials", minimum=1)
    seed = as_int(seed, "seed", minimum=0)
    if trials * T * d > MAX_LEAK_ENTRIES:
        raise ValueError(f"trials={trials}, T={T}, d={d} draw {trials * T * d:.3g} floats, over the cap of "
                         f"{MAX_LEAK_ENTRIES:.3g}: lower one of them")
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(trials, T, d, generator=gen, dtype=torch.float64) / math.sqrt(d)
    k = leaky_average(x, leak)
    k = k / k.norm(dim=-1, keepdim=True).clamp_min(1e-300)
    last = k[:, -1:, :]                                                   # [trials, 1, d]
    cosines = (k.flip(1) * last).sum(-1)                                  # [trials, T]: lag j = 0..T-1
    lags = torch.arange(T, dtype=torch.float64)
    powers = torch.tensor(leak, dtype=torch.float64).pow(lags)           # lambda^j (0^0 = 1)
    S = torch.cumsum(powers.square(), 0)                                  # S_n for n = 1..T
    weights = powers / S[-1].sqrt()
    theory = powers * (S.flip(0) / S[-1]).sqrt()                          # S_{T-j} / S_T
    return LeakView(leak, T, d, lags, weights, cosines, theory)


def plot_leak_view(view: LeakView, ax: Any = None) -> Any:
    """The weights of the past in the key and the cosine of the key with its past values, against the lag.

    Band: measured :math:`\\cos(k_T, k_{T-j})`, mean ± one standard deviation over the sequences;
    dotted: its orthonormal-input value; dashed: the weight of :math:`x_{T-j}`. Returns the axes.
    """
    import matplotlib.pyplot as plt

    from .plotting import _check_axes, band

    if not isinstance(view, LeakView):
        raise TypeError(f"view must be a LeakView, got {type(view).__name__}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 4.0))
    else:
        _check_axes(ax, "ax")
    lags = view.lags.numpy()
    band(ax, lags, view.cosines.numpy(), label=f"cos(k_T, k_T-j), d = {view.d}")
    ax.plot(lags, view.theory.numpy(), ":", color="#333333", label="orthonormal inputs")
    ax.plot(lags, view.weights.numpy(), "--", color="C1", label="weight of x_T-j in k_T")
    ax.set(xlabel="lag j", ylabel="cosine / weight", ylim=(-0.3, 1.05),
           title=f"leak {view.leak:.3g} (half-life {view.half_life:.3g} steps)")
    ax.legend(fontsize=8, loc="upper right")
    return ax


def leak_explorer(T: int = 32, trials: int = 20) -> Any:
    """An ipywidgets panel over the leak and the input dimension, calling :func:`leak_view`."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    T = as_int(T, "T", minimum=1)          # validate now: errors inside the widget callback are swallowed
    trials = as_int(trials, "trials", minimum=1)
    dims = [8, 64, 512]
    if trials * T * max(dims) > MAX_LEAK_ENTRIES:
        raise ValueError(f"T={T} with trials={trials} is too many for the explorer's largest d = {max(dims)} "
                         f"(trials x T x d must stay under {MAX_LEAK_ENTRIES:.3g})")

    def show(leak: float, d: int) -> None:
        plot_leak_view(leak_view(leak, T=T, d=d, trials=trials))
        plt.show()

    return widgets.interactive(
        show,
        leak=widgets.FloatSlider(value=0.6, min=0.0, max=1.0, step=0.05, description="leak λ",
                                 continuous_update=False),
        d=widgets.SelectionSlider(options=dims, value=64, description="dimension d", continuous_update=False),
    )


# ============================================================================ kernel regression (Memory Mosaics)

#: Largest ``n * points`` of :func:`bandwidth_view` (one weight per stored pair and grid point, float64).
MAX_BANDWIDTH_ENTRIES = 2**24


@dataclass(frozen=True)
class BandwidthView:
    """One draw of stored pairs on a line and the Nadaraya-Watson read-out at one ``beta``.

    ``keys``, ``values`` ``[n]`` (the stored pairs, sorted by key); ``grid`` ``[points]`` (queries in
    ``[0, 1]``); ``curve`` ``[points]`` (the read-out at ``beta``); ``nearest`` ``[points]`` (the value of
    the nearest key: the ``beta -> infinity`` limit); ``mean`` (the mean value: ``beta = 0``);
    ``target`` ``[points]`` (the noiseless function, :math:`\\sin 2\\pi k`).
    """

    beta: float
    n: int
    noise: float
    keys: torch.Tensor
    values: torch.Tensor
    grid: torch.Tensor
    curve: torch.Tensor
    nearest: torch.Tensor
    mean: float
    target: torch.Tensor

    @property
    def error(self) -> float:
        """Mean squared distance between the read-out and the noiseless function over the grid."""
        return float(((self.curve - self.target) ** 2).mean())


def bandwidth_view(beta: float, n: int, *, noise: float = 0.2, seed: int = 0, points: int = 200) -> BandwidthView:
    r"""Nadaraya-Watson read-out of ``n`` pairs :math:`(k_i, v_i)` on a line, at inverse squared bandwidth ``beta``.

    .. math:: k_i \sim U(0, 1),\quad v_i = \sin(2\pi k_i) + \text{noise}\cdot\varepsilon_i,\qquad
              f(q) = \sum_i \frac{e^{-\beta (q - k_i)^2}}{\sum_j e^{-\beta (q - k_j)^2}}\, v_i

    (:func:`amtools.mosaics.kernel_regression`), on ``points`` equally spaced queries in ``[0, 1]``.
    ``beta = 0`` gives the mean of the values; large ``beta`` the value of the nearest key. The draw
    depends on ``(n, noise, seed)`` only, so views at several ``beta`` share their pairs. Pure (own
    seeded generator, CPU, float64).
    """
    from .mosaics import kernel_regression

    beta = as_real(beta, "beta", minimum=0.0)
    n = as_int(n, "n", minimum=1)
    noise = as_real(noise, "noise", minimum=0.0)
    seed = as_int(seed, "seed", minimum=0)
    points = as_int(points, "points", minimum=2)
    if n * points > MAX_BANDWIDTH_ENTRIES:
        raise ValueError(f"n={n} with points={points} needs {n * points:.3g} weights (n x points), over the cap "
                         f"of {MAX_BANDWIDTH_ENTRIES:.3g}: lower n or points")
    gen = torch.Generator().manual_seed(seed)
    keys = torch.rand(n, generator=gen, dtype=torch.float64).sort().values
    values = torch.sin(2 * math.pi * keys) + noise * torch.randn(n, generator=gen, dtype=torch.float64)
    grid = torch.linspace(0.0, 1.0, points, dtype=torch.float64)
    curve = kernel_regression(keys[None, :, None], values[None, :, None], grid[:, None], beta)[:, 0]
    nearest = values[(grid[:, None] - keys[None, :]).abs().argmin(-1)]
    return BandwidthView(beta, n, noise, keys, values, grid, curve, nearest, float(values.mean()),
                         torch.sin(2 * math.pi * grid))


def plot_bandwidth_view(view: BandwidthView, ax: Any = None) -> Any:
    """The stored pairs (dots), the read-out at ``view.beta`` (line), and its two limits (mean, nearest key)."""
    import matplotlib.pyplot as plt

    from .plotting import _check_axes

    if not isinstance(view, BandwidthView):
        raise TypeError(f"view must be a BandwidthView, got {type(view).__name__}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 4.0))
    else:
        _check_axes(ax, "ax")
    g = view.grid.numpy()
    ax.plot(view.keys.numpy(), view.values.numpy(), "o", color="#888888", ms=3, label=f"{view.n} stored pairs")
    ax.plot(g, view.target.numpy(), ":", color="#000000", lw=1, label="sin(2 pi k), no noise")
    ax.axhline(view.mean, color="C1", ls="--", lw=1, label="beta = 0: mean value")
    ax.plot(g, view.nearest.numpy(), color="C2", lw=0.8, drawstyle="default", label="beta -> inf: nearest key")
    ax.plot(g, view.curve.numpy(), color="C0", lw=2, label=f"beta = {view.beta:g} (error {view.error:.3g})")
    ax.set(xlabel="key k (query q)", ylabel="value", title=f"Nadaraya-Watson read-out, n = {view.n}")
    ax.legend(fontsize=8, loc="lower left")
    return ax


def bandwidth_explorer(noise: float = 0.2) -> Any:
    """An ipywidgets panel over ``(beta, n, seed)`` calling :func:`bandwidth_view`."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    noise = as_real(noise, "noise", minimum=0.0)  # validate now: errors inside the widget callback are swallowed

    def show(log10_beta: float, n: int, seed: int) -> None:
        plot_bandwidth_view(bandwidth_view(10.0 ** log10_beta, n, noise=noise, seed=seed))
        plt.show()

    return widgets.interactive(
        show,
        log10_beta=widgets.FloatSlider(value=2.0, min=-1.0, max=6.0, step=0.25, description="log10 beta",
                                       continuous_update=False),
        n=widgets.SelectionSlider(options=[5, 10, 20, 50, 100, 200, 500, 1000], value=50, description="pairs n",
                                  continuous_update=False),
        seed=widgets.IntSlider(value=0, min=0, max=20, description="seed", continuous_update=False),
    )


__all__ += ["BandwidthView", "bandwidth_view", "plot_bandwidth_view", "bandwidth_explorer", "MAX_BANDWIDTH_ENTRIES"]


# ============================================================================ three moons: forecast view

#: Largest ``trials * (T + 1)`` of :func:`forecast_view` (sequences times their length).
MAX_FORECAST_POINTS = 2**18


@dataclass(frozen=True)
class ForecastView:
    """Free-running forecasts of a three-moons network after a context of ``context`` steps.

    ``history`` ``[trials, context, 6]`` (the observed inputs), ``truth`` and ``prediction``
    ``[trials, horizon, 6]`` (the next ``horizon`` inputs and the network's forecast of them),
    ``errors`` ``[trials, horizon]`` (absolute error averaged over the six coordinates);
    ``periods`` the moons' periods in steps, ``full`` the system's full period in steps.
    """

    context: int
    horizon: int
    T: int
    split: str
    triple: tuple[float, float, float]
    history: torch.Tensor
    truth: torch.Tensor
    prediction: torch.Tensor
    errors: torch.Tensor
    periods: tuple[float, float, float]
    full: float

    @property
    def error(self) -> float:
        """Mean absolute forecast error over trials, forecast steps and coordinates."""
        return float(self.errors.mean())


def forecast_view(net: Any, context: int, *, T: int, horizon: int = 25, split: str = "validation",
                  system: int | None = None, trials: int = 8, seed: int = 0) -> ForecastView:
    r"""Let a trained :class:`~amtools.mosaics.ThreeMoonsNet` forecast ``horizon`` steps after ``context`` inputs.

    Draws ``trials`` sequences of :func:`amtools.mosaics.three_moons` at length ``T`` (the training
    length, which fixes the time step :math:`\Delta = 18/T`), feeds the first ``context`` inputs and
    runs :meth:`~amtools.mosaics.ThreeMoonsNet.generate` for ``horizon`` steps; ``errors[i, s]`` is
    :math:`\tfrac16 \lVert \hat x_{c+s+1} - x_{c+s+1} \rVert_1`. A memory keyed on the joint state can
    forecast once ``context`` exceeds the full period; one keyed on a single moon, once it exceeds that
    moon's period. Pure: the same arguments and weights give the same view (own seeded generator,
    no gradients). ``context + horizon`` must not exceed ``T + 1``.
    """
    from .mosaics import (TRAIN_TRIPLES, VALIDATION_TRIPLE, ThreeMoonsNet, full_period, three_moons,
                          three_moons_time_step)

    if not isinstance(net, ThreeMoonsNet):
        raise TypeError(f"net must be an amtools.mosaics.ThreeMoonsNet, got {type(net).__name__}")
    T = as_int(T, "T", minimum=2)
    context = as_int(context, "context", minimum=1)
    horizon = as_int(horizon, "horizon", minimum=1)
    split = as_choice(split, "split", ("train", "validation"))
    trials = as_int(trials, "trials", minimum=1)
    seed = as_int(seed, "seed", minimum=0)
    if context + horizon > T + 1:
        raise ValueError(f"context + horizon = {context + horizon} exceeds the T + 1 = {T + 1} points of a sequence: "
                         "lower context or horizon, or raise T")
    if trials * (T + 1) > MAX_FORECAST_POINTS:
        raise ValueError(f"trials={trials} sequences of T + 1 = {T + 1} points exceed the cap of "
                         f"{MAX_FORECAST_POINTS:.3g}: lower trials or T")
    gen = torch.Generator().manual_seed(seed)
    x, y = three_moons(T, trials, split=split, system=system, generator=gen)
    full_seq = torch.cat([x, y[:, -1:]], dim=1)                                  # [trials, T + 1, 6]
    history, truth = full_seq[:, :context], full_seq[:, context:context + horizon]
    with torch.no_grad():
        prediction = net.generate(history, horizon)
    errors = (prediction - truth).abs().mean(-1).to(torch.float64)
    dt = three_moons_time_step(T)
    if split == "validation" or system is not None:
        triple = VALIDATION_TRIPLE if split == "validation" else TRAIN_TRIPLES[system]
        periods, full = tuple(p / dt for p in triple), full_period(triple) / dt
    else:                                                                         # a mix of training systems
        triple = periods = (math.nan,) * 3
        full = math.nan
    return ForecastView(context, horizon, T, split, tuple(triple), history, truth, prediction, errors,
                        periods, full)


def plot_forecast_view(view: ForecastView, axes: Any = None) -> Any:
    """Left: the first sequence (sine coordinate of each moon): context, truth (dotted), forecast (solid).

    Right: the forecast error against the forecast step, mean ± the book's band over the sequences.
    Returns the two axes.
    """
    import matplotlib.pyplot as plt

    from .plotting import band

    if not isinstance(view, ForecastView):
        raise TypeError(f"view must be a ForecastView, got {type(view).__name__}")
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11.0, 3.6))
    left, right = _two_axes(axes)
    c, h = view.context, view.horizon
    past, future = torch.arange(c).numpy(), torch.arange(c, c + h).numpy()
    for j in range(3):
        color = f"C{j}"
        left.plot(past, view.history[0, :, 2 * j].numpy(), color=color, lw=0.8, alpha=0.4)
        left.plot(future, view.truth[0, :, 2 * j].numpy(), ":", color=color, lw=1.5)
        left.plot(future, view.prediction[0, :, 2 * j].numpy(), color=color, lw=2, label=f"moon {j + 1}")
    left.axvline(c - 0.5, color="0.4", lw=1)
    if not math.isnan(view.full):
        left.axvline(view.full, color="C3", ls="--", lw=1, label="one full period")
    left.set(xlabel="time step", ylabel="sin(phase)", ylim=(-1.6, 1.6),
             title=f"{view.split} system: context {c}, forecast {h} (dotted: truth)")
    left.legend(fontsize=8, loc="lower left", ncol=4)
    band(right, (torch.arange(h) + 1).numpy(), view.errors.numpy(), label=f"{view.errors.shape[0]} sequences")
    right.set(xlabel="forecast step", ylabel="mean |error|", ylim=(0, None),
              title=f"mean error {view.error:.3f}")
    right.legend(fontsize=8, loc="upper left")
    return left, right


def forecast_explorer(nets: dict[str, Any], *, T: int, horizon: int = 25, trials: int = 8) -> Any:
    """An ipywidgets panel over the network, the split and the context length, calling :func:`forecast_view`."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from .mosaics import ThreeMoonsNet

    if not isinstance(nets, dict) or not nets:
        raise TypeError("nets must be a non-empty dict of name -> ThreeMoonsNet")
    for name, net in nets.items():                  # validate now: errors inside the widget callback are swallowed
        if not isinstance(net, ThreeMoonsNet):
            raise TypeError(f"nets[{name!r}] must be a ThreeMoonsNet, got {type(net).__name__}")
    T = as_int(T, "T", minimum=2)
    horizon = as_int(horizon, "horizon", minimum=1, maximum=T)
    trials = as_int(trials, "trials", minimum=1)
    if trials * (T + 1) > MAX_FORECAST_POINTS:
        raise ValueError(f"trials={trials} with T={T} is too many (trials x (T + 1) must stay under "
                         f"{MAX_FORECAST_POINTS:.3g})")

    def show(net: str, split: str, context: int) -> None:
        plot_forecast_view(forecast_view(nets[net], context, T=T, horizon=horizon, split=split,
                                         system=0 if split == "train" else None, trials=trials))
        plt.tight_layout()
        plt.show()

    return widgets.interactive(
        show,
        net=widgets.Dropdown(options=list(nets), description="network"),
        split=widgets.ToggleButtons(options=["validation", "train"], description="system"),
        context=widgets.IntSlider(value=min(T + 1 - horizon, max(1, T // 2)), min=1, max=T + 1 - horizon,
                                  description="context", continuous_update=False),
    )


__all__ += ["ForecastView", "forecast_view", "plot_forecast_view", "forecast_explorer", "MAX_FORECAST_POINTS"]
