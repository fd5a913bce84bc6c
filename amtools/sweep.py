"""Sweeps that outgrow one machine: a grid of tasks on Dask, stored as Parquet, resumable.

:func:`run` sends every combination of a grid to a ``dask.distributed`` client, one task
``fn(**config) -> results`` each, and writes each finished task to its own Parquet file in ``store``,
named by a stable hash of its config (:func:`config_hash`) and written atomically (temporary file,
then rename). A rerun skips the tasks already stored, so a sweep stopped by Ctrl-C, a killed worker or
a lost machine resumes where it stopped; a result is never lost or stored twice. :func:`load` reads
the store back as one ``pandas.DataFrame``, :func:`failures` lists the tasks that failed.

The client is, in order: ``client=`` (any ``dask.distributed.Client``, e.g. on a
``dask_jobqueue.SLURMCluster``), the scheduler at the address in ``AMTOOLS_DASK_SCHEDULER``
(``tcp://host:8786``), or an in-process :func:`local_cluster` sized to the machine. Results travel
back to the caller, which alone writes the store: workers need no shared file system.

``python -m amtools.sweep paper-grid --store DIR [--slice ci]`` runs the paper's optimizer grid
(:mod:`amtools.paper_grid`). Needs the optional extra ``amtools[sweep]`` (dask, pandas, pyarrow),
imported only when a sweep runs, so ``import amtools`` stays light.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import numbers
import os
import socket
import time
import traceback as _traceback
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

from ._validate import as_int

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["SweepReport", "run", "load", "failures", "expand_grid", "config_hash", "local_cluster",
           "close", "SCHEDULER_ENV", "WORKER_ENV"]

#: environment variable naming a running Dask scheduler, e.g. ``tcp://host:8786``
SCHEDULER_ENV = "AMTOOLS_DASK_SCHEDULER"
_SCALARS = (bool, int, float, str, type(None))
_META_KEY = b"amtools.sweep"
_FORMAT = 1


def _need(module: str) -> Any:
    """Import an optional dependency of the ``sweep`` extra, or say how to install it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"amtools.sweep needs {module.split('.')[0]}: pip install 'amtools[sweep]' "
                          "(dask[distributed], pandas, pyarrow)") from None


# --------------------------------------------------------------------------------------------- grid

def _check_config(config: Any, where: str) -> dict[str, Any]:
    if not isinstance(config, Mapping):
        raise TypeError(f"{where} must be a dict of parameter -> value, got {type(config).__name__}")
    out = {}
    for key, value in config.items():
        if not isinstance(key, str) or not key.isidentifier():
            raise ValueError(f"{where}: parameter names must be identifiers, got {key!r}")
        if key.startswith("_"):
            raise ValueError(f"{where}: parameter {key!r} starts with '_', reserved for the store's columns")
        if not isinstance(value, _SCALARS):
            raise TypeError(f"{where}: parameter {key!r} must be a bool, int, float, str or None "
                            f"(one value per task), got {type(value).__name__}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{where}: parameter {key!r} must be finite, got {value}")
        out[key] = value
    return out


