"""Interactive explorers: pure, tested callbacks plus thin ipywidgets wiring.

The callbacks compute; the widgets only call them and draw. In the static HTML
book (no kernel), chapters show the same callbacks' output as a fixed figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import torch

from ._validate import as_int
from .embeddings import random_embeddings
from .memory import decode, memory_matrix, scores

__all__ = ["RecallResult", "stored_recall", "recall_grid", "plot_recall", "capacity_explorer"]


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
