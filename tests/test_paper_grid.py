"""amtools.paper_grid: the published runs' reader, tools/fetch_published_grid.py, slices, tasks, cost model.

Real files throughout (gzip JSON lines written here in the official record format, downloaded through
``file://`` URLs: the machine may be offline), real training (tiny configs, one torch thread) and one
real ``LocalCluster`` with a worker process.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import inspect
import json
import math
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("pandas")
pytest.importorskip("dask.distributed")

import amtools as am  # noqa: E402
from amtools import paper_grid, sweep  # noqa: E402
from amtools.paper_grid import (GRID, LRS, SLICES, estimate_seconds, grid_task,  # noqa: E402
                                read_published_runs, slice_tasks)

pytestmark = pytest.mark.usefixtures("one_thread")

ROOT = Path(__file__).resolve().parents[1]
OFFICIAL_URL = ("https://raw.githubusercontent.com/facebookresearch/pal/4d977c1ac2a8b3640e5a72e6ada8264a6020cd34/"
                "projects/scaling_law/grid_experiments/res/finer_dim/all.jsonl.gz")
OFFICIAL_SHA256 = "3e75b765bd023375a6c76c9c8dae7d582b86d3a5f7fda087fbefba3ee9699fdc"
COLUMNS = ["model", "optimizer", "batch_size", "T", "layernorm", "d", "lr", "run", "error"]


def _tool(name: str):
    """A script of tools/ imported as a module (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"_tool_{name}", ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fetcher = _tool("fetch_published_grid")
extractor = _tool("extract_published_grid")


def record(**changes) -> dict:
    """One run in the official format of finer_dim/all.jsonl.gz (see tools/extract_published_grid.py)."""
    r = {"N": 100, "M": 5, "seed": 42, "optimizer": "SGD", "model": "matrix", "ntrain": 1024,
         "batch_size": 16, "layernorm": False, "d": 10, "lr": 0.1, "error": 0.25}
    r.update(changes)
    if "niter" not in changes:
        r["niter"] = r["ntrain"] // r["batch_size"]          # one pass over the tokens
    return r


def write_runs(path: Path, records: list) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for r in records:
            handle.write((r if isinstance(r, str) else json.dumps(r)) + "\n")
    return path


GOOD = [record(),
        record(seed=51, optimizer="Adam", model="learnable", ntrain=10240, batch_size=256, layernorm=True,
               d=200, lr=100.0, error=0.5),
        record(seed=45, model="exponential", ntrain=102400, batch_size=1024, d=1000, lr=10, error=0.0),
        record(seed=42, optimizer="Adam", lr=1.0, error=1.0)]


# --------------------------------------------------------------------------------- published runs

def test_read_published_runs_maps_the_official_records(tmp_path):
    frame = read_published_runs(write_runs(tmp_path / "all.jsonl.gz", GOOD))
    assert list(frame.columns) == COLUMNS
    assert frame.to_dict("records") == [
        {"model": "matrix", "optimizer": "sgd", "batch_size": 16, "T": 1024, "layernorm": False, "d": 10,
         "lr": 0.1, "run": 0, "error": 0.25},
        {"model": "learnable", "optimizer": "signgd", "batch_size": 256, "T": 10240, "layernorm": True,
         "d": 200, "lr": 100.0, "run": 9, "error": 0.5},
        {"model": "exponential", "optimizer": "sgd", "batch_size": 1024, "T": 102400, "layernorm": False,
         "d": 1000, "lr": 10.0, "run": 3, "error": 0.0},
        {"model": "matrix", "optimizer": "signgd", "batch_size": 16, "T": 1024, "layernorm": False, "d": 10,
         "lr": 1.0, "run": 0, "error": 1.0}]
    assert frame["lr"].dtype == float and frame["error"].dtype == float


_settings = st.fixed_dictionaries({
    "model": st.sampled_from(GRID["model"]), "optimizer": st.sampled_from(["SGD", "Adam"]),
    "batch_size": st.sampled_from(GRID["batch_size"]), "ntrain": st.sampled_from(GRID["T"]),
    "layernorm": st.booleans(), "d": st.sampled_from(GRID["d"]), "lr": st.sampled_from(LRS),
    "seed": st.integers(42, 51), "error": st.floats(0, 1)})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(runs=st.lists(_settings, min_size=1, max_size=12,
                     unique_by=lambda r: tuple(v for k, v in sorted(r.items()) if k != "error")))
def test_read_published_runs_property(tmp_path, runs):
    """Any set of distinct official records reads back, in order, with the documented mapping."""
    frame = read_published_runs(write_runs(tmp_path / "p.jsonl.gz", [record(**r) for r in runs]))
    assert len(frame) == len(runs)
    for row, r in zip(frame.to_dict("records"), runs):
        assert row["optimizer"] == {"SGD": "sgd", "Adam": "signgd"}[r["optimizer"]]
        assert row["run"] == r["seed"] - 42 and row["T"] == r["ntrain"] and row["error"] == r["error"]
        assert (row["model"], row["batch_size"], row["layernorm"], row["d"], row["lr"]) == (
            r["model"], r["batch_size"], r["layernorm"], r["d"], r["lr"])


@pytest.mark.parametrize("bad, why", [
    (record(N=1000), "N=100"),
    (record(M=10), "N=100"),
    (record(optimizer="RMSprop"), "RMSprop"),
    (record(niter=7), "one pass"),
    (record(ntrain=10240, niter=64), "one pass"),       # 1024 // 16 steps: not one pass over 10240 tokens
    (record(seed=41), "seed"),
    (record(seed=52), "seed"),
    (record(model="mlp"), "model"),
    (record(d=None), "line 3"),
    ({k: v for k, v in record().items() if k != "error"}, "error"),
    ("{not json", "line 3"),
    ("[1, 2]", "line 3"),
    (GOOD[0], "same run as line 1"),                     # line 3 duplicates line 1 (another error: same run)
])
def test_read_published_runs_rejects_a_bad_record_naming_its_line(tmp_path, bad, why):
    path = write_runs(tmp_path / "bad.jsonl.gz", [GOOD[0], GOOD[1], bad, GOOD[2]])
    with pytest.raises(ValueError, match="line 3") as info:
        read_published_runs(path)
    assert why in str(info.value)


def test_read_published_runs_duplicate_with_another_error_value(tmp_path):
    dup = dict(GOOD[1], error=0.125)
    with pytest.raises(ValueError, match=r"line 2: .*same run as line 1"):
        read_published_runs(write_runs(tmp_path / "dup.jsonl.gz", [GOOD[1], dup]))


def test_read_published_runs_blank_lines_and_empty_file(tmp_path):
    path = tmp_path / "blank.jsonl.gz"
    write_runs(path, ["", GOOD[0], "   ", GOOD[1]])
    assert len(read_published_runs(path)) == 2
    empty = read_published_runs(write_runs(tmp_path / "empty.jsonl.gz", []))
    assert len(empty) == 0 and list(empty.columns) == COLUMNS


def test_read_published_runs_arguments(tmp_path):
    with pytest.raises(ValueError, match="not a file"):
        read_published_runs(tmp_path / "missing.jsonl.gz")
    with pytest.raises(ValueError, match="not a file"):
        read_published_runs(tmp_path)
    plain = tmp_path / "plain.jsonl.gz"
    plain.write_text(json.dumps(GOOD[0]) + "\n")                 # not gzip
    with pytest.raises(ValueError, match="not a gzip"):
        read_published_runs(plain)
    for wrong in (None, 3, [str(plain)], plain.read_bytes()):
        with pytest.raises(TypeError, match="path"):
            read_published_runs(wrong)


# --------------------------------------------------------------------------------- the downloader

def test_fetcher_pins_the_official_file_from_the_extractor():
    assert fetcher.URL == OFFICIAL_URL
    assert fetcher.KNOWN_SHA256 == extractor.KNOWN_SHA256 == OFFICIAL_SHA256
    assert fetcher.KNOWN_COMMIT == extractor.KNOWN_COMMIT
    assert fetcher.DEFAULT_OUT == ROOT / "data" / "published" / "finer_dim-all.jsonl.gz"
    source = (ROOT / "tools" / "fetch_published_grid.py").read_text()
    assert OFFICIAL_SHA256 not in source, "the checksum is imported from extract_published_grid, not copied"


def _published(tmp_path: Path) -> tuple[Path, str]:
    """A small file in the official format standing for the published one, and its sha256."""
    (tmp_path / "source").mkdir()
    src = write_runs(tmp_path / "source" / "all.jsonl.gz", GOOD)
    return src, hashlib.sha256(src.read_bytes()).hexdigest()


def test_fetch_good_checksum_writes_the_file(tmp_path, capsys):
    src, sha = _published(tmp_path)
    out = tmp_path / "data" / "published" / "finer_dim-all.jsonl.gz"
    assert fetcher.fetch(out, url=src.as_uri(), sha256=sha) == out
    assert out.read_bytes() == src.read_bytes()
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]          # no temporary file left
    assert "CC BY-NC 4.0" in capsys.readouterr().err
    assert read_published_runs(out).equals(read_published_runs(src))
    # already there with the right checksum: nothing downloaded (the source may even be gone)
    src.unlink()
    before = out.stat().st_mtime_ns
    assert fetcher.fetch(out, url=src.as_uri(), sha256=sha.upper()) == out
    assert out.stat().st_mtime_ns == before
    assert "nothing to download" in capsys.readouterr().err


