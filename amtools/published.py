"""The paper's published grid of trained memories, as cited summary statistics.

The official repository (facebookresearch/pal, ``projects/scaling_law/grid_experiments``) publishes
the errors of 40,320 training runs (file ``res/finer_dim/all.jsonl.gz``, CC BY-NC 4.0): a memory
trained by one pass of SGD or sign-GD on :math:`T` Zipf tokens (:math:`N=100`, :math:`M=5`,
:math:`\\alpha=2`), for 3 models, 4 step sizes :math:`\\gamma`, 4 batch sizes :math:`|B|`, 3 values of
:math:`T`, with or without layer norm, 7 values of :math:`d` and 10 seeds. The book does not ship that
file: ``amtools/data/published_grid.csv`` holds only, per setting and :math:`d`, the mean and the
sample standard deviation over the seeds (written by ``tools/extract_published_grid.py``, whose
header cites the commit and the file's sha256).

:func:`published_grid` returns one curve (error versus :math:`d`) of that table;
:func:`published_settings` lists the settings it holds.
"""

from __future__ import annotations

import csv
import functools
import io
import math
from dataclasses import dataclass
from importlib import resources
from typing import Any

import torch

from ._validate import as_bool, as_choice, as_int, as_real

__all__ = ["PublishedCurve", "published_grid", "published_settings"]

#: what a chapter cites for these numbers
SOURCE = "facebookresearch/pal, projects/scaling_law/grid_experiments/res/finer_dim/all.jsonl.gz"
_FILE = "published_grid.csv"


@dataclass(frozen=True)
class PublishedCurve:
    """One published curve: the error at each :math:`d` over the seeds of one setting.

    ``mean[i]`` and ``std[i]`` are the mean and sample standard deviation (ddof=1) over ``seeds`` runs
    at dimension ``d[i]``; for ``lr="tuned"`` each run's error is the smallest over the four step
    sizes (a per-seed oracle) and ``tuned_lr[i]`` is the step size most often best at ``d[i]``.
    """

    d: torch.Tensor                 #: LongTensor [7], increasing
    mean: torch.Tensor              #: float64 [7]
    std: torch.Tensor               #: float64 [7]
    seeds: int
    setting: dict[str, Any]
    source: str
    commit: str
    tuned_lr: torch.Tensor | None = None   #: float64 [7] for lr="tuned", else None

    @property
    def se(self) -> torch.Tensor:
        """Standard error of the mean, ``std / sqrt(seeds)``."""
        return self.std / math.sqrt(self.seeds)


@functools.lru_cache(maxsize=1)
def _table() -> tuple[dict[tuple, tuple[tuple[int, float, float, float | None], ...]], dict[str, tuple], str, int]:
    """Parse the shipped CSV once: rows by setting, the valid values of each argument, the commit."""
    text = resources.files("amtools").joinpath("data", _FILE).read_text(encoding="utf-8")
    commit = ""
    lines = []
    for line in text.splitlines():
        if line.startswith("#"):
            if line.startswith("# commit:"):
                commit = line.split(":", 1)[1].strip()
        else:
            lines.append(line)
    rows: dict[tuple, list[tuple[int, float, float, float | None]]] = {}
    seeds = set()
    for r in csv.DictReader(io.StringIO("\n".join(lines))):
        lr: float | str = r["lr"] if r["lr"] == "tuned" else float(r["lr"])
        key = (r["model"], r["optimizer"], lr, int(r["batch_size"]), int(r["T"]), r["layernorm"] == "true")
        mode = float(r["tuned_lr_mode"]) if r["tuned_lr_mode"] else None
        rows.setdefault(key, []).append((int(r["d"]), float(r["mean"]), float(r["std"]), mode))
        seeds.add(int(r["seeds"]))
    if len(seeds) != 1:
        raise RuntimeError(f"{_FILE} mixes seed counts {sorted(seeds)}")
    names = ("model", "optimizer", "lr", "batch_size", "T", "layernorm")
    choices = {}
    for i, name in enumerate(names):
        values = {k[i] for k in rows}
        if name == "lr":
            choices[name] = tuple(sorted(v for v in values if v != "tuned")) + (("tuned",) if "tuned" in values else ())
        elif name == "model":
            choices[name] = tuple(sorted(values, key=("matrix", "learnable", "exponential").index))
        else:
            choices[name] = tuple(sorted(values))
    table = {k: tuple(sorted(v)) for k, v in rows.items()}
    return table, choices, commit, seeds.pop()


