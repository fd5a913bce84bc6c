"""The paper's optimizer grid as a sweep: tasks, named slices, a cost estimate, the published runs.

The official grid (facebookresearch/pal, ``projects/scaling_law/grid_experiments``, result file
``res/finer_dim/all.jsonl.gz``) trains 40,320 memories: 3 models x 2 optimizers x 4 step sizes x
4 batch sizes x 3 values of :math:`T` x layer norm on/off x 7 values of :math:`d` x 10 seeds, with
:math:`N=100`, :math:`M=5`, :math:`\\alpha=2`, one pass over :math:`T` tokens. Here one task is one
(model, optimizer, batch size, :math:`T`, layer norm, :math:`d`): :func:`grid_task` trains its 4 step
sizes x 10 seeds in one batched :func:`amtools.train_memory` call, so the grid is 1,008 tasks.

:func:`read_published_runs` reads the official file (``make published-grid`` downloads it, checksum
pinned) into the same columns as :func:`amtools.sweep.load`, for a run-by-run comparison.

Command line: ``python -m amtools.sweep paper-grid --store DIR [--slice NAME]`` (see :func:`main`).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from ._validate import as_choice, as_int
from .training import train_memory

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["GRID", "SLICES", "LRS", "FIXED", "SEEDS", "COST_FACTOR", "grid_task", "slice_tasks",
           "estimate_seconds", "read_published_runs", "welch_test", "student_t_sf2",
           "compare_with_published", "main"]

#: the official grid's axes (one task per combination; ``lr`` and the seeds are batched in a task)
GRID: dict[str, tuple] = {
    "model": ("matrix", "learnable", "exponential"),
    "optimizer": ("sgd", "signgd"),
    "batch_size": (16, 64, 256, 1024),
    "T": (1024, 10240, 102400),
    "layernorm": (False, True),
    "d": (10, 20, 50, 100, 200, 500, 1000),
}
#: the step sizes :math:`\\gamma` of the grid, all trained inside each task
LRS: tuple[float, ...] = (0.1, 1.0, 10.0, 100.0)
#: the grid's fixed data settings: N inputs, M outputs, Zipf exponent alpha
FIXED = {"N": 100, "M": 5, "alpha": 2.0}
#: runs per step size in a task (the official grid's 10 seeds)
SEEDS = 10

#: named slices: each axis restricted to a subset of the grid's values (missing axes: all values)
SLICES: dict[str, dict[str, tuple]] = {
    # the appendix chapter and CI: the matrix model at T = 10240, every optimizer, batch size and d <= 200
    "ci": {"model": ("matrix",), "T": (10240,), "layernorm": (False,), "d": (10, 20, 50, 100, 200)},
    # the appendix's paper profile: the same figure with all seven d (the d = 1000 sign-GD tasks dominate)
    "figure": {"model": ("matrix",), "T": (10240,), "layernorm": (False,)},
    "matrix": {"model": ("matrix",)},
    "all": {},
}

_RAW_OPTIMIZERS = {"SGD": "sgd", "Adam": "signgd"}


def grid_task(*, model: str, optimizer: str, batch_size: int, T: int, layernorm: bool, d: int,
              seeds: int = SEEDS, seed: int = 0) -> dict[str, list]:
    """One task of the grid: every step size of :data:`LRS` x ``seeds`` runs, trained at once.

    Returns the columns ``lr``, ``run`` (0-based index of the run among the ``seeds``) and ``error`` (the population error of
    each run after one pass over ``T`` tokens), ``len(LRS) * seeds`` rows.
    """
    result = train_memory(FIXED["N"], FIXED["M"], d, T, alpha=FIXED["alpha"], batch_size=batch_size,
                          lr=list(LRS), optimizer=optimizer, model=model, layernorm=layernorm,
                          seeds=seeds, seed=seed)
    errors = result.error  # [len(LRS), seeds]
    return {"lr": [lr for lr in LRS for _ in range(seeds)],
            "run": [s for _ in LRS for s in range(seeds)],
            "error": errors.reshape(-1).tolist()}


def slice_tasks(name: str = "all", *, seeds: int = SEEDS, seed: int = 0) -> list[dict[str, Any]]:
    """The tasks (keyword arguments of :func:`grid_task`) of the slice ``name`` of :data:`SLICES`."""
    name = as_choice(name, "name", tuple(SLICES))
    seeds = as_int(seeds, "seeds", minimum=1)
    seed = as_int(seed, "seed", minimum=0)
    axes = {k: SLICES[name].get(k, v) for k, v in GRID.items()}
    from .sweep import expand_grid

    tasks = expand_grid(axes)
    return [{**task, "seeds": seeds, "seed": seed} for task in tasks]


#: the cost model of one task, per training path (``implicit``: matrix + sgd; ``autograd``: the rest):
#: ``seconds = sum(coefficient * term)`` over the terms of :func:`_cost_terms`. Measured on this project's
#: 2-core machine (torch 2.13 CPU, one thread), 2026-12-02, by ``python benchmarks/bench_sweep.py
#: --calibrate``: grid_task timed on 42 configs (d 10..1000, batch 16..1024, T 1024 and 10240; each under
#: 30 s), nonnegative least squares on the relative error, fitted (``--refit``) to the best time of each
#: config over 6 runs (10 passes) made while other jobs shared the machine: single timings of one config
#: varied by up to a factor 2.3 with the load. The simpler ``steps * (a + runs * (b d**2 + c batch d))``
#: missed by up to a factor 18 (it ignores the per-input path from N samples on, the optimizer's update
#: and the cache).
_COST_TERMS = ("task", "task_run_Nd2", "step", "step_layernorm", "step_run_bd2", "step_run_bd",
               "step_run_params", "step_run_params_signgd", "step_run_params_beyond_cache")
#: the last level cache of the calibration machine (32 MiB L3): beyond it an update streams from memory
_CACHE_BYTES = 32 * 2 ** 20
_COST: dict[str, tuple[float, ...]] = {
    "implicit": (0.00185, 1.64e-10, 0.000304, 0.000975, 0.0, 8.08e-09, 0.0, 0.0, 1.36e-10),
    "autograd": (0.00298, 3.34e-10, 0.000483, 0.000316, 8.11e-11, 6.35e-09, 7.4e-10, 1.6e-09, 5.82e-09),
}
#: the worst ratio (either way) of estimate and best measured time over the calibration set
COST_FACTOR = 1.65


def _cost_terms(task: dict[str, Any]) -> tuple[str, tuple[float, ...]]:
    """The path of a task and the terms of its cost: 1 and ``runs N d**2`` per task (draws, set-up, final
    error), then per step 1 and 1 if layer norm, and per step x run
    ``b d**2`` (the product with ``W``: models with a ``W`` on the autograd path), ``b d``, the number
    of trained parameters (the optimizer's update), that number again for sign-GD (a costlier
    update) and again if all runs' parameters (float32) exceed :data:`_CACHE_BYTES`, with
    ``b = min(batch_size, N)`` (from ``N`` samples on, a step is per input).
    """
    model, optimizer = task["model"], task["optimizer"]
    d, batch, T = task["d"], task["batch_size"], task["T"]
    steps, runs = T // batch, len(LRS) * task.get("seeds", SEEDS)
    b, N, M = min(batch, FIXED["N"]), FIXED["N"], FIXED["M"]
    path = "implicit" if model == "matrix" and optimizer == "sgd" else "autograd"
    with_w = path == "autograd" and model != "exponential"
    params = {"matrix": d * d, "learnable": N * d + d * d + d * M, "exponential": N * d + d * M}[model]
    return path, (1.0, runs * N * d * d, steps, steps * bool(task["layernorm"]), steps * runs * b * d * d * with_w,
                  steps * runs * b * d, steps * runs * params, steps * runs * params * (optimizer == "signgd"),
                  steps * runs * params * (4 * runs * params > _CACHE_BYTES))


def estimate_seconds(tasks: Sequence[dict[str, Any]]) -> float:
    """An estimate of the tasks' total run time on one idle core of this project's machine, from a cost
    model fitted to single-task timings (:data:`_COST`): on its calibration set (d <= 1000, T <= 10240)
    it was within a factor :data:`COST_FACTOR` of the measured time; T = 102400 is an extrapolation,
    and another machine or a loaded one differs. Outside that set it can be optimistic: matrix
    sign-GD at d = 1000, batch 16, T = 10240 took 492 s on this machine against an estimate of 246 s,
    and the d = 1000 tasks are three quarters of the grid's estimated cost, so budget up to twice the
    estimate for the whole grid. Tasks are dicts of :func:`grid_task`'s keyword
    arguments (:func:`slice_tasks`)."""
    if isinstance(tasks, (str, bytes, dict)) or not isinstance(tasks, Sequence):
        raise TypeError(f"tasks must be a list of task dicts, got {type(tasks).__name__}")
    total = 0.0
    for i, task in enumerate(tasks):
        if not isinstance(task, dict):
            raise TypeError(f"tasks[{i}] must be a dict of grid_task's arguments, got {type(task).__name__}")
        missing = [k for k in GRID if k not in task]
        if missing:
            raise ValueError(f"tasks[{i}] lacks the grid's parameters {missing}")
        for key in ("model", "optimizer"):
            as_choice(task[key], f"tasks[{i}][{key!r}]", GRID[key])
        for key in ("d", "batch_size", "T", "seeds"):
            if key in task:
                as_int(task[key], f"tasks[{i}][{key!r}]", minimum=1)
        path, terms = _cost_terms(task)
        total += sum(c * t for c, t in zip(_COST[path], terms))
    return total


def read_published_runs(path: str | os.PathLike) -> "pandas.DataFrame":
    """The official grid's runs (``all.jsonl.gz``) as one row per run, in the columns of a
    ``paper-grid`` sweep: ``model``, ``optimizer`` (``sgd``/``signgd``), ``batch_size``, ``T``,
    ``layernorm``, ``d``, ``lr``, ``run`` (0-based: the official seed minus 42) and ``error``."""
    from .sweep import _need

    pd = _need("pandas")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file path, got {type(path).__name__}")
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path {str(path)!r} is not a file (make published-grid downloads it)")
    rows, seen = [], {}
    keys = ["model", "optimizer", "batch_size", "T", "layernorm", "d", "lr", "run"]
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    r = json.loads(line)
                    if (r["N"], r["M"]) != (FIXED["N"], FIXED["M"]) or r["niter"] != r["ntrain"] // r["batch_size"]:
                        raise ValueError("not the grid's N=100, M=5, one pass")
                    if r["seed"] not in range(42, 42 + SEEDS):
                        raise ValueError(f"seed {r['seed']!r} is not one of the grid's 42..{41 + SEEDS}")
                    row = {"model": as_choice(r["model"], "model", GRID["model"]),
                           "optimizer": _RAW_OPTIMIZERS[r["optimizer"]],
                           "batch_size": int(r["batch_size"]), "T": int(r["ntrain"]),
                           "layernorm": bool(r["layernorm"]), "d": int(r["d"]), "lr": float(r["lr"]),
                           "run": int(r["seed"]) - 42, "error": float(r["error"])}
                    key = tuple(row[k] for k in keys)
                    if key in seen:
                        raise ValueError(f"the same run as line {seen[key]}")
                    seen[key] = number
                    rows.append(row)
                except (KeyError, ValueError, TypeError, ZeroDivisionError) as exc:
                    raise ValueError(f"{path}, line {number}: not a record of the grid ({exc})") from None
    except (OSError, EOFError, UnicodeDecodeError) as exc:   # not gzip, truncated, not text
        raise ValueError(f"{path} is not a gzip JSON-lines file ({exc})") from None
    return pd.DataFrame(rows, columns=keys + ["error"])


def _betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta function :math:`I_x(a, b)` (Lentz's continued fraction)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    if x > (a + 1.0) / (a + b + 2.0):     # the fraction converges fast below the mean: use the symmetry
        return 1.0 - _betainc(b, a, 1.0 - x)
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)) / a
    tiny, c, d = 1e-300, 1.0, 0.0
    f = 0.0
    for i in range(400):
        m = i // 2
        if i == 0:
            num = 1.0
        elif i % 2 == 0:
            num = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        else:
            num = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        d = 1.0 + num * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + num / c
        c = c if abs(c) > tiny else tiny
        f = c * d if i == 0 else f * c * d
        if i and abs(1.0 - c * d) < 1e-15:
            break
    return front * (f - 1.0)


def student_t_sf2(t: float, df: float) -> float:
    """Two-sided p-value :math:`P(|T_\\nu| \\ge |t|) = I_{\\nu/(\\nu+t^2)}(\\nu/2, 1/2)` of Student's t."""
    if not df > 0:
        raise ValueError(f"df must be > 0, got {df}")
    if math.isinf(t):
        return 0.0
    if df > 1e7:   # the normal limit (the log-gamma differences below lose digits at such df)
        return math.erfc(abs(t) / math.sqrt(2.0))
    return _betainc(df / 2.0, 0.5, df / (df + t * t))