def test_fetch_bad_checksum_leaves_nothing(tmp_path):
    src, sha = _published(tmp_path)
    out = tmp_path / "out" / "all.jsonl.gz"
    wrong = hashlib.sha256(b"another file").hexdigest()
    with pytest.raises(ValueError, match=f"sha256 {sha} is not the expected {wrong}"):
        fetcher.fetch(out, url=src.as_uri(), sha256=wrong)
    assert not out.exists() and list(out.parent.iterdir()) == []
    # the default checksum is the official one: this small file is refused
    with pytest.raises(ValueError, match=OFFICIAL_SHA256):
        fetcher.fetch(out, url=src.as_uri())
    assert list(out.parent.iterdir()) == []


def test_fetch_replaces_a_stale_file_only_with_a_verified_one(tmp_path):
    src, sha = _published(tmp_path)
    out = tmp_path / "all.jsonl.gz"
    out.write_bytes(b"stale")
    with pytest.raises(ValueError):
        fetcher.fetch(out, url=src.as_uri(), sha256=hashlib.sha256(b"x").hexdigest())
    assert out.read_bytes() == b"stale"                                # untouched by a failed download
    fetcher.fetch(out, url=src.as_uri(), sha256=sha)
    assert out.read_bytes() == src.read_bytes()


def test_fetch_command_line(tmp_path, capsys):
    src, sha = _published(tmp_path)
    out = tmp_path / "cli" / "all.jsonl.gz"
    assert fetcher.main(["--out", str(out), "--url", src.as_uri(), "--sha256", "0" * 64]) == 1
    assert "error" in capsys.readouterr().err and not out.exists()
    assert fetcher.main(["--out", str(out), "--url", src.as_uri(), "--sha256", sha]) == 0
    assert out.read_bytes() == src.read_bytes()
    assert fetcher.main(["--out", str(out), "--url", (tmp_path / "gone.gz").as_uri(), "--sha256", sha]) == 0
    missing = tmp_path / "cli" / "other.gz"
    assert fetcher.main(["--out", str(missing), "--url", (tmp_path / "gone.gz").as_uri(), "--sha256", sha]) == 1
    assert list(missing.parent.iterdir()) == [out]                     # failed download: nothing left


