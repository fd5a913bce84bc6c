"""Benchmark: the paper grid through ``amtools.sweep.run`` on a 2-worker LocalCluster vs a serial loop.

Workload: 200 tasks of the paper grid (:func:`amtools.paper_grid.slice_tasks` ``"all"``, the ones at
T=1024 and d <= 200, the 200 cheapest by :func:`amtools.paper_grid.estimate_seconds`; ``--seeds``
runs per step size, 4 step sizes per task), each ``grid_task(**task)``:

- sweep: ``amtools.sweep.run(grid_task, tasks, store=<temp dir>)`` on a ``LocalCluster`` of 2 worker
  processes, one thread each (Dask starts workers with ``OMP_NUM_THREADS=1``, so torch uses one
  thread; checked and printed). The cluster is started and warmed up (a tiny training on each
  worker) before the clock starts; its start-up time is printed apart. The time includes writing the
  200 Parquet files.
- plain: the same tasks split over 2 processes started with ``multiprocessing`` (no Dask, no store),
  timed after warm-up: the parallel speed-up the machine allows at that moment (on this 2-core
  machine shared with other jobs it was ~1x, so a sweep cannot do better there);
- serial: a plain loop ``[grid_task(**t) for t in tasks]`` in this process, ``torch.set_num_threads(1)``,
  run before and again after the sweep (the machine is shared: its load may change in between).

Prints both times, their ratio (mean serial / sweep: at most ~2 on 2 idle cores), the sum of the
tasks' own run times on the workers (``_seconds`` in the store: if it is near 2 x the sweep's wall time
while the serial loop is much faster, the workers were slowed by other load, not by scheduling), and
the scheduler's overhead per task: 200 no-op tasks through ``run()`` on the same cluster (submit,
schedule, return, write one Parquet file each), divided by 200. Exits non-zero if the sweep's stored
errors differ from the serial loop's (same function, same arguments: they must be identical).

``--calibrate``: instead, time ``grid_task`` single-threaded on 42 configs (best of ``--repeats``
passes over them all) spanning both training paths (``implicit`` = matrix + sgd, ``autograd`` = the
rest), d in 10..1000 (1000 only at T=1024), batch 16..1024, T in {1024, 10240}, each under 30 s, and
fit per path, by nonnegative least squares on the relative error (rows divided by the measured time),
two cost models:

- the first one tried, ``seconds = steps * (a + runs * (b * d**2 + c * batch * d))``
  (``steps = T // batch``, ``runs = 4 * seeds``), printed for comparison: it misses by a factor 4-11;
- the one :func:`amtools.paper_grid.estimate_seconds` uses (terms: ``paper_grid._cost_terms``);
  the constants to paste into ``paper_grid._COST`` and its worst factor (``COST_FACTOR``) are printed.

``--calibrate --refit LOG...`` fits the best time of each config over the saved outputs of earlier
``--calibrate`` runs instead of timing anew: on a shared machine the least-loaded timing is the truest.

Run with ``make bench`` (or ``python benchmarks/bench_sweep.py [--seeds 10] [--calibrate]``).
"""

from __future__ import annotations

import argparse
import itertools
import math
import platform
import sys
import tempfile
import time
from typing import Any

import numpy as np
import torch

from amtools import paper_grid, sweep
from amtools.paper_grid import LRS, estimate_seconds, grid_task

N_TASKS = 200
WORKERS = 2


def noop(i: int) -> dict[str, float]:
    """A task that does nothing: what ``run()`` costs per task beyond the task itself."""
    return {"x": float(i)}


def _worker_setup() -> int:
    """Warm a worker up (imports, a tiny training; not timed) and return its torch thread count."""
    grid_task(model="matrix", optimizer="sgd", batch_size=16, T=64, layernorm=False, d=10, seeds=1)
    grid_task(model="learnable", optimizer="signgd", batch_size=16, T=64, layernorm=True, d=10, seeds=1)
    return torch.get_num_threads()


