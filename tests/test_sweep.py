"""Tests of :mod:`amtools.sweep` (issue 13, section 3 "Reliability") on a real 2-worker ``LocalCluster``.

One cluster of worker processes (:func:`amtools.sweep.local_cluster`) is shared by the module. The
tests interrupt a sweep running in another process with a real SIGINT, make tasks fail, corrupt stored
files, and kill a worker (of the LocalCluster that ``run(client=None)`` makes itself, so the shared
cluster keeps its workers), then check that a rerun stores every task exactly once.
Task functions are module-level and pickled by value (cloudpickle), so workers need not import this file;
they count their calls with marker files (one file per call, named by the task's ``i``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pd = pytest.importorskip("pandas")
pq = pytest.importorskip("pyarrow.parquet")
distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")
cloudpickle = pytest.importorskip("cloudpickle")

from amtools import paper_grid, sweep  # noqa: E402

cloudpickle.register_pickle_by_value(sys.modules[__name__])

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


# ---------------------------------------------------------------------------------- helpers & tasks

@pytest.fixture(scope="module")
def client():
    """One real 2-worker LocalCluster (worker processes) for the whole module."""
    c = sweep.local_cluster(2)
    c.wait_for_workers(2, timeout=120)
    yield c
    sweep.close(c)


@pytest.fixture
def cluster(client):
    """The shared client, with both workers up."""
    client.wait_for_workers(2, timeout=120)
    return client


def _mark(marks: str | None, i: int, what: str = "call") -> None:
    if marks is not None:
        Path(marks, f"{i}.{uuid.uuid4().hex}.{what}").touch()


def _calls(marks: Path, what: str = "call") -> Counter:
    """How many times each task ``i`` wrote a ``what`` marker."""
    return Counter(int(p.name.split(".")[0]) for p in marks.iterdir() if p.name.endswith("." + what))


def _no_temp_files(store: Path) -> None:
    leftovers = [p.name for p in store.iterdir() if p.name.startswith(".") or p.name.endswith(".tmp")]
    assert leftovers == [], f"temporary files left in the store: {leftovers}"


def _check_squares(store: Path, n: int) -> "pd.DataFrame":
    """The store holds ``i = 0..n-1`` exactly once each, with ``y = i * i`` and a correct ``_hash``."""
    frame = sweep.load(store)
    assert sorted(frame["i"]) == list(range(n))
    assert (frame["y"] == frame["i"] ** 2).all()
    assert [sweep.config_hash({"i": int(i)}) for i in frame["i"]] == list(frame["_hash"])
    assert sorted(p.stem for p in store.glob("*.parquet")) == sorted(frame["_hash"])
    _no_temp_files(store)
    return frame


def square(*, i: int, marks: str | None = None, sleep: float = 0.0) -> dict[str, Any]:
    """``y = i * i``, after writing a call marker and sleeping."""
    _mark(marks, i)
    time.sleep(sleep)
    _mark(marks, i, "done")
    return {"y": i * i}


KILL_I = 2


def kill_once(*, i: int, flag: str) -> dict[str, Any]:
    """Task ``KILL_I`` SIGKILLs its own worker process the first time it runs (``flag`` records it)."""
    if i == KILL_I:
        try:
            os.close(os.open(flag, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            pass
        else:
            os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.05)
    return {"y": i * i, "worker": distributed.get_worker().address}


def flaky(*, i: int, marks: str, fixed: str) -> dict[str, Any]:
    """Task 2 raises until the file ``fixed`` exists; every attempt leaves a marker."""
    _mark(marks, i)
    if i == 2 and not os.path.exists(fixed):
        raise RuntimeError(f"boom for i={i}: the cause is not fixed")
    return {"y": i * i}


def shaped(*, kind: str) -> dict[str, Any]:
    """Results of several shapes, valid and not."""
    if kind == "scalar":
        return {"a": 1.5, "b": 7}
    if kind == "list":
        return {"a": [0.5, 1.5, 2.5], "b": (1, 2, 3)}
    if kind == "tensor":
        import torch

        return {"a": torch.arange(4, dtype=torch.float64) / 2, "b": torch.tensor([4, 5, 6, 7])}
    if kind == "unequal":
        return {"a": [1.0, 2.0], "b": [1, 2, 3]}
    if kind == "clash":
        return {"kind": 1.0, "a": 2.0}
    if kind == "mixed":  # a column pyarrow cannot store: must fail this task, not the sweep
        return {"a": [1, "x"], "b": [1, 2]}
    raise AssertionError(kind)


def where(*, i: int) -> dict[str, Any]:
    """The address of the worker that ran the task."""
    return {"worker": distributed.get_worker().address}


def _scheduler_state(dask_scheduler=None) -> tuple[int, int]:
    return len(dask_scheduler.tasks), len(dask_scheduler.clients)


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


# ------------------------------------------------------------------- Ctrl-C in another process

_INTERRUPTED = """
import signal, sys, time, uuid
from pathlib import Path
from amtools import sweep