def test_fetch_arguments(tmp_path):
    with pytest.raises(TypeError, match="out"):
        fetcher.fetch(3)
    with pytest.raises(ValueError, match="sha256"):
        fetcher.fetch(tmp_path / "x.gz", url="file:///nowhere", sha256="abc")
    with pytest.raises(TypeError, match="url"):
        fetcher.fetch(tmp_path / "x.gz", url=None)
    with pytest.raises(ValueError, match="directory"):
        fetcher.fetch(tmp_path, url="file:///nowhere", sha256="0" * 64)
    with pytest.raises(ValueError, match="timeout"):
        fetcher.fetch(tmp_path / "x.gz", url="file:///nowhere", sha256="0" * 64, timeout=0)


# --------------------------------------------------------------------------------- slices and tasks

@pytest.mark.parametrize("name, expected", [("all", 1008), ("ci", 40), ("matrix", 336)])
def test_slice_sizes(name, expected):
    tasks = slice_tasks(name)
    assert len(tasks) == expected
    assert len({sweep.config_hash(t) for t in tasks}) == expected
    if name == "all":
        assert expected == math.prod(len(v) for v in GRID.values())
    signature = inspect.signature(grid_task)
    for task in tasks:
        signature.bind(**task)                                          # valid keyword arguments
        assert task["seeds"] == paper_grid.SEEDS and task["seed"] == 0
        for axis, values in GRID.items():
            assert task[axis] in SLICES[name].get(axis, values)


