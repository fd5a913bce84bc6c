"""Memory Mosaics explorers: the leaky key, the kernel bandwidth, three-moons forecasts (Part IV)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from .._validate import as_choice, as_int, as_real
from ._common import _two_axes, _view_axes

__all__ = ["LeakView", "leak_view", "plot_leak_view", "leak_explorer", "MAX_LEAK_ENTRIES",
           "BandwidthView", "bandwidth_view", "plot_bandwidth_view", "bandwidth_explorer", "MAX_BANDWIDTH_ENTRIES",
           "ForecastView", "forecast_view", "plot_forecast_view", "forecast_explorer", "MAX_FORECAST_POINTS"]

# ============================================================================ memory units: the leaky key


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
    from ..mosaics import leaky_average

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
    from ..plotting import band

    ax = _view_axes(view, LeakView, ax, (6.0, 4.0))
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
    from ..mosaics import kernel_regression

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
    ax = _view_axes(view, BandwidthView, ax, (6.0, 4.0))
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
    from ..mosaics import (TRAIN_TRIPLES, VALIDATION_TRIPLE, ThreeMoonsNet, full_period, three_moons,
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

    from ..plotting import band

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

    from ..mosaics import ThreeMoonsNet

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


