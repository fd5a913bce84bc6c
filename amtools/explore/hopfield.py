"""Hopfield explorer: recall against the load of a classical Hopfield network (chapter classical-hopfield)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from .._validate import as_int, as_real
from ._common import MAX_POINTS, _view_axes

__all__ = ["HopfieldView", "hopfield_view", "plot_hopfield_view", "hopfield_explorer", "MAX_HOPFIELD_ENTRIES",
           "HOPFIELD_ALPHA_C"]

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
        """Number of stored patterns at the point, ``max(1, round(load * N))``."""
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
    from ..hopfield import hebbian, overlap, recall

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
    from ..hopfield import flip_probability
    from ..plotting import band

    ax = _view_axes(view, HopfieldView, ax, (6.0, 4.0))
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