def test_slice_tasks_arguments():
    assert {t["seeds"] for t in slice_tasks("ci", seeds=3, seed=7)} == {3}
    with pytest.raises(ValueError, match="name"):
        slice_tasks("everything")
    with pytest.raises(ValueError, match="seeds"):
        slice_tasks("ci", seeds=0)
    with pytest.raises(TypeError, match="seed"):
        slice_tasks("ci", seed=1.5)


@pytest.mark.parametrize("model, optimizer, batch_size, layernorm", [
    ("matrix", "sgd", 1024, False),           # implicit path, per input
    ("matrix", "sgd", 256, True),
    ("learnable", "signgd", 256, False),      # autograd path
    ("exponential", "sgd", 1024, True),
])
def test_grid_task_is_train_memory(model, optimizer, batch_size, layernorm):
    kw = dict(model=model, optimizer=optimizer, batch_size=batch_size, T=1024, layernorm=layernorm, d=10)
    out = grid_task(**kw, seeds=2)
    assert set(out) == {"lr", "run", "error"}
    assert all(len(v) == len(LRS) * 2 for v in out.values())
    assert all(0.0 <= e <= 1.0 for e in out["error"])
    direct = am.train_memory(100, 5, 10, 1024, alpha=2.0, batch_size=batch_size, lr=list(LRS),
                             optimizer=optimizer, model=model, layernorm=layernorm, seeds=2, seed=0).error
    assert direct.shape == (len(LRS), 2)
    for lr, run, error in zip(out["lr"], out["run"], out["error"]):
        assert error == float(direct[LRS.index(lr), run])
    assert sorted(zip(out["lr"], out["run"])) == [(lr, s) for lr in LRS for s in range(2)]
    assert grid_task(**kw, seeds=2, seed=1)["error"] != out["error"]   # the seed is passed on


def test_grid_tasks_through_a_real_cluster_match_in_process(tmp_path):
    tasks = [dict(model="matrix", optimizer="sgd", batch_size=256, T=1024, layernorm=False, d=10, seeds=2, seed=0),
             dict(model="learnable", optimizer="signgd", batch_size=256, T=1024, layernorm=True, d=10, seeds=2,
                  seed=0)]
    client = sweep.local_cluster(1)
    try:
        report = sweep.run(grid_task, tasks, store=tmp_path / "store", client=client, progress=False)
    finally:
        sweep.close(client)
    assert report.complete and report.ran == 2
    stored = sweep.load(tmp_path / "store")
    for task in tasks:
        rows = stored[(stored["model"] == task["model"]) & (stored["optimizer"] == task["optimizer"])]
        rows = rows.sort_values(["lr", "run"])
        mine = grid_task(**task)
        expected = sorted(zip(mine["lr"], mine["run"], mine["error"]))
        assert list(zip(rows["lr"], rows["run"], rows["error"])) == expected


# --------------------------------------------------------------------------------- the cost model

ALL = slice_tasks("all")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(ALL), min_size=1, max_size=30), st.lists(st.sampled_from(ALL), max_size=30))
def test_estimate_seconds_positive_and_additive(first, second):
    a, b = estimate_seconds(first), estimate_seconds(second)
    assert a > 0 and b >= 0
    assert estimate_seconds(first + second) == pytest.approx(a + b, rel=1e-12)
    assert sum(estimate_seconds([t]) for t in first) == pytest.approx(a, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(ALL), st.sampled_from(["d", "T"]), st.integers(1, 6))