def _serial(tasks: list[dict[str, Any]]) -> tuple[float, list[dict[str, list]]]:
    """The tasks one after the other in this process: (seconds, results)."""
    t0 = time.perf_counter()
    out = [grid_task(**t) for t in tasks]
    return time.perf_counter() - t0, out


def _half(tasks: list[dict[str, Any]], queue: Any) -> None:
    """In a spawned process: warm up, then run ``tasks`` one after the other; put the seconds in ``queue``."""
    torch.set_num_threads(1)
    _worker_setup()
    queue.put(_serial(tasks)[0])


def _plain_processes(tasks: list[dict[str, Any]]) -> float:
    """Wall time of the tasks split over WORKERS plain processes (multiprocessing, no Dask, no store)."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_half, args=(tasks[i::WORKERS], queue)) for i in range(WORKERS)]
    for proc in procs:
        proc.start()
    times = [queue.get() for _ in procs]
    for proc in procs:
        proc.join()
    return max(times)


def bench_tasks(seeds: int) -> list[dict[str, Any]]:
    """The benchmark's 200 tasks: T=1024, d <= 200, the cheapest by the cost model (ties: grid order)."""
    pool = [t for t in paper_grid.slice_tasks("all", seeds=seeds) if t["T"] == 1024 and t["d"] <= 200]
    order = sorted(range(len(pool)), key=lambda i: (estimate_seconds([pool[i]]), i))
    return [pool[i] for i in sorted(order[:N_TASKS])]


def throughput(args: argparse.Namespace) -> int:
    """Time the 200 tasks serially and through the sweep, and the per-task overhead of run()."""
    tasks = bench_tasks(args.seeds)
    runs = len(tasks) * len(LRS) * args.seeds
    print(f"{len(tasks)} tasks ({runs} training runs, {args.seeds} seeds x {len(LRS)} step sizes each), "
          f"T=1024, d in {sorted({t['d'] for t in tasks})}; cost model: "
          f"{estimate_seconds(tasks):.1f} s on one core")

    torch.set_num_threads(1)
    _worker_setup()                                                         # warm-up, not timed
    t_serial, serial = _serial(tasks)
    print(f"serial loop (1 thread, this process): {t_serial:.2f} s")

    t0 = time.perf_counter()
    client = sweep.local_cluster(WORKERS)
    try:
        threads = client.run(_worker_setup)
        t_start = time.perf_counter() - t0
        print(f"LocalCluster: {WORKERS} workers, torch threads per worker {sorted(threads.values())}, "
              f"started in {t_start:.2f} s (not counted)")
        with tempfile.TemporaryDirectory(prefix="bench_sweep_") as tmp:
            cpu0 = time.process_time()
            report = sweep.run(grid_task, tasks, store=f"{tmp}/grid", client=client, progress=False)
            t_sweep, cpu_caller = report.seconds, time.process_time() - cpu0
            stored = sweep.load(f"{tmp}/grid")
            report_noop = sweep.run(noop, {"i": list(range(N_TASKS))}, store=f"{tmp}/noop", client=client,
                                    progress=False)
        t_noop = report_noop.seconds
        t_serial2, _ = _serial(tasks)                         # again, after: the machine's load may change
    finally:
        sweep.close(client)
    if not report.complete or not report_noop.complete:
        print(report, report_noop, sep="\n")
        return 1
    busy = float(stored.drop_duplicates("_hash")["_seconds"].sum())
    t_serial_mean = (t_serial + t_serial2) / 2
    print(f"sweep ({WORKERS} workers, run() into a temp store): {t_sweep:.2f} s; the tasks' own times on the "
          f"workers add up to {busy:.2f} s ({busy / (WORKERS * t_sweep):.0%} of {WORKERS} x the wall time)")
    print(f"the caller (client, scheduler, Parquet writes) used {cpu_caller:.2f} s of CPU during the sweep")
    print(f"serial loop again, after the sweep: {t_serial2:.2f} s")
    t_plain = _plain_processes(tasks)
    print(f"{WORKERS} plain processes (multiprocessing, no Dask), {len(tasks) // WORKERS} tasks each: "
          f"{t_plain:.2f} s (ratio serial / plain {(t_serial + t_serial2) / 2 / t_plain:.2f}x: what this "
          "machine allows now)")
    print(f"ratio serial / sweep: {t_serial_mean / t_sweep:.2f}x on {WORKERS} workers (serial: mean of the two "
          f"loops; ideal {WORKERS}x; the machine has {_cores()} cores, shared with other jobs)")
    print(f"run() overhead: {N_TASKS} no-op tasks in {t_noop:.2f} s = {1e3 * t_noop / N_TASKS:.1f} ms per task")

    # the stored errors must be the serial loop's, run for run
    keys = list(paper_grid.GRID)
    stored = stored.sort_values(keys + ["lr", "run"]).reset_index(drop=True)
    mine = []
    for task, out in zip(tasks, serial):
        mine += [{**{k: task[k] for k in keys}, "lr": lr, "run": r, "error": e}
                 for lr, r, e in zip(out["lr"], out["run"], out["error"])]
    import pandas as pd

    mine_frame = pd.DataFrame(mine).sort_values(keys + ["lr", "run"]).reset_index(drop=True)
    same = len(stored) == len(mine_frame) and np.array_equal(stored["error"].to_numpy(),
                                                              mine_frame["error"].to_numpy())
    print(f"stored errors == serial errors ({len(mine_frame)} runs): {same}")
    return 0 if same else 1


