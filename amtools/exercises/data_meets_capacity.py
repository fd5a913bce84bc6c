"""Self-checks for the exercises of the chapter book/data-meets-capacity.ipynb.

- :func:`check_threshold_weights`: the thresholding rule, ``q = 1`` on the ``P`` most
  frequent *seen* inputs of a sample (``N`` inputs, counts ``[N]``);
- :func:`check_fill_turnaround`: the sample size ``T`` at which storing every seen
  input ("fill") is best, and how many inputs it stores there.
"""

from __future__ import annotations

from typing import Any, Callable

import torch

from ..storage import error_grid
from ..theory import expected_distinct
from ..zipf import sample_tokens, token_counts, zipf
from ._core import Feedback

__all__ = ["check_threshold_weights", "check_fill_turnaround"]

_SEEN_SLIP = ("an input with count 0 was never seen: there is nothing to store for it, "
              "even when fewer than P inputs were seen")


def _threshold_case(fb: Feedback, case: str, counts: torch.Tensor, P: int) -> torch.Tensor:
    """Run the reader's rule on one case and test every property a correct answer has."""
    N = counts.shape[0]
    got = fb.call(case, counts.clone(), P)
    got = fb.tensor(case, got, (N,), floating=True, slip="return a float tensor with one weight per input")
    fb.true(case, bool(((got == 0) | (got == 1)).all()),
            f"every weight must be 0 or 1 (equal weights), got values {sorted(set(got.tolist()))[:6]}",
            slip="thresholding stores the kept inputs with the same weight, not with their counts")
    kept = got == 1
    fb.true(case, not bool((kept & (counts == 0)).any()),
            f"input(s) {torch.nonzero(kept & (counts == 0)).flatten().tolist()} are kept with count 0",
            slip=_SEEN_SLIP)
    want = min(P, int((counts > 0).sum()))
    fb.equal(case + " (number of kept inputs)", int(kept.sum()), want,
             slip="keep min(P, number of seen inputs) inputs")
    if want and bool((~kept & (counts > 0)).any()):
        lowest_kept = int(counts[kept].min())
        highest_left = int(counts[~kept & (counts > 0)].max())
        fb.true(case, lowest_kept >= highest_left,
                f"a seen input with count {highest_left} was left out while one with count "
                f"{lowest_kept} was kept",
                slip="rank the inputs by their counts in the sample, not by their index")
    return got


def check_threshold_weights(fn: Callable[[torch.Tensor, int], Any]) -> None:
    """Check ``fn(counts, P) -> q``: ``q[x] = 1`` on the ``P`` most frequent seen inputs, else 0.

    ``counts`` is an integer ``Tensor[N]`` (occurrences of each input in the sample);
    ties among equal counts may be broken in any way.
    """
    fb = Feedback("threshold_weights", fn)
    # 1. By hand: counts (3, 0, 5, 1), keep 2 -> inputs 0 and 2.
    got = _threshold_case(fb, "counts (3, 0, 5, 1), P = 2", torch.tensor([3, 0, 5, 1]), 2)
    fb.equal("counts (3, 0, 5, 1), P = 2", got, torch.tensor([1.0, 0.0, 1.0, 0.0], dtype=got.dtype))
    # 2. Fewer seen inputs than P: only the seen ones are stored.
    got = _threshold_case(fb, "counts (0, 2, 0, 1), P = 3", torch.tensor([0, 2, 0, 1]), 3)
    fb.equal("counts (0, 2, 0, 1), P = 3", got, torch.tensor([0.0, 1.0, 0.0, 1.0], dtype=got.dtype),
             slip=_SEEN_SLIP)
    # 3. Ties: any two of the three inputs with count 2.
    _threshold_case(fb, "counts (2, 2, 2, 0, 1), P = 2 (a tie)", torch.tensor([2, 2, 2, 0, 1]), 2)
    # 4. P = 0 stores nothing.
    _threshold_case(fb, "counts (4, 1), P = 0", torch.tensor([4, 1]), 0)
    # 5. A Zipf sample where the most frequent inputs are not the first indices.
    gen = torch.Generator().manual_seed(6)
    p = zipf(60, 1.2)[torch.randperm(60, generator=gen)]
    counts = token_counts(sample_tokens(p / p.sum(), 300, 1, generator=gen), 60)[0]
    _threshold_case(fb, "a shuffled Zipf sample, N = 60, T = 300, P = 8", counts, 8)
    fb.done()


def _reference_turnaround(d: int, Ts: list[int], *, N: int, alpha: float, M: int, trials: int,
                          seed: int) -> tuple[int, float, torch.Tensor]:
    mean = error_grid(N, M, alpha, [d], Ts, "fill", trials=trials, seed=seed)[:, 0].mean(0)
    j = int(torch.argmin(mean))
    return Ts[j], float(expected_distinct(zipf(N, alpha), Ts[j])), mean


def check_fill_turnaround(fn: Callable[..., Any]) -> None:
    """Check ``fn(d, Ts, *, N, alpha, M, trials, seed) -> (T_best, stored)``.

    ``T_best`` is the ``T`` of ``Ts`` that minimizes the mean fill error over the trials of
    one ``am.error_grid`` call; ``stored`` is ``am.expected_distinct`` at ``T_best``.
    """
    fb = Feedback("fill_turnaround", fn)
    Ts = [10, 20, 40, 80, 160, 320, 640, 1280, 2560]
    best = {}
    for d in (20, 40):
        case = f"N = 300, alpha = 2, M = 5, d = {d}, T in {Ts[0]}..{Ts[-1]}, 60 trials, seed 3"
        got = fb.call(case, d, list(Ts), N=300, alpha=2.0, M=5, trials=60, seed=3)
        fb.true(case, isinstance(got, tuple) and len(got) == 2,
                f"expected a pair (T_best, stored), got {type(got).__name__}")
        T_best, stored = got
        T_want, stored_want, mean = _reference_turnaround(d, Ts, N=300, alpha=2.0, M=5, trials=60, seed=3)
        fb.true(case, fb.number(case, T_best) in Ts, f"T_best must be one of Ts, got {T_best}",
                slip="return the value of T, not its index")
        side = "larger" if T_want > int(T_best) else "smaller"
        fb.true(case, int(T_best) == T_want,
                f"got T_best = {T_best}, where the error averaged over the trials is "
                f"{float(mean[Ts.index(int(T_best))]):.4f}, but a {side} T of the grid has a lower mean error",
                slip="the minimum must be taken on the error averaged over the trials (not on one trial, "
                     "nor per trial), and the grid must be drawn with the seed given")
        fb.close(case + " (stored inputs)", stored, stored_want, rtol=1e-6,
                 slip="stored = am.expected_distinct(p, T_best) for the same law p = am.zipf(N, alpha)")
        best[d] = int(T_best)
    fb.true("d = 20 and d = 40", best[20] <= best[40],
            f"a larger memory should turn around later, got {best[20]} and {best[40]}")
    fb.done()