def test_estimate_seconds_increases_with_d_and_T(task, axis, step):
    values = GRID[axis]
    i = values.index(task[axis])
    j = min(len(values) - 1, i + step)
    bigger = dict(task, **{axis: values[j]})
    if j > i:
        assert estimate_seconds([bigger]) > estimate_seconds([task])
    # and beyond the grid's values, by one
    assert estimate_seconds([dict(task, **{axis: task[axis] + 1})]) >= estimate_seconds([task])
    assert estimate_seconds([dict(task, seeds=task["seeds"] + 1)]) > estimate_seconds([task])


#: the calibration set of paper_grid._COST: (model, optimizer, d, batch_size, T, layernorm, seeds, seconds), the
#: best single-thread time of grid_task over 6 runs of `benchmarks/bench_sweep.py --calibrate` (2026-12-02)
CALIBRATION = [
    ("matrix", "sgd", 10, 16, 1024, False, 10, 0.034),
    ("matrix", "sgd", 10, 1024, 10240, True, 10, 0.028),
    ("matrix", "sgd", 20, 16, 10240, False, 3, 0.195),
    ("matrix", "sgd", 50, 64, 10240, False, 10, 0.227),
    ("matrix", "sgd", 50, 256, 1024, True, 10, 0.019),
    ("matrix", "sgd", 100, 16, 10240, True, 10, 0.858),
    ("matrix", "sgd", 100, 1024, 1024, False, 3, 0.004),
    ("matrix", "sgd", 200, 64, 1024, False, 10, 0.108),
    ("matrix", "sgd", 200, 256, 10240, True, 10, 0.556),
    ("matrix", "sgd", 200, 16, 1024, False, 10, 0.106),
    ("matrix", "sgd", 500, 16, 10240, False, 10, 2.775),
    ("matrix", "sgd", 500, 1024, 10240, False, 3, 0.087),
    ("matrix", "sgd", 500, 64, 1024, True, 10, 0.494),
    ("matrix", "signgd", 10, 16, 10240, False, 10, 0.367),
    ("learnable", "sgd", 10, 1024, 1024, True, 10, 0.004),
    ("learnable", "sgd", 20, 16, 10240, True, 3, 0.464),
    ("exponential", "signgd", 50, 64, 10240, True, 10, 0.406),
    ("learnable", "signgd", 50, 256, 10240, False, 10, 0.152),
    ("matrix", "signgd", 100, 16, 1024, True, 10, 0.149),
    ("exponential", "sgd", 100, 1024, 10240, False, 3, 0.015),
    ("learnable", "sgd", 200, 64, 1024, False, 10, 0.289),
    ("matrix", "signgd", 200, 256, 10240, False, 10, 0.787),
    ("exponential", "sgd", 200, 16, 10240, False, 10, 1.548),
    ("exponential", "signgd", 500, 16, 1024, False, 10, 0.685),
    ("learnable", "signgd", 500, 1024, 10240, True, 3, 0.740),
    ("matrix", "signgd", 500, 64, 1024, True, 10, 3.548),
    ("exponential", "sgd", 10, 64, 10240, True, 10, 0.225),
    ("exponential", "signgd", 20, 1024, 10240, False, 10, 0.023),
    ("exponential", "sgd", 500, 256, 10240, True, 3, 0.289),
    ("learnable", "signgd", 100, 16, 10240, False, 3, 0.798),
    ("learnable", "sgd", 500, 16, 1024, True, 10, 6.457),
    ("matrix", "signgd", 50, 1024, 10240, True, 10, 0.043),
    ("learnable", "signgd", 10, 256, 1024, True, 10, 0.010),
    ("matrix", "sgd", 20, 1024, 1024, True, 10, 0.005),
    ("matrix", "sgd", 100, 256, 10240, False, 10, 0.128),
    ("matrix", "sgd", 10, 64, 10240, True, 10, 0.244),
    ("matrix", "sgd", 500, 256, 1024, True, 10, 0.318),
    ("matrix", "sgd", 1000, 16, 1024, False, 10, 1.348),
    ("matrix", "signgd", 1000, 64, 1024, False, 10, 14.310),
    ("learnable", "sgd", 1000, 64, 1024, True, 3, 2.204),
    ("exponential", "signgd", 1000, 16, 1024, True, 10, 3.469),
    ("learnable", "signgd", 1000, 256, 1024, False, 10, 4.753),
]


