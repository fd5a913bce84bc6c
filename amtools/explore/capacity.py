"""Capacity explorer: how many stored pairs a random outer-product memory recalls (chapter associative-memory-model)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import torch

from .._validate import as_choice, as_int, as_sizes
from ..embeddings import EMBEDDING_KINDS, random_embeddings
from ..memory import decode, memory_matrix, scores
from ._common import _view_axes

__all__ = ["RecallResult", "stored_recall", "recall_grid", "plot_recall", "capacity_explorer", "MAX_RECALL_ENTRIES"]

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
    ax = _view_axes(result, RecallResult, ax, (4.0, 4.5), name="result")
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