def welch_test(mean1: float, sd1: float, n1: int, mean2: float, sd2: float, n2: int) -> tuple[float, float, float]:
    """Welch's test of equal means from two samples' summaries: ``(t, df, two-sided p)``.

    :math:`t = (\\bar x_1 - \\bar x_2)/\\sqrt{s_1^2/n_1 + s_2^2/n_2}`, ``df`` by Welch-Satterthwaite.
    Two samples without spread give ``p = 1`` if their means are equal, else ``p = 0``.
    """
    n1, n2 = as_int(n1, "n1", minimum=2), as_int(n2, "n2", minimum=2)
    for name, sd in (("sd1", sd1), ("sd2", sd2)):
        if not (isinstance(sd, (int, float)) and math.isfinite(sd) and sd >= 0):
            raise ValueError(f"{name} must be a finite number >= 0, got {sd!r}")
    v1, v2 = sd1 ** 2 / n1, sd2 ** 2 / n2
    if v1 + v2 == 0.0:
        return (0.0, math.inf, 1.0) if mean1 == mean2 else (math.copysign(math.inf, mean1 - mean2), math.inf, 0.0)
    t = (mean1 - mean2) / math.sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / (v1 ** 2 / (n1 - 1) + v2 ** 2 / (n2 - 1))
    return t, df, student_t_sf2(t, df)