def test_cost_model_claim_holds_on_its_calibration_set():
    """The factor the CLI prints is the model's worst on the timings it was fitted to (and not looser)."""
    factors = []
    for model, optimizer, d, batch_size, T, layernorm, seeds, seconds in CALIBRATION:
        task = dict(model=model, optimizer=optimizer, d=d, batch_size=batch_size, T=T, layernorm=layernorm,
                    seeds=seeds)
        estimate = estimate_seconds([task])
        factors.append(max(estimate / seconds, seconds / estimate))
    assert paper_grid.COST_FACTOR - 0.05 <= max(factors) <= paper_grid.COST_FACTOR + 0.005
    paths = {"implicit" if (m, o) == ("matrix", "sgd") else "autograd" for m, o, *_ in CALIBRATION}
    assert paths == {"implicit", "autograd"} and len(CALIBRATION) >= 25


def test_cost_model_is_calibrated_and_its_claim_printed(capsys, tmp_path):
    assert set(paper_grid._COST) == {"implicit", "autograd"}
    for coefficients in paper_grid._COST.values():
        assert len(coefficients) == len(paper_grid._COST_TERMS)
        assert all(c >= 0 and math.isfinite(c) for c in coefficients) and any(c > 0 for c in coefficients)
    assert 1.0 <= paper_grid.COST_FACTOR < 10
    hours = estimate_seconds(ALL) / 3600
    assert paper_grid.main(["--store", str(tmp_path / "x"), "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert "1008 tasks, 40320 training runs" in text
    assert f"estimated {hours:.2f} core-hours" in text
    assert f"within a factor {paper_grid.COST_FACTOR:.2f} on the calibration set" in text
    assert not (tmp_path / "x").exists()                                   # a dry run writes nothing


def test_estimate_seconds_arguments():
    task = dict(ALL[0])
    assert estimate_seconds([]) == 0.0
    for wrong in ("tasks", task, 3, None):
        with pytest.raises(TypeError, match="tasks"):
            estimate_seconds(wrong)
    with pytest.raises(TypeError, match=r"tasks\[1\]"):
        estimate_seconds([task, ("model", "matrix")])
    with pytest.raises(ValueError, match=r"tasks\[0\] lacks .*'d'"):
        estimate_seconds([{k: v for k, v in task.items() if k != "d"}])
    with pytest.raises(ValueError, match="model"):
        estimate_seconds([dict(task, model="mlp")])
    with pytest.raises(ValueError, match="batch_size"):
        estimate_seconds([dict(task, batch_size=0)])
    with pytest.raises(TypeError, match="seeds"):
        estimate_seconds([dict(task, seeds=2.5)])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))


# ----------------------------------------------------------------------------- the comparison

# Student's t quantiles (two-sided level, df) -> t, from standard tables
T_TABLE = [(0.05, 18, 2.101), (0.01, 18, 2.878), (0.001, 18, 3.922), (0.05, 1, 12.706), (0.05, 5, 2.571),
           (0.01, 10, 3.169), (0.05, 1e9, 1.960)]


@pytest.mark.parametrize("level, df, t", T_TABLE)
def test_student_t_two_sided_p_matches_the_tables(level, df, t):
    # the tables round t to 3 decimals: the p-value moves by at most |dp/dt| * 5e-4
    assert paper_grid.student_t_sf2(t, df) == pytest.approx(level, rel=2e-3)
    assert paper_grid.student_t_sf2(-t, df) == paper_grid.student_t_sf2(t, df)


@settings(max_examples=60, deadline=None)
@given(t1=st.floats(0, 50), t2=st.floats(0, 50), df=st.floats(0.5, 500))
def test_student_t_p_is_a_decreasing_probability(t1, t2, df):
    p1, p2 = paper_grid.student_t_sf2(t1, df), paper_grid.student_t_sf2(t2, df)
    assert 0.0 <= p1 <= 1.0 and 0.0 <= p2 <= 1.0
    if t1 < t2:
        assert p1 >= p2 - 1e-12
    assert paper_grid.student_t_sf2(0.0, df) == pytest.approx(1.0)