# ------------------------------------------------------------------------------------- calibration

#: (model, optimizer, d, batch_size, T, layernorm, seeds): both paths, d 10..500, batch 16..1024
CALIBRATION: list[tuple[str, str, int, int, int, bool, int]] = [
    # implicit path: matrix + sgd
    ("matrix", "sgd", 10, 16, 1024, False, 10), ("matrix", "sgd", 10, 1024, 10240, True, 10),
    ("matrix", "sgd", 20, 16, 10240, False, 3), ("matrix", "sgd", 50, 64, 10240, False, 10),
    ("matrix", "sgd", 50, 256, 1024, True, 10), ("matrix", "sgd", 100, 16, 10240, True, 10),
    ("matrix", "sgd", 100, 1024, 1024, False, 3), ("matrix", "sgd", 200, 64, 1024, False, 10),
    ("matrix", "sgd", 200, 256, 10240, True, 10), ("matrix", "sgd", 200, 16, 1024, False, 10),
    ("matrix", "sgd", 500, 16, 10240, False, 10), ("matrix", "sgd", 500, 1024, 10240, False, 3),
    ("matrix", "sgd", 500, 64, 1024, True, 10),
    # autograd path: every other model x optimizer
    ("matrix", "signgd", 10, 16, 10240, False, 10), ("learnable", "sgd", 10, 1024, 1024, True, 10),
    ("learnable", "sgd", 20, 16, 10240, True, 3), ("exponential", "signgd", 50, 64, 10240, True, 10),
    ("learnable", "signgd", 50, 256, 10240, False, 10), ("matrix", "signgd", 100, 16, 1024, True, 10),
    ("exponential", "sgd", 100, 1024, 10240, False, 3), ("learnable", "sgd", 200, 64, 1024, False, 10),
    ("matrix", "signgd", 200, 256, 10240, False, 10), ("exponential", "sgd", 200, 16, 10240, False, 10),
    ("exponential", "signgd", 500, 16, 1024, False, 10), ("learnable", "signgd", 500, 1024, 10240, True, 3),
    ("matrix", "signgd", 500, 64, 1024, True, 10),
    ("exponential", "sgd", 10, 64, 10240, True, 10), ("exponential", "signgd", 20, 1024, 10240, False, 10),
    ("exponential", "sgd", 500, 256, 10240, True, 3), ("learnable", "signgd", 100, 16, 10240, False, 3),
    ("learnable", "sgd", 500, 16, 1024, True, 10), ("matrix", "signgd", 50, 1024, 10240, True, 10),
    ("learnable", "signgd", 10, 256, 1024, True, 10),
    ("matrix", "sgd", 20, 1024, 1024, True, 10), ("matrix", "sgd", 100, 256, 10240, False, 10),
    ("matrix", "sgd", 10, 64, 10240, True, 10), ("matrix", "sgd", 500, 256, 1024, True, 10),
    # d = 1000 (the grid's largest, where W no longer fits in the cache), at T = 1024 to stay under 30 s
    ("matrix", "sgd", 1000, 16, 1024, False, 10), ("matrix", "signgd", 1000, 64, 1024, False, 10),
    ("learnable", "sgd", 1000, 64, 1024, True, 3), ("exponential", "signgd", 1000, 16, 1024, True, 10),
    ("learnable", "signgd", 1000, 256, 1024, False, 10),
]


