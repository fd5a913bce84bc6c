"""Shared by the benchmarks: the best wall time of repeated calls."""

from __future__ import annotations

import time
from typing import Any, Callable


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """``(best seconds over repeats, last result)`` of ``fn()`` called ``repeats`` times."""
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out
