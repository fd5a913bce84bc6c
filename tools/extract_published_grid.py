"""Summarize the paper's published SGD/sign-GD grid into ``amtools/data/published_grid.csv``.

Usage (from the repository root)::

    git -C <mirror of facebookresearch/pal> show \\
        HEAD:projects/scaling_law/grid_experiments/res/finer_dim/all.jsonl.gz > /tmp/finer_dim.jsonl.gz
    python tools/extract_published_grid.py /tmp/finer_dim.jsonl.gz [--out amtools/data/published_grid.csv]

The input is the official result file ``finer_dim/all.jsonl.gz`` (gzip JSON lines, 40,320 runs:
3 models x 2 optimizers x 4 step sizes x 4 batch sizes x 3 values of T x layer norm on/off x 7 values
of d x 10 seeds). It is licensed CC BY-NC 4.0, so the book does not ship it: this script writes only
summary statistics over the seeds, one row per setting and d, with a header that cites the source
(repository, path, commit, sha256 of the .gz).

Rows:

- one per (model, optimizer, lr, batch_size, T, layernorm, d): ``mean`` and ``std`` (sample standard
  deviation, ddof=1) of the error over the seeds;
- one per (model, optimizer, batch_size, T, layernorm, d) with ``lr = tuned``: per seed the smallest
  error over the 4 step sizes (the paper's "tuned" oracle), then mean and std over seeds;
  ``tuned_lr_mode`` is the most frequent per-seed best step size (ties: the smaller step size, both
  within a seed and between seeds).

The grid's optimizer ``Adam`` is ``torch.optim.Adam(betas=(0, 0))``: every step is
``lr' * g / (|g| + eps)``, i.e. sign gradient descent; it is written ``signgd``. Its nominal ``lr`` is
the grid's, the effective step is ``lr / d`` (matrix), ``lr / sqrt(d)`` (exponential) or both
(learnable: ``lr / sqrt(d)`` on the embeddings, ``lr / d`` on W), as in the official ``run.py``.

Only the standard library is used, and the output is deterministic (``statistics.fmean`` and
``statistics.stdev`` are exactly rounded, hence independent of the order of the seeds), so the test
suite can regenerate the file and compare it byte for byte.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import json
import statistics
import sys
from collections import Counter, defaultdict
from pathlib import Path

REPO = "facebookresearch/pal"
PATH = "projects/scaling_law/grid_experiments/res/finer_dim/all.jsonl.gz"
#: the mirrored commit and the sha256 of the file at that commit (checked: a different file needs --commit)
KNOWN_COMMIT = "4d977c1ac2a8b3640e5a72e6ada8264a6020cd34"
KNOWN_SHA256 = "3e75b765bd023375a6c76c9c8dae7d582b86d3a5f7fda087fbefba3ee9699fdc"

OPTIMIZERS = {"SGD": "sgd", "Adam": "signgd"}
MODELS = ("matrix", "learnable", "exponential")
FIXED = {"N": 100, "M": 5}
SEEDS = tuple(range(42, 52))
COLUMNS = ("model", "optimizer", "lr", "batch_size", "T", "layernorm", "d", "seeds", "mean", "std",
           "tuned_lr_mode")
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "amtools" / "data" / "published_grid.csv"


def fmt(x: float) -> str:
    """Four significant digits (the file stays small; the seed-to-seed spread is far larger)."""
    return format(x, ".4g")


def load(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh if line.strip()]
    for r in records:
        if r["N"] != FIXED["N"] or r["M"] != FIXED["M"]:
            raise SystemExit(f"unexpected record (N, M) = ({r['N']}, {r['M']}): {r}")
        if r["seed"] not in SEEDS or r["optimizer"] not in OPTIMIZERS or r["model"] not in MODELS:
            raise SystemExit(f"unexpected record: {r}")
        if r["niter"] != r["ntrain"] // r["batch_size"]:
            raise SystemExit(f"not one pass (niter != ntrain / batch_size): {r}")
    return records


def summarize(records: list[dict]) -> list[list[str]]:
    # errors[(model, opt, bs, T, ln, d)][lr][seed]
    errors: dict[tuple, dict[float, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    for r in records:
        key = (r["model"], OPTIMIZERS[r["optimizer"]], r["batch_size"], r["ntrain"], r["layernorm"], r["d"])
        lr = float(r["lr"])
        if r["seed"] in errors[key][lr]:
            raise SystemExit(f"duplicate run: {r}")
        errors[key][lr][r["seed"]] = float(r["error"])
    lrs = sorted({lr for by_lr in errors.values() for lr in by_lr})
    rows = []
    for (model, opt, bs, T, ln, d), by_lr in errors.items():
        if sorted(by_lr) != lrs or any(sorted(s) != list(SEEDS) for s in by_lr.values()):
            raise SystemExit(f"incomplete setting {(model, opt, bs, T, ln, d)}")
        head = [model, opt]
        tail = [str(bs), str(T), "true" if ln else "false", str(d), str(len(SEEDS))]
        for lr in lrs:
            e = [by_lr[lr][s] for s in SEEDS]
            rows.append((head, lr, tail, e, ""))
        best, best_lr = [], []
        for s in SEEDS:
            e_s = [by_lr[lr][s] for lr in lrs]
            i = min(range(len(lrs)), key=lambda j: (e_s[j], lrs[j]))     # ties: the smaller lr
            best.append(e_s[i])
            best_lr.append(lrs[i])
        counts = Counter(best_lr)
        mode = min(counts, key=lambda lr: (-counts[lr], lr))              # ties: the smaller lr
        rows.append((head, "tuned", tail, best, repr(mode)))
    order = {m: i for i, m in enumerate(MODELS)}
    out = []
    for head, lr, tail, e, mode in rows:
        out.append([*head, "tuned" if lr == "tuned" else repr(lr), *tail,
                    fmt(statistics.fmean(e)), fmt(statistics.stdev(e)), mode])
    out.sort(key=lambda row: (order[row[0]], row[1], row[2] == "tuned", 0.0 if row[2] == "tuned" else float(row[2]),
                              int(row[3]), int(row[4]), row[5] == "true", int(row[6])))
    return out


def header(commit: str, sha256: str, n_records: int) -> str:
    lines = [
        f"source: github.com/{REPO}, {PATH}",
        f"commit: {commit}",
        f"sha256 of all.jsonl.gz: {sha256}",
        f"licence: summary statistics of the published results ({n_records} runs), CC BY-NC 4.0; "
        "the file itself is not redistributed",
        "fixed settings: N=100, M=5, alpha=2 (Zipf p(x) ~ (x+1)^-2), one pass (T/batch_size steps), "
        "seeds 42..51, weight decay 0",
        "optimizer: sgd = torch SGD; signgd = torch Adam with betas=(0,0), i.e. sign-GD "
        "(effective step lr/d for matrix, lr/sqrt(d) for exponential, both for learnable)",
        "T = ntrain (tokens seen); mean, std = mean and sample std (ddof=1) of the error over the seeds, "
        "4 significant digits",
        "lr=tuned: per seed the smallest error over lr in {0.1, 1, 10, 100}, then mean/std over seeds; "
        "tuned_lr_mode = most frequent per-seed best lr (ties: the smaller lr)",
        "written by tools/extract_published_grid.py; do not edit by hand",
    ]
    return "".join(f"# {line}\n" for line in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("jsonl_gz", type=Path, help="finer_dim/all.jsonl.gz from facebookresearch/pal")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output CSV (default: %(default)s)")
    parser.add_argument("--commit", default=None,
                        help=f"commit the file comes from (default {KNOWN_COMMIT}, only for that file)")
    args = parser.parse_args(argv)

    raw = args.jsonl_gz.read_bytes()
    sha256 = hashlib.sha256(raw).hexdigest()
    commit = args.commit
    if commit is None:
        if sha256 != KNOWN_SHA256:
            raise SystemExit(f"{args.jsonl_gz} has sha256 {sha256}, not the known {KNOWN_SHA256}: "
                             "pass --commit <the commit it comes from>")
        commit = KNOWN_COMMIT
    records = load(args.jsonl_gz)
    rows = summarize(records)

    buf = io.StringIO()
    buf.write(header(commit, sha256, len(records)))
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(buf.getvalue(), encoding="utf-8", newline="")
    print(f"wrote {len(rows)} rows ({args.out.stat().st_size / 1024:.0f} KB) to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