# Ctrl-C raises KeyboardInterrupt, as in a terminal, also when this test runs in a background job
# (a non-interactive shell starts those with SIGINT ignored, and children inherit it: the sweep then
# ran to its end and exited with 0, the failure seen in a clean-clone run started with `&`)
signal.signal(signal.SIGINT, signal.default_int_handler)

marks, store, n = sys.argv[1], sys.argv[2], int(sys.argv[3])

def slow(*, i):
    Path(marks, f"{i}.{uuid.uuid4().hex}.call").touch()
    time.sleep(1.0)   # 16 tasks on 2 workers: about 8 s, so the interrupt lands mid-sweep on a slow machine too
    Path(marks, f"{i}.{uuid.uuid4().hex}.done").touch()
    return {"y": i * i}

sweep.run(slow, {"i": list(range(n))}, store=store, progress=False)  # client from AMTOOLS_DASK_SCHEDULER
"""


def test_interrupted_sweep_resumes_with_exactly_the_missing_tasks(cluster, tmp_path):
    """SIGINT (a real Ctrl-C) to a sweep in a subprocess after >= 3 results; the rerun runs each missing
    task exactly once, skips the stored ones, and the store ends with every task once."""
    n, k = 16, 3
    store, marks = tmp_path / "store", tmp_path / "marks"
    marks.mkdir()
    env = {**os.environ, sweep.SCHEDULER_ENV: cluster.scheduler.address, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([PYTHON, "-c", _INTERRUPTED, str(marks), str(store), str(n)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait(lambda: proc.poll() is not None or (store.is_dir() and len(list(store.glob("*.parquet"))) >= k),
              90, f"{k} result files")
        assert proc.poll() is None, f"the sweep ended before the interrupt: {proc.communicate()}"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode != 0 and "KeyboardInterrupt" in err, err[-2000:]
    # the sweep's futures are cancelled: the scheduler forgets them, the tasks already executing finish
    _wait(lambda: cluster.run_on_scheduler(_scheduler_state)[0] == 0, 30, "the scheduler to drop the tasks")
    _wait(lambda: _calls(marks) == _calls(marks, "done"), 30, "the running tasks to finish")
    before = _calls(marks)
    present = {int(pq.read_table(p).column("i")[0].as_py()) for p in store.glob("*.parquet")}
    assert k <= len(present) < n
    assert set(before) >= present  # each stored task did run

    report = sweep.run(functools.partial(square, marks=str(marks)), {"i": list(range(n))}, store=store,
                       client=cluster, progress=False)
    assert report.complete
    assert (report.total, report.skipped, report.ran, report.recomputed) == (n, len(present), n - len(present), 0)
    ran_now = _calls(marks) - before
    assert dict(ran_now) == {i: 1 for i in range(n) if i not in present}
    _check_squares(store, n)


def test_interrupt_cancels_the_sweeps_tasks_on_a_client_it_does_not_own(cluster, tmp_path, monkeypatch):
    """Ctrl-C in the caller (KeyboardInterrupt while storing the 2nd result) with the caller's client:
    run cancels its remaining tasks (the client stays open, so only the cancel stops them)."""
    store, marks = tmp_path / "store", tmp_path / "marks"
    marks.mkdir()
    real_write, writes = sweep._write, []

    def interrupted_write(*args, **kwargs):
        writes.append(args[0])
        if len(writes) == 2:
            raise KeyboardInterrupt
        real_write(*args, **kwargs)

    monkeypatch.setattr(sweep, "_write", interrupted_write)
    with pytest.raises(KeyboardInterrupt) as interrupted:  # (keeps run's frame, and its futures, alive)
        sweep.run(functools.partial(square, marks=str(marks), sleep=0.2), {"i": list(range(10))}, store=store,
                  client=cluster, progress=False)
    assert cluster.status == "running"
    _wait(lambda: cluster.run_on_scheduler(_scheduler_state)[0] == 0, 10, "the sweep's tasks to be cancelled")
    _wait(lambda: _calls(marks) == _calls(marks, "done"), 10, "the running tasks to finish")
    time.sleep(0.5)
    assert sum(_calls(marks).values()) < 10  # the queued tasks never started
    assert len(list(store.glob("*.parquet"))) == 1 and interrupted.value is not None
    _no_temp_files(store)


# ------------------------------------------------------------------------ 3. failures and retries

def test_failing_task_is_retried_reported_and_rerun_after_the_fix(cluster, tmp_path):
    store, marks, fixed = tmp_path / "store", tmp_path / "marks", tmp_path / "fixed"
    marks.mkdir()
    fn = functools.partial(flaky, marks=str(marks), fixed=str(fixed))
    grid = {"i": list(range(5))}
    with pytest.warns(UserWarning, match="1 failed"):
        report = sweep.run(fn, grid, store=store, client=cluster, retries=2, progress=False)
    assert (report.total, report.skipped, report.ran) == (5, 0, 4) and not report.complete
    assert _calls(marks) == {0: 1, 1: 1, 2: 3, 3: 1, 4: 1}  # 1 attempt + 2 retries for the failing task
    [failure] = report.failed
    h = sweep.config_hash({"i": 2})
    assert failure["config"] == {"i": 2} and failure["hash"] == h and failure["retries"] == 2
    assert failure["error"] == "RuntimeError: boom for i=2: the cause is not fixed"
    assert "FAILED {'i': 2}" in str(report)
    on_disk = json.loads((store / f"{h}.error.json").read_text())
    assert on_disk["config"] == {"i": 2} and "boom for i=2" in on_disk["traceback"]
    table = sweep.failures(store)
    assert list(table["hash"]) == [h] and list(table["i"]) == [2]
    assert "boom for i=2" in table["traceback"][0] and "flaky" in table["traceback"][0]
    assert sorted(sweep.load(store)["i"]) == [0, 1, 3, 4]  # the others went on

    fixed.touch()
    again = sweep.run(fn, grid, store=store, client=cluster, retries=2, progress=False)
    assert again.complete and (again.skipped, again.ran, again.failed) == (4, 1, [])
    assert _calls(marks) == {0: 1, 1: 1, 2: 4, 3: 1, 4: 1}  # only the failed task ran again
    assert not (store / f"{h}.error.json").exists() and sweep.failures(store).empty
    _check_squares(store, 5)


# --------------------------------------------------------------------- 4. corrupt or partial files

def test_corrupt_partial_and_misnamed_files_are_detected_and_recomputed(cluster, tmp_path):
    store, marks = tmp_path / "store", tmp_path / "marks"
    marks.mkdir()
    fn = functools.partial(square, marks=str(marks))
    grid = {"i": list(range(5))}
    assert sweep.run(fn, grid, store=store, client=cluster, progress=False).complete
    file = {i: store / f"{sweep.config_hash({'i': i})}.parquet" for i in range(5)}
    data = file[0].read_bytes()
    file[0].write_bytes(data[: len(data) // 2])                   # partial (truncated)
    file[1].write_bytes(b"PAR1 this is not a parquet file PAR1")  # garbage
    file[2].write_bytes(file[3].read_bytes())                     # valid Parquet under a wrong hash
    assert pq.read_table(file[2]).num_rows == 1                   # (readable: only the name is wrong)

    with pytest.warns(UserWarning, match="not a complete result file: skipped") as caught:
        partial_frame = sweep.load(store)
    warned = " ".join(str(w.message) for w in caught)
    assert all(file[i].name in warned for i in (0, 1, 2)) and file[3].name not in warned
    assert sorted(partial_frame["i"]) == [3, 4]

    with pytest.warns(UserWarning, match="recomputing") as caught:
        report = sweep.run(fn, grid, store=store, client=cluster, progress=False)
    assert sorted(file[i].name in str(w.message) for w in caught for i in (0, 1, 2)).count(True) == 3
    assert (report.skipped, report.ran, report.recomputed) == (2, 3, 3) and report.complete
    assert "3 invalid files recomputed" in str(report)
    assert _calls(marks) == {0: 2, 1: 2, 2: 2, 3: 1, 4: 1}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _check_squares(store, 5)


def test_invalid_files_of_other_sweeps_are_left_alone(cluster, tmp_path):
    # two sweeps share a store: a run of one does not delete the other's (invalid) file
    store = tmp_path / "store"
    other = store / f"{sweep.config_hash({'j': 7})}.parquet"
    store.mkdir()
    other.write_bytes(b"half a file of another sweep")
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # and it does not warn about it either
        report = sweep.run(square, {"i": [1, 2]}, store=store, client=cluster, progress=False)
    assert report.complete and report.recomputed == 0
    assert other.read_bytes() == b"half a file of another sweep"


def test_a_bad_client_is_rejected_even_with_nothing_to_run(cluster, tmp_path):
    store = tmp_path / "store"
    assert sweep.run(square, {"i": [1]}, store=store, client=cluster, progress=False).complete
    with pytest.raises(TypeError, match="client"):
        sweep.run(square, {"i": [1]}, store=store, client="tcp://localhost:8786", progress=False)


def test_write_is_atomic_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    """A write that fails before its rename leaves neither the target nor a temporary file."""
    target = tmp_path / f"{sweep.config_hash({'i': 1})}.parquet"

    def broken_replace(src, dst):
        assert Path(src).exists() and Path(src).name.startswith(".")  # the rows went to a temp file first
        raise OSError("disk gone")

    monkeypatch.setattr(sweep.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk gone"):
        sweep._write(target, {"i": 1}, {"y": [1]}, {"seconds": 0.0})
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    sweep._write(target, {"i": 1}, {"y": [1, 2]}, {"seconds": 0.0})
    assert [p.name for p in tmp_path.iterdir()] == [target.name] and sweep._valid(target)
    assert list(sweep.load(tmp_path)["y"]) == [1, 2]


# -------------------------------------------------------------------------- 5. results and columns

def test_result_shapes_and_load_columns(cluster, tmp_path):
    store = tmp_path / "store"
    kinds = ["scalar", "list", "tensor", "unequal", "clash", "mixed"]
    started = time.time()
    with pytest.warns(UserWarning, match="3 failed"):
        report = sweep.run(shaped, {"kind": kinds}, store=store, client=cluster, retries=0, progress=False)
    assert (report.ran, report.skipped) == (3, 0)
    errors = {f["config"]["kind"]: f["error"] for f in report.failed}
    assert set(errors) == {"unequal", "clash", "mixed"}
    assert errors["unequal"].startswith("ValueError") and "common, non-zero length" in errors["unequal"]
    assert errors["clash"].startswith("ValueError") and "['kind']" in errors["clash"]
    assert "convert" in errors["mixed"]
    assert all(f["retries"] == 0 for f in report.failed)
    assert sorted(sweep.failures(store)["kind"]) == ["clash", "mixed", "unequal"]

    frame = sweep.load(store)
    assert list(frame.columns) == ["kind", "a", "b", "_seconds", "_finished", "_host", "_hash"]
    assert frame.groupby("kind").size().to_dict() == {"list": 3, "scalar": 1, "tensor": 4}
    by = {k: g for k, g in frame.groupby("kind")}
    assert list(by["scalar"]["a"]) == [1.5] and list(by["scalar"]["b"]) == [7]
    assert list(by["list"]["a"]) == [0.5, 1.5, 2.5] and list(by["list"]["b"]) == [1, 2, 3]
    assert list(by["tensor"]["a"]) == [0.0, 0.5, 1.0, 1.5] and list(by["tensor"]["b"]) == [4, 5, 6, 7]
    assert (frame["_host"] == socket.gethostname()).all()
    assert (frame["_seconds"] >= 0).all() and (frame["_seconds"] < 60).all()
    assert frame["_finished"].between(started, time.time()).all()
    for kind, group in by.items():
        assert set(group["_hash"]) == {sweep.config_hash({"kind": kind})}
    _no_temp_files(store)


def test_columns_validation():
    assert sweep._columns({"a": 1}) == {"a": [1]}
    for bad, error in [({}, TypeError), ([1], TypeError), ({"_a": 1}, ValueError), ({1: 1}, ValueError),
                       ({"a": [[1, 2]]}, TypeError), ({"a": None}, TypeError), ({"a": []}, ValueError)]:
        with pytest.raises(error):
            sweep._columns(bad)


# ------------------------------------------- clients: env var; default (and a killed worker)

def test_scheduler_env_var_is_used_and_its_client_closed(cluster, tmp_path, monkeypatch):
    monkeypatch.setenv(sweep.SCHEDULER_ENV, f" {cluster.scheduler.address} ")
    _, clients_before = cluster.run_on_scheduler(_scheduler_state)
    report = sweep.run(where, {"i": list(range(6))}, store=tmp_path, client=None, progress=False)
    assert report.complete and report.ran == 6
    workers = set(cluster.scheduler_info()["workers"])
    assert len(workers) == 2 and set(sweep.load(tmp_path)["worker"]) <= workers
    _wait(lambda: cluster.run_on_scheduler(_scheduler_state)[1] == clients_before, 30,
          "run's own client to disconnect")


def test_killed_worker_on_the_default_cluster_completes_on_rerun(cluster, tmp_path, monkeypatch):
    """``client=None`` without AMTOOLS_DASK_SCHEDULER: run makes its own LocalCluster (one cluster
    start for two checks). A task SIGKILLs its worker there; with ``allowed-failures = 0`` Dask gives up
    at the first death, so the tasks of that worker are reported (KilledWorker); run closes its cluster;
    a rerun (on the shared cluster) completes with every task stored exactly once."""
    monkeypatch.delenv(sweep.SCHEDULER_ENV, raising=False)
    made, real = [], sweep.local_cluster

    def recording(*args, **kwargs):
        made.append((args, kwargs, real(*args, **kwargs)))
        return made[-1][2]

    monkeypatch.setattr(sweep, "local_cluster", recording)
    store, flag = tmp_path / "store", tmp_path / "killed"
    fn = functools.partial(kill_once, flag=str(flag))
    grid = {"i": list(range(6))}
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with pytest.warns(UserWarning, match="KilledWorker"):
            first = sweep.run(fn, grid, store=store, progress=False)
    [(args, kwargs, own)] = made
    assert args == () and kwargs == {}  # the default size: one worker per core
    assert own.status == "closed" and own.cluster.status.name == "closed"
    assert flag.exists(), "the task never killed its worker"
    failed = {f["config"]["i"] for f in first.failed}
    assert KILL_I in failed and not first.complete
    assert all(f["error"].startswith("KilledWorker") for f in first.failed)
    assert first.ran + len(first.failed) == 6 and first.skipped == 0
    assert sorted(p.name for p in store.glob("*.error.json")) == sorted(
        f"{sweep.config_hash({'i': i})}.error.json" for i in failed)
    stored = sweep.load(store)
    assert sorted(stored["i"]) == sorted(set(range(6)) - failed)
    assert not set(stored["worker"]) & set(cluster.scheduler_info()["workers"])  # not the shared cluster

    second = sweep.run(fn, grid, store=store, client=cluster, progress=False)
    assert second.complete
    assert (second.skipped, second.ran, second.failed) == (6 - len(failed), len(failed), [])
    assert list(store.glob("*.error.json")) == []
    assert sweep.failures(store).empty
    frame = _check_squares(store, 6)
    assert set(frame.loc[frame["i"].isin(failed), "worker"]) <= set(cluster.scheduler_info()["workers"])


def _worker_threads() -> dict[str, Any]:
    import torch

    return {"torch_threads": torch.get_num_threads(),
            **{key: os.environ.get(key) for key in (*sweep.WORKER_ENV, "MALLOC_TRIM_THRESHOLD_")}}


def test_local_cluster_leaves_the_callers_environment_alone(monkeypatch):
    """Dask's nannies write ``OMP_NUM_THREADS=1`` (and more) into the environment of the process that
    starts them, at every worker (re)start; a notebook kernel started later by the same pytest then ran
    torch on one thread. The workers get one thread each, the caller's environment stays as it was,
    through a worker restart and the close."""
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    for key in ("MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MALLOC_TRIM_THRESHOLD_"):
        monkeypatch.delenv(key, raising=False)
    def environ() -> dict[str, str]:   # but Dask's own marker for its children's process titles
        return {k: v for k, v in os.environ.items() if k != "__DASK_PARENT_PID"}

    before = environ()
    client = sweep.local_cluster(1)
    try:
        client.wait_for_workers(1, timeout=120)
        assert environ() == before
        for _ in range(2):   # the first workers, then their replacements after a restart
            [threads] = client.run(_worker_threads).values()
            assert threads == {"torch_threads": 1, **sweep.WORKER_ENV, "MALLOC_TRIM_THRESHOLD_": None}
            client.restart()
        after_restart = environ()
    finally:
        sweep.close(client)
    assert client.status == "closed" and client.cluster.status.name == "closed"
    after_restart.pop("PYTHONHASHSEED", None)  # the nannies set it at a restart: a hashing seed, no speed
    before.pop("PYTHONHASHSEED", None)
    assert after_restart == before
    with pytest.raises(TypeError, match="client"):
        sweep.close("tcp://127.0.0.1:8786")
    with pytest.raises(TypeError, match="cluster"):
        sweep.close(client, cluster="yes")


MAIN_IMPORTS_TORCH = """
import json, torch        # a main script importing torch: spawned workers import it before their env
from amtools import sweep
if __name__ == "__main__":
    client = sweep.local_cluster(2)
    threads = [sorted(client.run(torch.get_num_threads).values())]
    client.restart()
    threads.append(sorted(client.run(torch.get_num_threads).values()))
    sweep.close(client)
    print(json.dumps(threads))