def compare_with_published(frame: "pandas.DataFrame") -> "pandas.DataFrame":
    """Each setting and step size of a ``paper-grid`` sweep (:func:`amtools.sweep.load`) against the
    published 10-seed mean (:func:`amtools.published_grid`): one row per (setting, ``lr``, ``d``) with
    ``mean``, ``sd``, ``n`` (ours), ``pub_mean``, ``pub_sd``, ``pub_n``, and Welch's ``t``, ``df``, ``p``."""
    from .published import published_grid
    from .sweep import _need

    pd = _need("pandas")
    keys = ["model", "optimizer", "batch_size", "T", "layernorm", "lr", "d"]
    missing = [k for k in keys + ["error"] if k not in getattr(frame, "columns", ())]
    if missing:
        raise ValueError(f"frame lacks the columns {missing} of a paper-grid sweep")
    rows = []
    for key, group in frame.groupby(keys, sort=True):
        setting = dict(zip(keys, key))
        errors = group["error"].to_numpy(dtype=float)
        if len(errors) < 2:
            raise ValueError(f"setting {setting} has {len(errors)} run: need at least 2 for a spread")
        curve = published_grid(model=setting["model"], optimizer=setting["optimizer"], lr=float(setting["lr"]),
                               batch_size=int(setting["batch_size"]), T=int(setting["T"]),
                               layernorm=bool(setting["layernorm"]))
        i = curve.d.tolist().index(int(setting["d"]))
        mean, sd = float(errors.mean()), float(errors.std(ddof=1))
        pub_mean, pub_sd = float(curve.mean[i]), float(curve.std[i])
        t, df, p = welch_test(mean, sd, len(errors), pub_mean, pub_sd, curve.seeds)
        rows.append({**setting, "mean": mean, "sd": sd, "n": len(errors), "pub_mean": pub_mean,
                     "pub_sd": pub_sd, "pub_n": curve.seeds, "t": t, "df": df, "p": p})
    return pd.DataFrame(rows)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m amtools.sweep paper-grid --store DIR [--slice NAME] [--workers N | --scheduler ADDR]``."""
    from . import sweep

    parser = argparse.ArgumentParser(
        prog="python -m amtools.sweep paper-grid",
        description="Train the paper's optimizer grid (facebookresearch/pal, finer_dim) as a resumable "
                    "sweep: one Parquet file per task in --store; rerun the same command to resume.")
    parser.add_argument("--store", required=True, help="result directory (created; reused to resume)")
    parser.add_argument("--slice", default="all", choices=sorted(SLICES),
                        help="which part of the grid (default: all 1,008 tasks = 40,320 runs)")
    parser.add_argument("--workers", type=int, default=None,
                        help="LocalCluster worker processes (default: one per core)")
    parser.add_argument("--scheduler", default=None,
                        help=f"address of a running Dask scheduler (default: ${sweep.SCHEDULER_ENV})")
    parser.add_argument("--seeds", type=int, default=SEEDS, help="runs per step size (default 10)")
    parser.add_argument("--dry-run", action="store_true", help="print the cost estimate and stop")
    args = parser.parse_args(list(argv) if argv is not None else None)

    tasks = slice_tasks(args.slice, seeds=args.seeds)
    hours = estimate_seconds(tasks) / 3600
    print(f"paper-grid slice {args.slice!r}: {len(tasks)} tasks, {len(tasks) * len(LRS) * args.seeds} "
          f"training runs; estimated {hours:.2f} core-hours (a cost model: within a factor "
          f"{COST_FACTOR:.2f} on the calibration set, T <= 10240 on one idle core; beyond, extrapolated)")
    if args.dry_run:
        return 0
    client = None
    if args.scheduler:
        client = sweep._need("dask.distributed").Client(args.scheduler)
    elif args.workers is not None and not os.environ.get(sweep.SCHEDULER_ENV):
        client = sweep.local_cluster(args.workers)
    try:
        started = time.perf_counter()
        report = sweep.run(grid_task, tasks, store=args.store, client=client)
    finally:
        if client is not None:
            sweep.close(client, cluster=not args.scheduler)
    print(report)
    print(f"wall time {time.perf_counter() - started:.1f} s; read it with amtools.sweep.load({args.store!r})")
    return 0 if report.complete else 1