def _path(task: dict[str, Any]) -> str:
    return paper_grid._cost_terms(task)[0]


def _simple_terms(task: dict[str, Any]) -> list[float]:
    """The first cost model tried: steps * (a + runs * (b * d**2 + c * batch * d)), for comparison."""
    steps, runs = task["T"] // task["batch_size"], len(LRS) * task["seeds"]
    d, batch = task["d"], task["batch_size"]
    return [steps, steps * runs * d * d, steps * runs * batch * d]


def nnls(A: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Nonnegative least squares ``min |A x - y|, x >= 0`` for a few columns: the best of the
    unconstrained fits on every subset of columns whose coefficients are all nonnegative (exact)."""
    n = A.shape[1]
    best, best_x = math.inf, np.zeros(n)
    for k in range(1, n + 1):
        for cols in itertools.combinations(range(n), k):
            coef = np.linalg.lstsq(A[:, cols], y, rcond=None)[0]
            if (coef < 0).any():
                continue
            x = np.zeros(n)
            x[list(cols)] = coef
            res = float(np.linalg.norm(A @ x - y))
            if res < best:
                best, best_x = res, x
    return best_x


def fit(rows: list[tuple[dict[str, Any], float]], terms: Any, names: tuple[str, ...], label: str
        ) -> tuple[dict[str, tuple[float, ...]], float]:
    """Fit ``seconds = sum(coef * term)`` per path on the relative error; print it; (coefficients, worst factor)."""
    fitted, worst = {}, 1.0
    print(f"\n{label}")
    for path in ("implicit", "autograd"):
        sel = [(t, s) for t, s in rows if _path(t) == path]
        A = np.array([terms(t) for t, _ in sel], dtype=float)
        y = np.array([s for _, s in sel])
        coef = nnls(A / y[:, None], np.ones(len(y)))         # relative error: each row divided by its time
        pred = A @ coef
        rel = pred / y - 1
        factor = float(np.maximum(pred / y, y / pred).max())
        worst = max(worst, factor)
        fitted[path] = tuple(float(f"{c:.3g}") for c in coef)
        shown = ", ".join(f"{n}={c:.3g}" for n, c in zip(names, coef))
        print(f"  {path} ({len(y)} configs): {shown}\n    relative error from {rel.min():+.1%} to "
              f"{rel.max():+.1%}, worst factor {factor:.2f}")
    return fitted, worst


def _read_tables(paths: list[str]) -> dict[int, float]:
    """The best time of each config of :data:`CALIBRATION` in the tables printed by earlier
    ``--calibrate`` runs (their saved output); every config must appear."""
    index = {(m, o, d, b, T, ln, s): i for i, (m, o, d, b, T, ln, s) in enumerate(CALIBRATION)}
    best: dict[int, float] = {}
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                f = line.split()
                if len(f) in (9, 10) and f[0] in ("implicit", "autograd") and f[3].isdigit():
                    key = (f[1], f[2], int(f[3]), int(f[4]), int(f[5]), f[6] == "y", int(f[7]))
                    if key in index:
                        best[index[key]] = min(best.get(index[key], math.inf), float(f[8]))
    missing = [CALIBRATION[i] for i in range(len(CALIBRATION)) if i not in best]
    if missing:
        raise SystemExit(f"--refit: no timing of {missing} in {paths}")
    return best


def calibrate(args: argparse.Namespace) -> int:
    """Time grid_task on the calibration configs and fit the cost model per path."""
    torch.set_num_threads(1)
    grid_task(model="matrix", optimizer="sgd", batch_size=16, T=256, layernorm=False, d=10, seeds=1)
    grid_task(model="learnable", optimizer="signgd", batch_size=16, T=256, layernorm=True, d=10, seeds=1)
    timings: dict[int, float] = {}
    if args.refit:   # earlier runs' tables instead of new timings: the best of each config over all of them
        for i, best in _read_tables(args.refit).items():
            timings[i] = best
    for _ in range(0 if args.refit else args.repeats):   # passes over all configs, best of each
        for i, (model, optimizer, d, batch, T, ln, seeds) in enumerate(CALIBRATION):
            task = dict(model=model, optimizer=optimizer, batch_size=batch, T=T, layernorm=ln, d=d, seeds=seeds)
            t0 = time.perf_counter()
            grid_task(**task)
            timings[i] = min(timings.get(i, math.inf), time.perf_counter() - t0)
    rows = []
    print(f"{'path':>9} {'model':>12} {'opt':>7} {'d':>4} {'batch':>5} {'T':>6} {'ln':>3} {'seeds':>5} "
          f"{'seconds':>8} {'model [s]':>9}")
    for i, (model, optimizer, d, batch, T, ln, seeds) in enumerate(CALIBRATION):
        task = dict(model=model, optimizer=optimizer, batch_size=batch, T=T, layernorm=ln, d=d, seeds=seeds)
        best = timings[i]
        rows.append((task, best))
        print(f"{_path(task):>9} {model:>12} {optimizer:>7} {d:>4} {batch:>5} {T:>6} {'y' if ln else 'n':>3} "
              f"{seeds:>5} {best:>8.3f} {estimate_seconds([task]):>9.3f}", flush=True)
        if best > 30:
            print("  (over 30 s: drop this config from CALIBRATION)")
    fit(rows, _simple_terms, ("a", "b", "c"), "first model: steps * (a + runs * (b d^2 + c batch d))")
    fitted, worst = fit(rows, lambda t: paper_grid._cost_terms(t)[1], paper_grid._COST_TERMS,
                        "amtools.paper_grid's model (_cost_terms)")
    print(f"\n_COST = {fitted!r}\nCOST_FACTOR = {worst:.2f}")
    estimates = [(estimate_seconds([t]), s) for t, s in rows]
    current = max((max(p / s, s / p) if p > 0 else math.inf) for p, s in estimates)
    print(f"current amtools.paper_grid._COST: worst factor {current:.2f} on these timings "
          f"(its COST_FACTOR says {paper_grid.COST_FACTOR:.2f})")
    return 0


def _cores() -> int:
    import os

    return os.cpu_count() or 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=10, help="runs per step size in each task (default 10)")
    parser.add_argument("--calibrate", action="store_true", help="fit the cost model instead (see above)")
    parser.add_argument("--repeats", type=int, default=2,
                        help="--calibrate: best of this many passes over the configs")
    parser.add_argument("--refit", nargs="+", metavar="LOG", default=None,
                        help="--calibrate: no new timings, fit the best of each config in these saved outputs "
                             "of earlier --calibrate runs (a shared machine: its load varies)")
    args = parser.parse_args()
    print(f"bench_sweep | python {platform.python_version()} | torch {torch.__version__} | "
          f"{_cores()} cores | {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    start = time.perf_counter()
    code = calibrate(args) if args.calibrate else throughput(args)
    print(f"\nbenchmark wall time: {time.perf_counter() - start:.1f} s")
    return code


if __name__ == "__main__":  # dask spawns worker processes: nothing may run on import
    sys.exit(main())