"""


def test_workers_run_one_torch_thread_when_the_main_script_imports_torch(tmp_path):
    """The benchmark and ``python -m amtools.sweep`` import torch in their main module, which every
    spawned worker imports first: the worker environment alone left torch on two threads per worker
    on two cores (measured: the sweep lost its whole speed-up)."""
    script = tmp_path / "main_imports_torch.py"
    script.write_text(MAIN_IMPORTS_TORCH)
    env = {k: v for k, v in os.environ.items() if k not in sweep.WORKER_ENV}
    done = subprocess.run([PYTHON, str(script)], capture_output=True, text=True, timeout=300, env=env,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [[1, 1], [1, 1]]  # before / after a restart


# ------------------------------------------------------------------------- progress & validation

def test_progress_bar(cluster, tmp_path, capsys):
    grid = {"i": [0, 1, 2]}
    sweep.run(square, {"i": [0]}, store=tmp_path / "a", client=cluster, progress=False)
    assert "sweep:" not in capsys.readouterr().err
    sweep.run(square, grid, store=tmp_path / "a", client=cluster, progress=True)
    err = capsys.readouterr().err
    assert "sweep:" in err and "3/3" in err and "1/3" in err  # starts at the one already stored
    report = sweep.run(square, grid, store=tmp_path / "a", client=cluster, progress=True)
    assert report.skipped == 3 and "sweep:" not in capsys.readouterr().err  # nothing to do: no bar


def test_run_validates_its_arguments(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    cases = [
        (dict(fn=42), TypeError, "fn"),
        (dict(retries=-1), ValueError, "retries"),
        (dict(retries=True), TypeError, "retries"),
        (dict(retries=1.0), TypeError, "retries"),
        (dict(store=a_file), ValueError, "store"),
        (dict(store=3), TypeError, "store"),
        (dict(client="tcp://localhost:8786"), TypeError, "client"),
        (dict(progress="yes"), TypeError, "progress"),
        (dict(grid={"i": []}), ValueError, "grid"),
        (dict(grid=[{"i": 1}, {"i": 1}]), ValueError, "same config"),
    ]
    for change, error, word in cases:
        kwargs = {"fn": square, "grid": {"i": [1]}, "store": tmp_path / "s", "progress": False, **change}
        fn, grid = kwargs.pop("fn"), kwargs.pop("grid")
        with pytest.raises(error, match=word):
            sweep.run(fn, grid, **kwargs)
    with pytest.raises(ValueError, match="does not exist"):
        sweep.load(tmp_path / "missing")
    with pytest.raises(ValueError, match="is a file"):
        sweep.failures(a_file)
    assert sweep.load(tmp_path / "s").empty and sweep.failures(tmp_path / "s").empty
    for bad, error in ((0, ValueError), (-1, ValueError), (True, TypeError), (1.5, TypeError), ("2", TypeError)):
        with pytest.raises(error, match="n_workers"):
            sweep.local_cluster(bad)
    with pytest.raises(ValueError, match="threads_per_worker"):
        sweep.local_cluster(1, threads_per_worker=0)


# ----------------------------------------------------------------------------- grid and hashing

def test_expand_grid_product_order_last_key_fastest():
    assert sweep.expand_grid({"a": [1, 2], "b": ["x", "y", "z"]}) == [
        {"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 1, "b": "z"},
        {"a": 2, "b": "x"}, {"a": 2, "b": "y"}, {"a": 2, "b": "z"}]
    tasks = [{"a": 1, "b": None}, {"a": 2.5, "flag": True}]
    assert sweep.expand_grid(tasks) == tasks and sweep.expand_grid(tuple(tasks)) == tasks
    assert sweep.expand_grid({"a": (x for x in [3, 1])}) == [{"a": 3}, {"a": 1}]
    assert sweep.expand_grid({"a": [1, 1.0, True]}) == [{"a": 1}, {"a": 1.0}, {"a": True}]  # all differ


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4))
def test_expand_grid_is_the_product_with_the_last_key_fastest(sizes):
    grid = {f"k{j}": [f"v{j}_{v}" for v in range(size)] for j, size in enumerate(sizes)}
    tasks = sweep.expand_grid(grid)
    assert len(tasks) == math.prod(sizes)
    for index, task in enumerate(tasks):
        assert list(task) == list(grid)
        digits, rest = [], index
        for size in reversed(sizes):  # mixed-radix digits of the index, last key least significant
            digits.append(rest % size)
            rest //= size
        assert [int(v.split("_")[1]) for v in task.values()] == digits[::-1]


@pytest.mark.parametrize("grid, error, word", [
    ({}, ValueError, "at least one parameter"),
    ([], ValueError, "at least one task"),
    ({"a": []}, ValueError, "grid\\['a'\\]"),
    ({"a": "xyz"}, TypeError, "grid\\['a'\\]"),
    ({"a": 5}, TypeError, "grid\\['a'\\]"),
    ({"a": [1, 2, 1]}, ValueError, "tasks 0 and 2"),
    ([{"a": 1, "b": 2}, {"b": 2, "a": 1}], ValueError, "same config"),
    ({"1a": [1]}, ValueError, "'1a'"),
    ({"a-b": [1]}, ValueError, "'a-b'"),
    ({"_seconds": [1]}, ValueError, "'_seconds'"),
    ({"a": [[1, 2]]}, TypeError, "'a'"),
    ({"a": [{"x": 1}]}, TypeError, "'a'"),
    ({"a": [float("nan")]}, ValueError, "'a' must be finite"),
    ({"a": [float("inf")]}, ValueError, "'a' must be finite"),
    (5, TypeError, "grid must be"),
    ("a", TypeError, "grid must be"),
    ([5], TypeError, "grid task 0"),
    ([{"a": 1}, {2: 1}], ValueError, "grid task 1"),
])
def test_expand_grid_rejects_bad_grids(grid, error, word):
    with pytest.raises(error, match=word):
        sweep.expand_grid(grid)


def _independent_hash(config: dict) -> str:
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def test_config_hash_is_pinned():
    config = {"model": "matrix", "d": 10, "lr": 0.5, "layernorm": False, "note": None}
    text = '{"d":10,"layernorm":false,"lr":0.5,"model":"matrix","note":null}'
    assert hashlib.sha256(text.encode()).hexdigest()[:16] == "08c334eae74a7564"
    assert sweep.config_hash(config) == "08c334eae74a7564"  # same in every process and on every machine
    assert sweep.config_hash(dict(reversed(list(config.items())))) == "08c334eae74a7564"
    assert len({sweep.config_hash({"a": v}) for v in (1, 1.0, True, "1", None, 0, False)}) == 7
    with pytest.raises(TypeError, match="config"):
        sweep.config_hash([("a", 1)])
    with pytest.raises(TypeError, match="'a'"):
        sweep.config_hash({"a": [1]})


_scalars = (st.none() | st.booleans() | st.integers(-10**12, 10**12)
            | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8))
_configs = st.dictionaries(st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True), _scalars, min_size=1, max_size=6)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_configs, st.randoms(use_true_random=False))
def test_config_hash_is_canonical_json_sha256_and_order_free(config, rng):
    h = sweep.config_hash(config)
    assert h == _independent_hash(config) and len(h) == 16 and int(h, 16) >= 0
    items = list(config.items())
    rng.shuffle(items)
    assert sweep.config_hash(dict(items)) == h
    ints = {k: v for k, v in config.items() if type(v) is int}
    if ints:  # an int and the equal float are different configs
        assert sweep.config_hash({**config, **{k: float(v) for k, v in ints.items()}}) != h


# ----------------------------------------------------------------------------------- 6. the CLI

def test_cli(tmp_path, capsys):
    """``python -m amtools.sweep paper-grid --dry-run`` for real (one subprocess: each pays the import of
    amtools, torch included), the rest through :func:`amtools.sweep.main` in-process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(sweep.SCHEDULER_ENV, None)
    store = tmp_path / "grid"
    dry = subprocess.run([PYTHON, "-m", "amtools.sweep", "paper-grid", "--store", str(store), "--slice", "ci",
                          "--dry-run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert dry.returncode == 0, dry.stderr
    hours = paper_grid.estimate_seconds(paper_grid.slice_tasks("ci")) / 3600
    assert "'ci': 40 tasks, 1600 training runs" in dry.stdout
    assert f"estimated {hours:.2f} core-hours" in dry.stdout and hours > 0
    assert not store.exists()  # a dry run writes nothing

    assert sweep.main([]) == 2
    usage = capsys.readouterr().out
    assert usage.startswith("usage: python -m amtools.sweep paper-grid")
    assert sweep.main(["frobnicate"]) == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().err
    assert sweep.main(["--help"]) == 0 and "usage:" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        sweep.main(["paper-grid", "--help"])
    assert exit_info.value.code == 0
    details = capsys.readouterr().out
    for option in ("--store", "--slice", "--workers", "--scheduler", "--dry-run"):  # the usage's options exist
        assert option in usage and option in details
    assert "--yes" not in usage and "--yes" not in details  # (the usage once named this missing option)
    with pytest.raises(SystemExit) as exit_info:
        sweep.main(["paper-grid", "--store", str(store), "--slice", "nope", "--dry-run"])
    assert exit_info.value.code == 2