def expand_grid(grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The tasks of ``grid``: the product of a dict of lists (last key fastest), or a list of dicts.

    Values are scalars (bool, int, float, str, None); duplicated tasks raise ``ValueError``.
    """
    if isinstance(grid, Mapping):
        if not grid:
            raise ValueError("grid must name at least one parameter")
        for key, values in grid.items():
            if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
                raise TypeError(f"grid[{key!r}] must be a list of values, got {type(values).__name__}")
        lists = {k: list(v) for k, v in grid.items()}
        for key, values in lists.items():
            if not values:
                raise ValueError(f"grid[{key!r}] is empty")
        configs = [dict(zip(lists, combo)) for combo in itertools.product(*lists.values())]
    elif isinstance(grid, Sequence) and not isinstance(grid, (str, bytes)):
        configs = list(grid)
        if not configs:
            raise ValueError("grid must hold at least one task")
    else:
        raise TypeError(f"grid must be a dict of lists or a list of dicts, got {type(grid).__name__}")
    tasks = [_check_config(c, f"grid task {i}") for i, c in enumerate(configs)]
    seen: dict[str, int] = {}
    for i, task in enumerate(tasks):
        h = config_hash(task)
        if h in seen:
            raise ValueError(f"grid tasks {seen[h]} and {i} are the same config {task}")
        seen[h] = i
    return tasks


def config_hash(config: Mapping[str, Any]) -> str:
    """A stable 16-hex-digit name of a config: sha256 of its canonical JSON (sorted keys).

    Independent of key order, the Python process and the machine; ``1`` and ``1.0`` differ.
    """
    config = _check_config(config, "config")
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# -------------------------------------------------------------------------------------------- store

def _as_store(store: Any, *, create: bool) -> Path:
    if not isinstance(store, (str, os.PathLike)):
        raise TypeError(f"store must be a directory path, got {type(store).__name__}")
    path = Path(store)
    if path.exists() and not path.is_dir():
        raise ValueError(f"store must be a directory, {str(path)!r} is a file")
    if create:
        path.mkdir(parents=True, exist_ok=True)
    elif not path.is_dir():
        raise ValueError(f"store {str(path)!r} does not exist")
    return path


def _columns(results: Any) -> dict[str, list[Any]]:
    """A task's return value as columns of equal length: numbers give one row, 1-D sequences several."""
    if not isinstance(results, Mapping) or not results:
        raise TypeError(f"a task must return a non-empty dict of numbers, got {type(results).__name__}")
    columns: dict[str, list[Any]] = {}
    for key, value in results.items():
        if not isinstance(key, str) or key.startswith("_"):
            raise ValueError(f"result names must be strings not starting with '_', got {key!r}")
        if hasattr(value, "tolist"):  # torch / numpy
            value = value.tolist()
        items = value if isinstance(value, (list, tuple)) else [value]
        for item in items:
            if not isinstance(item, (numbers.Real, str)) or isinstance(item, (list, tuple)):
                raise TypeError(f"result {key!r} must be a number or a 1-D list of numbers, "
                                f"got an item of type {type(item).__name__}")
        columns[key] = list(items)
    lengths = {len(v) for v in columns.values()}
    if len(lengths) != 1 or 0 in lengths:
        shown = {k: len(v) for k, v in columns.items()}
        raise ValueError(f"a task's result lists must have one common, non-zero length, got {shown}")
    return columns


def _write(path: Path, config: dict[str, Any], columns: dict[str, list[Any]], meta: dict[str, Any]) -> None:
    """One task's rows to ``path``, atomically: a temporary file in the same directory, then a rename."""
    pa, pq = _need("pyarrow"), _need("pyarrow.parquet")
    rows = len(next(iter(columns.values())))
    data = {k: [v] * rows for k, v in config.items()}
    data.update(columns)
    data.update({f"_{k}": [v] * rows for k, v in meta.items()})
    table = pa.table(data)
    info = {"format": _FORMAT, "hash": path.stem, "config": config, "rows": rows}
    table = table.replace_schema_metadata({_META_KEY: json.dumps(info).encode()})
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        pq.write_table(table, tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _valid(path: Path) -> bool:
    """Whether ``path`` is a complete result file of the task its name says (footer, metadata, rows)."""
    pq = _need("pyarrow.parquet")
    try:
        meta = pq.read_metadata(path)
        info = json.loads(meta.metadata[_META_KEY])
        return (info.get("format") == _FORMAT and info.get("hash") == path.stem
                and config_hash(info["config"]) == path.stem and meta.num_rows == info["rows"])
    except Exception:  # truncated, not Parquet, foreign metadata: all mean "recompute"
        return False


def _scan(store: Path) -> tuple[set[str], list[Path]]:
    """The hashes of the valid result files in ``store``, and the invalid ones."""
    done, bad = set(), []
    for path in sorted(store.glob("*.parquet")):
        (done.add(path.stem) if _valid(path) else bad.append(path))
    return done, bad


# ---------------------------------------------------------------------------------------- execution

def _execute(fn: Callable[..., Any], config: dict[str, Any]) -> tuple[dict[str, list[Any]], dict[str, Any]]:
    """Runs on a worker: the task, its columns checked, and when and where it ran."""
    start = time.time()
    columns = _columns(fn(**config))
    clash = set(config) & set(columns)
    if clash:
        raise ValueError(f"a task returned results named like its parameters: {sorted(clash)}")
    return columns, {"seconds": time.time() - start, "finished": time.time(), "host": socket.gethostname()}


#: variables Dask's nannies set in the *calling* process's environment before spawning each worker
#: (``distributed.nanny.pre-spawn-environ``). Left there, every later subprocess inherits them: after a
#: sweep, a notebook kernel started by the same pytest ran torch on one thread.
_NANNY_ENVIRON = ("MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
#: the environment of each worker process of :func:`local_cluster`, set inside the worker only: one
#: thread per worker, since the cluster has one worker per core.
WORKER_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def _restore_environ(saved: Mapping[str, str | None]) -> None:
    """Put the variables of ``saved`` back as they were (``None``: unset)."""
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _one_torch_thread() -> None:
    """Run on each worker as it starts: torch on one thread. ``WORKER_ENV`` alone is too late when the
    caller's main script imports torch, since a spawned worker imports that script first."""
    import torch

    torch.set_num_threads(1)


def local_cluster(n_workers: int | None = None, *, threads_per_worker: int = 1) -> Any:
    """A ``dask.distributed.Client`` on a new ``LocalCluster`` of worker processes.

    ``n_workers`` defaults to the CPU count. Each task thread runs torch on one thread (the workers get
    :data:`WORKER_ENV`, and torch's thread count is set as each worker starts). Close it with
    :func:`close`, or use it as a context manager.

    Two things differ from Dask's defaults, both measured:

    - The workers keep glibc's default ``MALLOC_TRIM_THRESHOLD_``. Dask's nannies set it to 64 KiB,
      which returns freed memory to the system at once; torch then re-faults the pages of every new
      tensor, and the paper grid's ``ci`` slice took twice as long (72 s against 35 s, with three times
      the system time). On a cluster of your own, unset
      ``distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_`` in the Dask config likewise.
    - The calling process's environment is left as it was. Dask's nannies write their worker settings
      (``OMP_NUM_THREADS=1`` among them) into it, so every process it started afterwards inherited
      them; here they go to the workers alone.
    """
    distributed = _need("dask.distributed")
    if n_workers is None:
        n_workers = max(1, os.cpu_count() or 1)
    n_workers = as_int(n_workers, "n_workers", minimum=1)
    threads_per_worker = as_int(threads_per_worker, "threads_per_worker", minimum=1)
    dask = _need("dask")
    saved = {key: os.environ.get(key) for key in (*_NANNY_ENVIRON, "PYTHONHASHSEED")}
    try:
        with dask.config.set({f"distributed.nanny.pre-spawn-environ.{key}": None for key in _NANNY_ENVIRON}):
            cluster = distributed.LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker,
                                               processes=True, dashboard_address=":0", env=dict(WORKER_ENV))
    finally:
        _restore_environ(saved)   # the nannies still set PYTHONHASHSEED here, for hashing across workers
    client = distributed.Client(cluster)
    client.register_worker_callbacks(setup=_one_torch_thread)   # also on workers that join later
    return client


def close(client: Any, *, cluster: bool = True) -> None:
    """Close ``client`` and, if ``cluster`` (default), the cluster it was made with (e.g. by
    :func:`local_cluster`); leave a scheduler you connected to by address running with ``cluster=False``."""
    distributed = _need("dask.distributed")
    if not isinstance(client, distributed.Client):
        raise TypeError(f"client must be a dask.distributed.Client, got {type(client).__name__}")
    if not isinstance(cluster, bool):
        raise TypeError(f"cluster must be a bool, got {type(cluster).__name__}")
    owner = getattr(client, "cluster", None) if cluster else None
    client.close()
    if owner is not None:
        owner.close()


def _client(client: Any) -> tuple[Any, bool]:
    """The client to use and whether :func:`run` made it (and must close it)."""
    distributed = _need("dask.distributed")
    if client is not None:
        if not isinstance(client, distributed.Client):
            raise TypeError(f"client must be a dask.distributed.Client, got {type(client).__name__}")
        return client, False
    address = os.environ.get(SCHEDULER_ENV, "").strip()
    if address:
        return distributed.Client(address), True
    return local_cluster(), True


@dataclass
class SweepReport:
    """What :func:`run` did: tasks in the grid, found already stored, run now, and failed."""

    store: Path
    total: int
    skipped: int
    ran: int
    failed: list[dict[str, Any]] = field(default_factory=list)   #: config, error, traceback, hash
    recomputed: int = 0                                          #: invalid files found and redone
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        """Every task of the grid is in the store."""
        return not self.failed and self.skipped + self.ran == self.total

    def __str__(self) -> str:
        text = (f"sweep {self.store}: {self.total} tasks, {self.skipped} already stored, {self.ran} run "
                f"in {self.seconds:.1f} s, {len(self.failed)} failed")
        if self.recomputed:
            text += f", {self.recomputed} invalid files recomputed"
        for f in self.failed:
            text += f"\n  FAILED {f['config']}: {f['error']}"
        return text


def run(fn: Callable[..., Any], grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]], *,
        store: str | os.PathLike, client: Any = None, retries: int = 1,
        progress: bool = True) -> SweepReport:
    """Run ``fn(**config)`` for every task of ``grid`` not yet in ``store``, on Dask; return a report.

    ``fn`` returns a dict of numbers (one row) or of equal-length 1-D lists or tensors (one row per
    item, e.g. per seed: batch the seeds inside a task so it is worth scheduling). Each finished task
    is written at once to ``store/<config_hash>.parquet``; invalid or partial files are recomputed. A
    task that raises (or whose worker dies) is retried ``retries`` times, then recorded with its
    traceback in ``store/<hash>.error.json`` and reported; the other tasks go on. ``progress`` shows a
    tqdm bar of finished / total tasks with the time left.
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    tasks = expand_grid(grid)
    path = _as_store(store, create=True)
    retries = as_int(retries, "retries", minimum=0)
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be a bool, got {type(progress).__name__}")
    distributed = _need("dask.distributed")
    _need("pyarrow.parquet")
    if client is not None and not isinstance(client, distributed.Client):
        raise TypeError(f"client must be a dask.distributed.Client, got {type(client).__name__}")

    start = time.perf_counter()
    done, bad = _scan(path)
    hashes = [config_hash(t) for t in tasks]
    wanted = set(hashes)
    for bad_file in bad:
        if bad_file.stem in wanted:     # files of other sweeps sharing the store are left alone
            warnings.warn(f"{bad_file.name} is not a complete result file: recomputing it", stacklevel=2)
            bad_file.unlink(missing_ok=True)
    todo = [(h, t) for h, t in zip(hashes, tasks) if h not in done]
    report = SweepReport(store=path, total=len(tasks), skipped=len(tasks) - len(todo), ran=0,
                         recomputed=sum(b.stem in wanted for b in bad))
    if not todo:
        report.seconds = time.perf_counter() - start
        return report

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(tasks), initial=report.skipped, desc="sweep", unit="task")
    dask_client, owned = _client(client)
    run_id = uuid.uuid4().hex[:8]
    futures = {}
    try:
        for h, task in todo:
            future = dask_client.submit(_execute, fn, task, key=f"amtools-sweep-{h}-{run_id}",
                                        retries=retries, pure=False)
            futures[future] = (h, task)
        for future in distributed.as_completed(futures):
            h, task = futures.pop(future)
            error = None
            if future.status == "finished":
                columns, meta = future.result()
                try:
                    _write(path / f"{h}.parquet", task, columns, meta)
                except (TypeError, ValueError, OverflowError) as exc:  # pyarrow cannot store it, e.g. [1, "a"]
                    error, tb = exc, _traceback.format_exc()
                else:
                    (path / f"{h}.error.json").unlink(missing_ok=True)
                    report.ran += 1
            elif future.status == "cancelled":   # e.g. client.restart() from elsewhere
                error, tb = RuntimeError("the task was cancelled on the cluster"), ""
            else:
                error = future.exception()
                tb = "".join(_traceback.format_exception(type(error), error, future.traceback()))
            if error is not None:
                failure = {"hash": h, "config": task, "error": f"{type(error).__name__}: {error}",
                           "traceback": tb, "retries": retries, "finished": time.time()}
                (path / f"{h}.error.json").write_text(json.dumps(failure, indent=1))
                report.failed.append(failure)
            if bar is not None:
                bar.update(1)
    finally:
        for future in futures:  # interrupted: nothing left running for this sweep
            future.cancel()
        if bar is not None:
            bar.close()
        if owned:
            close(dask_client)
    report.seconds = time.perf_counter() - start
    if report.failed:
        warnings.warn(str(report), stacklevel=2)
    return report


def load(store: str | os.PathLike) -> "pandas.DataFrame":
    """Every stored row: the config's columns, the result's columns, and ``_hash``, ``_seconds``
    (the task's run time), ``_finished`` (Unix time) and ``_host``. Invalid files are skipped with a
    warning (a rerun of :func:`run` recomputes them)."""
    pd, pq = _need("pandas"), _need("pyarrow.parquet")
    path = _as_store(store, create=False)
    done, bad = _scan(path)
    for bad_file in bad:
        warnings.warn(f"{bad_file} is not a complete result file: skipped (run the sweep again)",
                      stacklevel=2)
    frames = []
    for h in sorted(done):
        frame = pq.read_table(path / f"{h}.parquet").to_pandas()
        frame.insert(len(frame.columns), "_hash", h)
        frames.append(frame)
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


def failures(store: str | os.PathLike) -> "pandas.DataFrame":
    """The tasks whose last attempt failed: ``hash``, the config's columns, ``error``, ``traceback``."""
    pd = _need("pandas")
    path = _as_store(store, create=False)
    rows = []
    for file in sorted(path.glob("*.error.json")):
        info = json.loads(file.read_text())
        rows.append({"hash": info["hash"], **info["config"], "error": info["error"],
                     "traceback": info["traceback"]})
    return pd.DataFrame(rows)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m amtools.sweep paper-grid ...``: see :func:`amtools.paper_grid.main`."""
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"}:
        print("usage: python -m amtools.sweep paper-grid --store DIR [--slice NAME] [--workers N] "
              "[--scheduler ADDRESS] [--dry-run]\n  (python -m amtools.sweep paper-grid --help for details)")
        return 0 if args else 2
    if args[0] != "paper-grid":
        print(f"unknown command {args[0]!r}; the only one is 'paper-grid'", file=sys.stderr)
        return 2
    from . import paper_grid

    return paper_grid.main(args[1:])


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
