"""Tests of amtools.published: the paper's published grid, shipped as cited summary statistics.

Without the official repository (CI): the shipped table against the numbers the reference digest
printed from it (``/work/shared/reference/scaling-laws.md`` section 8.2), its invariants, and the
argument checks. With the mirror of facebookresearch/pal on this machine: the table is regenerated
from the published file byte for byte, and recomputed independently (numpy) from the raw runs.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import subprocess
import sys
from collections import Counter, defaultdict
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from amtools import fit_power_law
from amtools.published import SOURCE, PublishedCurve, published_grid, published_settings

FAST = settings(max_examples=40, deadline=None, database=None)
ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "extract_published_grid.py"
MIRROR = Path("/work/.mirror/facebookresearch+pal/repo")
GZ_PATH = "projects/scaling_law/grid_experiments/res/finer_dim/all.jsonl.gz"
DS = [10, 20, 50, 100, 200, 500, 1000]
LRS = [0.1, 1.0, 10.0, 100.0]
SETTINGS = published_settings()


def _shipped_text() -> str:
    return resources.files("amtools").joinpath("data", "published_grid.csv").read_text(encoding="utf-8")


# ============================================================================ the digest's numbers (section 8.2)

# (setting, {d: the mean the digest printed}, the digest's log-log slope over the 7 values of d or None)
DIGEST = [
    (dict(optimizer="sgd", lr=0.1, batch_size=64, T=10240), {10: "0.168", 100: "0.071", 1000: "0.046"}, -0.29),
    (dict(optimizer="sgd", lr=1.0, batch_size=64, T=10240), {10: "0.064", 100: "0.031", 1000: "0.018"}, -0.29),
    (dict(optimizer="sgd", lr=10.0, batch_size=64, T=10240), {10: "0.040", 100: "0.012", 1000: "0.0051"}, -0.44),
    (dict(optimizer="sgd", lr=100.0, batch_size=64, T=10240), {10: "0.031", 100: "0.0047", 1000: "0.0017"}, -0.60),
    (dict(optimizer="signgd", lr=1.0, batch_size=16, T=1024), {10: "0.059", 100: "0.026", 1000: "0.017"}, -0.28),
    (dict(optimizer="signgd", lr=10.0, batch_size=1024, T=1024), {10: "0.181", 100: "0.095", 1000: "0.054"}, -0.26),
    (dict(optimizer="sgd", lr=1.0, batch_size=16, T=1024), {10: "0.106", 100: "0.046", 1000: "0.027"}, -0.32),
    (dict(optimizer="sgd", lr=10.0, batch_size=1024, T=1024), {10: "0.221", 100: "0.112", 1000: "0.061"}, -0.27),
    (dict(optimizer="sgd", lr="tuned", batch_size=256, T=10240), {10: "0.032", 100: "0.012", 1000: "0.0048"}, -0.40),
    (dict(optimizer="signgd", lr="tuned", batch_size=256, T=10240), {10: "0.036", 100: "0.0035", 1000: "0.0013"}, -0.71),
    (dict(optimizer="sgd", lr=1.0, batch_size=1024, T=10240), {10: "0.203", 100: "0.073", 1000: "0.048"}, -0.30),
    (dict(optimizer="signgd", lr=1.0, batch_size=1024, T=10240), {10: "0.098", 100: "0.046", 1000: "0.028"}, -0.30),
    (dict(optimizer="sgd", lr=1.0, batch_size=1024, T=10240, layernorm=True),
     {10: "0.144", 100: "0.068", 1000: "0.043"}, -0.30),
    (dict(optimizer="signgd", lr=1.0, batch_size=1024, T=10240, layernorm=True),
     {10: "0.082", 100: "0.026", 1000: "0.014"}, -0.39),
    (dict(optimizer="sgd", lr=0.1, batch_size=1024, T=102400), {10: "0.203", 100: "0.073", 1000: "0.049"}, -0.31),
    (dict(optimizer="sgd", lr=0.1, batch_size=1024, T=102400, layernorm=True),
     {10: "0.133", 100: "0.069", 1000: "0.042"}, -0.30),
    (dict(optimizer="signgd", lr=0.1, batch_size=1024, T=102400), {10: "0.094", 100: "0.044", 1000: "0.025"}, -0.30),
    (dict(optimizer="signgd", lr=0.1, batch_size=1024, T=102400, layernorm=True),
     {10: "0.059", 100: "0.018", 1000: "0.0080"}, -0.44),
    (dict(model="matrix", optimizer="sgd", lr=1.0, batch_size=16, T=10240),
     {10: "0.053", 100: "0.0185", 1000: "0.0089"}, -0.38),
    (dict(model="learnable", optimizer="sgd", lr=1.0, batch_size=16, T=10240),
     {10: "0.0020", 100: "0.0015", 1000: "0.0012"}, -0.10),
    (dict(model="exponential", optimizer="sgd", lr=1.0, batch_size=16, T=10240),
     {10: "0.020", 100: "0.0023", 1000: "0.0017"}, -0.51),
]
# error versus T at d = 100, |B| = 1024, gamma = 0.1
DIGEST_T = {("sgd", False): ["0.663", "0.210", "0.073"], ("sgd", True): ["0.663", "0.208", "0.069"],
            ("signgd", False): ["0.663", "0.139", "0.044"], ("signgd", True): ["0.663", "0.136", "0.018"]}


def _agrees(value: float, printed: str) -> bool:
    """The shipped mean is the printed number to one unit of its last digit.

    One unit, not half: the digest sometimes rounded twice (0.07045 -> 0.0705 -> 0.071).
    """
    unit = 10.0 ** -len(printed.split(".")[1])
    return abs(value - float(printed)) <= unit * (1 + 1e-9)


@pytest.mark.parametrize("setting, printed, slope", DIGEST, ids=[str(s) for s, _, _ in DIGEST])
def test_means_are_the_numbers_the_digest_printed(setting, printed, slope):
    curve = published_grid(**setting)
    for d, text in printed.items():
        value = curve.mean[DS.index(d)].item()
        assert _agrees(value, text), f"{setting} d={d}: shipped {value}, digest {text}"
    fit = fit_power_law(curve.d.double(), curve.mean)
    assert abs(fit.exponent - slope) <= 0.01, f"{setting}: slope {fit.exponent:.3f}, digest {slope}"


def test_brief_values_within_a_thousandth():
    curve = published_grid(optimizer="sgd", lr=0.1, batch_size=64, T=10240, layernorm=False)
    assert abs(curve.mean[0].item() - 0.168) <= 1e-3
    assert abs(curve.mean[-1].item() - 0.046) <= 1e-3


@pytest.mark.parametrize("optimizer, layernorm", list(DIGEST_T), ids=[f"{o}-{ln}" for o, ln in DIGEST_T])
def test_error_versus_T_matches_the_digest(optimizer, layernorm):
    for T, text in zip((1024, 10240, 102400), DIGEST_T[optimizer, layernorm]):
        value = published_grid(optimizer=optimizer, lr=0.1, batch_size=1024, T=T, layernorm=layernorm).mean[3].item()
        assert _agrees(value, text), f"{optimizer} LN={layernorm} T={T}: shipped {value}, digest {text}"


def test_tuned_step_sizes_match_the_digest():
    sgd = published_grid(optimizer="sgd", lr="tuned", batch_size=256, T=10240)
    assert sgd.tuned_lr.tolist() == [100.0] * 7                                  # "always gamma = 100"
    sign = published_grid(optimizer="signgd", lr="tuned", batch_size=256, T=10240)
    assert Counter(sign.tuned_lr.tolist()).most_common(1)[0][0] == 10.0         # "mostly gamma = 10"


def test_the_digest_qualitative_claims_hold():
    # tuned sign-GD beats tuned SGD for d >= 50
    sgd = published_grid(optimizer="sgd", lr="tuned", batch_size=256, T=10240)
    sign = published_grid(optimizer="signgd", lr="tuned", batch_size=256, T=10240)
    assert bool((sign.mean[2:] < sgd.mean[2:]).all())
    # layer-norm figure: sign-GD+LN < sign-GD < SGD and SGD+LN at every d >= 100
    curves = {(o, ln): published_grid(optimizer=o, lr=1.0, batch_size=1024, T=10240, layernorm=ln).mean[3:]
              for o in ("sgd", "signgd") for ln in (False, True)}
    assert bool((curves["signgd", True] < curves["signgd", False]).all())
    assert bool((curves["signgd", False] < torch.minimum(curves["sgd", False], curves["sgd", True])).all())
    # larger step size is better for SGD at |B| = 64, T = 10240
    means = torch.stack([published_grid(optimizer="sgd", lr=lr, batch_size=64).mean for lr in LRS])
    assert bool((means[1:] < means[:-1]).all())


# ============================================================================ the shipped file

def test_shipped_file_cites_its_source_and_holds_only_summaries():
    text = _shipped_text()
    head = [line for line in text.splitlines() if line.startswith("#")]
    joined = "\n".join(head)
    for needle in ("facebookresearch/pal", GZ_PATH, "commit: ", "sha256", "CC BY-NC",
                   "not redistributed", "N=100", "M=5", "alpha=2", "one pass", "seeds 42..51"):
        assert needle in joined, needle
    rows = list(csv.reader(line for line in text.splitlines() if not line.startswith("#")))
    assert rows[0] == ["model", "optimizer", "lr", "batch_size", "T", "layernorm", "d", "seeds", "mean", "std",
                       "tuned_lr_mode"]
    assert len(rows) - 1 == 3 * 2 * (4 + 1) * 4 * 3 * 2 * 7          # every setting and d, plus tuned
    assert {r[7] for r in rows[1:]} == {"10"}
    assert len(text.encode()) < 400_000


def test_settings_cover_the_grid():
    assert len(SETTINGS) == 3 * 2 * 5 * 4 * 3 * 2
    assert {s["model"] for s in SETTINGS} == {"matrix", "learnable", "exponential"}
    assert {s["optimizer"] for s in SETTINGS} == {"sgd", "signgd"}
    assert {s["lr"] for s in SETTINGS} == {*LRS, "tuned"}
    assert {s["batch_size"] for s in SETTINGS} == {16, 64, 256, 1024}
    assert {s["T"] for s in SETTINGS} == {1024, 10240, 102400}
    assert {s["layernorm"] for s in SETTINGS} == {False, True}
    assert published_settings() is not published_settings()                  # a fresh list each call


@FAST
@given(setting=st.sampled_from(SETTINGS))
def test_every_curve_is_well_formed(setting):
    curve = published_grid(**setting)
    assert isinstance(curve, PublishedCurve)
    assert curve.d.dtype == torch.long and curve.d.tolist() == DS
    assert curve.mean.dtype == curve.std.dtype == torch.float64
    assert curve.mean.shape == curve.std.shape == (7,)
    assert bool(((curve.mean >= 0) & (curve.mean <= 1)).all()) and bool((curve.std >= 0).all())
    assert curve.seeds == 10
    assert torch.equal(curve.se, curve.std / math.sqrt(10))
    assert curve.setting == setting
    assert curve.source == SOURCE
    assert len(curve.commit) == 40
    if setting["lr"] == "tuned":
        assert curve.tuned_lr.dtype == torch.float64 and set(curve.tuned_lr.tolist()) <= set(LRS)
    else:
        assert curve.tuned_lr is None


@FAST
@given(setting=st.sampled_from([s for s in SETTINGS if s["lr"] == "tuned"]))
def test_tuned_mean_is_at_most_the_best_fixed_step_size(setting):
    """E[min over lr] <= min over lr of E: exact, since the mean and the 4-digit rounding are monotone."""
    tuned = published_grid(**setting).mean
    fixed = torch.stack([published_grid(**{**setting, "lr": lr}).mean for lr in LRS])
    assert bool((tuned <= fixed.min(dim=0).values).all())


@FAST
@given(lr=st.sampled_from([1, np.float32(1.0), np.float64(1.0), torch.tensor(1.0), torch.tensor(1),
                           np.float32(0.1), 1.0000000001]),
       batch_size=st.sampled_from([64, np.int64(64), torch.tensor(64)]))
def test_equivalent_argument_types_give_the_same_curve(lr, batch_size):
    got = published_grid(lr=lr, batch_size=batch_size)
    want = published_grid(lr=round(float(lr), 1), batch_size=64)
    assert got.setting == want.setting and torch.equal(got.mean, want.mean)


def test_curves_are_fresh_copies():
    a = published_grid()
    a.mean.zero_()
    a.setting["lr"] = 5
    b = published_grid()
    assert bool((b.mean > 0).all()) and b.setting["lr"] == 1.0


# ============================================================================ argument checks

@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(model="Matrix"), ValueError, "model"),
    (dict(model=None), ValueError, "model"),
    (dict(optimizer="adam"), ValueError, "optimizer"),
    (dict(optimizer="Adam"), ValueError, "optimizer"),
    (dict(optimizer="SGD"), ValueError, "optimizer"),
    (dict(lr=0.5), ValueError, "lr"),
    (dict(lr="best"), ValueError, "lr"),
    (dict(lr=math.nan), ValueError, "lr"),
    (dict(lr=True), TypeError, "lr"),
    (dict(lr=None), TypeError, "lr"),
    (dict(lr=b"tuned"), TypeError, "lr"),
    (dict(batch_size=32), ValueError, "batch_size"),
    (dict(batch_size=16.0), TypeError, "batch_size"),
    (dict(T=10000), ValueError, "T"),
    (dict(T=-1), ValueError, "T"),
    (dict(layernorm=1), TypeError, "layernorm"),
    (dict(layernorm="false"), TypeError, "layernorm"),
])
def test_bad_arguments_are_refused_naming_them(kwargs, exc, name):
    with pytest.raises(exc, match=rf"(?<![A-Za-z_]){name}(?![A-Za-z_])"):
        published_grid(**kwargs)


def test_refusals_list_the_valid_values():
    with pytest.raises(ValueError, match=r"16, 64, 256, 1024"):
        published_grid(batch_size=32)
    with pytest.raises(ValueError, match=r"0\.1, 1\.0, 10\.0, 100\.0, 'tuned'"):
        published_grid(lr=3)
    with pytest.raises(ValueError, match=r"signgd"):
        published_grid(optimizer="adam")
    with pytest.raises(TypeError):
        published_grid("matrix")                                                  # keyword-only


# ============================================================================ against the published file

needs_mirror = pytest.mark.skipif(not MIRROR.is_dir(), reason="no mirror of facebookresearch/pal here (CI)")


@pytest.fixture(scope="module")
def published_gz(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pal") / "all.jsonl.gz"
    commit = next(line.split(":", 1)[1].strip() for line in _shipped_text().splitlines()
                  if line.startswith("# commit:"))
    try:   # the commit the shipped table cites, not the mirror's HEAD
        raw = subprocess.run(["git", "-C", str(MIRROR), "show", f"{commit}:{GZ_PATH}"], check=True,
                             capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError) as err:
        pytest.skip(f"cannot read {GZ_PATH} from the mirror: {err}")
    out.write_bytes(raw)
    return out


@needs_mirror
def test_regenerated_table_is_byte_identical(published_gz, tmp_path):
    out = tmp_path / "published_grid.csv"
    subprocess.run([sys.executable, str(TOOL), str(published_gz), "--out", str(out)], check=True,
                   capture_output=True)
    assert out.read_bytes() == _shipped_text().encode("utf-8")


@needs_mirror
def test_table_matches_an_independent_recomputation(published_gz):
    """numpy from the raw runs: every mean/std (to the shipped 4 digits), every tuned row and mode."""
    runs: dict[tuple, dict[float, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    with gzip.open(published_gz, "rt") as fh:
        for line in fh:
            r = json.loads(line)
            opt = {"SGD": "sgd", "Adam": "signgd"}[r["optimizer"]]
            runs[r["model"], opt, r["batch_size"], r["ntrain"], r["layernorm"], r["d"]][r["lr"]][r["seed"]] = r["error"]
    assert len(runs) == 3 * 2 * 4 * 3 * 2 * 7

    def close(shipped: torch.Tensor, exact: np.ndarray) -> bool:       # 4 significant digits
        return bool(np.all(np.abs(shipped.numpy() - exact) <= 5e-4 * np.abs(exact) + 1e-15))

    for setting in SETTINGS:
        curve = published_grid(**setting)
        key = (setting["model"], setting["optimizer"], setting["batch_size"], setting["T"], setting["layernorm"])
        errs = np.array([[[runs[(*key, d)][lr][s] for s in range(42, 52)] for lr in LRS] for d in DS])  # [d, lr, seed]
        if setting["lr"] == "tuned":
            e = errs.min(axis=1)
            best = np.array(LRS)[errs.argmin(axis=1)]                 # argmin: the first, i.e. smaller, lr on ties
            modes = []
            for row in best:
                values, counts = np.unique(row, return_counts=True)   # sorted: argmax takes the smaller lr on ties
                modes.append(values[counts.argmax()])
            assert curve.tuned_lr.tolist() == modes, setting
        else:
            e = errs[:, LRS.index(setting["lr"]), :]
        assert close(curve.mean, e.mean(axis=1)), setting
        assert close(curve.std, e.std(axis=1, ddof=1)), setting
