"""Self-checks for the exercises of the appendix book/reproducing-the-grid.ipynb.

- :func:`check_tuned_errors`: the paper's "tuned" oracle on a sweep's runs: per (optimizer, batch
  size, d, run), the smallest error over the step sizes and the step size that reached it (ties: the
  smaller step size).
"""

from __future__ import annotations

import itertools
import random
from typing import Any, Callable

from ._core import Feedback

__all__: list[str] = ["check_tuned_errors"]

_KEYS = ["optimizer", "batch_size", "d", "run"]


def _runs(seed: int, ties: bool) -> list[dict[str, Any]]:
    """Rows like ``amtools.sweep.load``'s for a small grid, shuffled; ``ties`` repeats some errors."""
    rng = random.Random(seed)
    rows = []
    for optimizer, batch, d, run in itertools.product(("sgd", "signgd"), (16, 256), (10, 100), range(3)):
        errors = [round(rng.uniform(0.01, 0.5), 6) for _ in range(4)]
        if ties and run == 1:
            errors[3] = errors[1] = min(errors)          # the best error reached by lr 1 and lr 100
        for lr, error in zip((0.1, 1.0, 10.0, 100.0), errors):
            rows.append({"model": "matrix", "optimizer": optimizer, "batch_size": batch, "T": 10240,
                         "layernorm": False, "d": d, "seeds": 3, "seed": 0, "lr": lr, "run": run,
                         "error": error, "_seconds": rng.random(), "_hash": f"h{optimizer}{batch}{d}"})
    rng.shuffle(rows)
    return rows


def _reference(rows: list[dict[str, Any]]) -> dict[tuple, tuple[float, float]]:
    best: dict[tuple, tuple[float, float]] = {}
    for r in rows:
        key = tuple(r[k] for k in _KEYS)
        cand = (r["error"], r["lr"])
        if key not in best or cand < best[key]:
            best[key] = cand
    return best


def check_tuned_errors(fn: Callable[[Any], Any]) -> None:
    """Check ``fn(frame) -> DataFrame``: one row per (optimizer, batch_size, d, run) with the smallest
    ``error`` over ``lr`` and that ``lr`` (ties: the smaller). Cases: a shuffled frame without ties,
    the same frame with ties, and the input left unchanged."""
    import pandas as pd

    fb = Feedback("tuned_errors", fn)
    for case, ties in (("24 groups of 4 step sizes, shuffled rows", False),
                       ("the same with ties (lr = 1 and lr = 100 reach the same best error)", True)):
        rows = _runs(3, ties)
        frame = pd.DataFrame(rows)
        before = frame.copy()
        got = fb.call(case, frame)
        fb.true(case, isinstance(got, pd.DataFrame), f"expected a pandas.DataFrame, got {type(got).__name__}")
        missing = [c for c in _KEYS + ["error", "lr"] if c not in got.columns]
        fb.true(case, not missing, f"the result lacks the columns {missing}",
                slip="keep the four group columns, and the error and lr of the best row")
        want = _reference(rows)
        fb.true(case, len(got) == len(want), f"expected {len(want)} rows (one per group), got {len(got)}",
                slip="one row per (optimizer, batch_size, d, run): the seeds stay separate, the step sizes "
                     "are what you minimize over")
        seen = set()
        for r in got.to_dict("records"):
            key = tuple(r[k] for k in _KEYS)
            fb.true(case, key in want and key not in seen, f"unexpected or repeated group {key}")
            seen.add(key)
            error, lr = want[key]
            fb.close(case, float(r["error"]), error, atol=1e-12,
                     slip="take the smallest error within each group (min, not mean)")
            fb.true(case, float(r["lr"]) == lr,
                    f"group {key}: expected lr {lr:g} (the step size of the best error), got {r['lr']}",
                    slip="on a tie, keep the smaller step size" if ties else
                         "report the step size of the row with the smallest error")
        fb.true(case, frame.equals(before), "your function changed its input frame",
                slip="work on a copy (sort_values returns a new frame)")
    fb.done()