def test_student_t_against_the_normal_and_cauchy_closed_forms():
    for t in (0.3, 1.0, 2.5, 4.0):
        assert paper_grid.student_t_sf2(t, 1.0) == pytest.approx(1 - 2 * math.atan(t) / math.pi, rel=1e-9)
        # t_df differs from the normal by O((1 + t^4) / df) in relative terms
        assert paper_grid.student_t_sf2(t, 1e6) == pytest.approx(math.erfc(t / math.sqrt(2)), rel=2 * (1 + t ** 4) / 1e6)
        assert paper_grid.student_t_sf2(t, 1e12) == pytest.approx(math.erfc(t / math.sqrt(2)), rel=1e-12)
    assert paper_grid.student_t_sf2(math.inf, 3.0) == 0.0
    with pytest.raises(ValueError, match="df"):
        paper_grid.student_t_sf2(1.0, 0.0)


def test_welch_test_statistic_and_degrees_of_freedom():
    t, df, p = paper_grid.welch_test(1.0, 1.0, 10, 0.0, 1.0, 10)
    assert t == pytest.approx(math.sqrt(5)) and df == pytest.approx(18.0)
    assert p == pytest.approx(paper_grid.student_t_sf2(math.sqrt(5), 18.0))
    # unequal variances: Welch-Satterthwaite by hand
    t, df, _ = paper_grid.welch_test(2.0, 3.0, 5, 1.0, 1.0, 20)
    v1, v2 = 9 / 5, 1 / 20
    assert t == pytest.approx(1 / math.sqrt(v1 + v2))
    assert df == pytest.approx((v1 + v2) ** 2 / (v1 ** 2 / 4 + v2 ** 2 / 19))
    # no spread on either side (diverged runs): equal means agree, different ones do not
    assert paper_grid.welch_test(0.3586, 0.0, 10, 0.3586, 0.0, 10)[2] == 1.0
    assert paper_grid.welch_test(0.3586, 0.0, 10, 0.3587, 0.0, 10)[2] == 0.0
    for bad, error, word in ((dict(n1=1), ValueError, "n1"), (dict(n2=2.5), TypeError, "n2"),
                             (dict(n1=True), TypeError, "n1"), (dict(sd1=-1.0), ValueError, "sd1"),
                             (dict(sd2=math.nan), ValueError, "sd2")):
        args = {**dict(mean1=0.0, sd1=1.0, n1=10, mean2=0.0, sd2=1.0, n2=10), **bad}
        with pytest.raises(error, match=word):
            paper_grid.welch_test(**args)


def _frame_from_published(shift: float = 0.0, scale: float = 1.0):
    """A sweep-like frame whose 10 runs per point have exactly the published mean and sd (plus shift)."""
    import numpy as np
    import pandas as pd

    z = np.array([-1.5, -1.0, -0.5, -0.2, 0.0, 0.0, 0.2, 0.5, 1.0, 1.5])
    z = z / z.std(ddof=1)                                   # mean 0, sample sd 1
    rows = []
    for lr in (1.0, 10.0):
        curve = am.published_grid(model="matrix", optimizer="sgd", lr=lr, batch_size=64, T=10240)
        for d, mean, sd in zip(curve.d.tolist(), curve.mean.tolist(), curve.std.tolist()):
            for run, zi in enumerate(z):
                rows.append(dict(model="matrix", optimizer="sgd", batch_size=64, T=10240, layernorm=False,
                                 d=d, lr=lr, run=run, error=mean * (1 + shift) + scale * sd * zi))
    return pd.DataFrame(rows)


def test_compare_with_published_accepts_the_published_numbers_and_rejects_a_shift():
    same = paper_grid.compare_with_published(_frame_from_published())
    assert len(same) == 14 and (same.n == 10).all() and (same.pub_n == 10).all()
    assert same.t.abs().max() < 1e-3 and same.p.min() > 0.99
    assert (same["mean"] - same.pub_mean).abs().max() < 1e-9
    shifted = paper_grid.compare_with_published(_frame_from_published(shift=0.5))
    assert shifted.p.min() * len(shifted) < 1e-3          # a 50 % error is rejected even after Bonferroni
    with pytest.raises(ValueError, match="lacks the columns"):
        paper_grid.compare_with_published(_frame_from_published().drop(columns="lr"))
    with pytest.raises(ValueError, match="at least 2"):
        paper_grid.compare_with_published(_frame_from_published().query("run == 0"))