def _one_of(value: Any, name: str, valid: tuple) -> None:
    if value not in valid:
        shown = ", ".join(repr(v) for v in valid)
        raise ValueError(f"{name} must be one of {shown} (the published grid), got {value!r:.40}")


def published_settings() -> list[dict[str, Any]]:
    """Every setting of the published grid, as keyword arguments for :func:`published_grid`."""
    table, _, _, _ = _table()
    names = ("model", "optimizer", "lr", "batch_size", "T", "layernorm")
    return [dict(zip(names, key)) for key in table]


def published_grid(*, model: str = "matrix", optimizer: str = "sgd", lr: float | str = 1.0,
                   batch_size: int = 16, T: int = 10240, layernorm: bool = False) -> PublishedCurve:
    """The published error versus :math:`d` of one setting of the official grid (10 seeds).

    ``model``: ``"matrix"`` (learn :math:`W` with fixed Gaussian embeddings), ``"learnable"`` (learn
    :math:`E`, :math:`W`, :math:`U`) or ``"exponential"`` (ReLU embeddings). ``optimizer``: ``"sgd"`` or
    ``"signgd"`` (the grid's torch Adam with ``betas=(0, 0)``, whose step ``lr / d`` for the matrix
    model follows the sign of the gradient). ``lr``: the step size :math:`\\gamma`, or ``"tuned"`` for the
    per-seed best of the four. ``batch_size`` :math:`|B|`, ``T`` tokens in one pass (``T / batch_size``
    steps), ``layernorm``. Invalid or absent values raise ``ValueError`` listing the valid ones.
    """
    _, choices, _, _ = _table()
    as_choice(model, "model", choices["model"])
    if isinstance(optimizer, str) and optimizer.lower() == "adam":
        raise ValueError("optimizer: the grid's Adam has betas=(0, 0), i.e. sign-GD: pass optimizer='signgd'")
    as_choice(optimizer, "optimizer", choices["optimizer"])
    if isinstance(lr, str):
        _one_of(lr, "lr", choices["lr"])
    else:
        try:
            lr = as_real(lr, "lr")
        except TypeError:
            raise TypeError(f"lr must be a real number or 'tuned', got {type(lr).__name__} ({lr!r:.40})") from None
        # a float32 0.1 is the grid's 0.1: match to a relative 1e-6
        lr = next((v for v in choices["lr"] if v != "tuned" and math.isclose(lr, v, rel_tol=1e-6)), lr)
        _one_of(lr, "lr", choices["lr"])
    batch_size = as_int(batch_size, "batch_size", minimum=1)
    _one_of(batch_size, "batch_size", choices["batch_size"])
    T = as_int(T, "T", minimum=1)
    _one_of(T, "T", choices["T"])
    layernorm = as_bool(layernorm, "layernorm")
    return _curve(model, optimizer, lr, batch_size, T, layernorm)


def _curve(model: str, optimizer: str, lr: float | str, batch_size: int, T: int, layernorm: bool) -> PublishedCurve:
    table, _, commit, seeds = _table()
    key = (model, optimizer, lr, batch_size, T, layernorm)
    if key not in table:   # the grid is complete; kept for a future partial table
        raise ValueError(f"model/optimizer/lr/batch_size/T/layernorm: {key} is not in the published grid")
    rows = table[key]
    setting = dict(zip(("model", "optimizer", "lr", "batch_size", "T", "layernorm"), key))
    tuned = torch.tensor([r[3] for r in rows], dtype=torch.float64) if lr == "tuned" else None
    return PublishedCurve(d=torch.tensor([r[0] for r in rows], dtype=torch.long),
                          mean=torch.tensor([r[1] for r in rows], dtype=torch.float64),
                          std=torch.tensor([r[2] for r in rows], dtype=torch.float64),
                          seeds=seeds, setting=setting, source=SOURCE, commit=commit, tuned_lr=tuned)
