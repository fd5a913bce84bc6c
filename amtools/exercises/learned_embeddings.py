"""Self-checks for the exercises of the chapter book/learned-embeddings.ipynb.

- :func:`check_circle_memory`: the exact memory of dimension 2 for any target map, output
  embeddings on a circle, ``e_x = u_{f(x)}`` and ``W = I`` (any zero-error construction of
  dimension 2 passes).
"""

from __future__ import annotations

from typing import Any, Callable

import torch

from ._core import Feedback

__all__: list[str] = ["check_circle_memory"]


def _unpack(fb: Feedback, case: str, got: Any, N: int, M: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Check the answer's structure: a tuple ``(E [N, 2], W [2, 2], U [M, 2])`` of floating tensors."""
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        fb.fail(case, f"expected a tuple (E, W, U), got {type(got).__name__}"
                      + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else ""),
                slip="return the three matrices together: return E, W, U")
    E, W, U = got
    E = fb.tensor(case, E, (N, 2), floating=True,
                  slip="E has one row e_x per input, in dimension d = 2")
    W = fb.tensor(case, W, (2, 2), floating=True, slip="W is a 2 x 2 matrix")
    U = fb.tensor(case, U, (M, 2), floating=True,
                  slip="U has one row u_y per output (the book's convention: scores u_y^T W e_x), "
                       "so its shape is (M, 2), not (2, M)")
    for name, t in (("E", E), ("W", W), ("U", U)):
        fb.true(case, bool(torch.isfinite(t).all()), f"{name} has NaN or infinite entries")
    return E.double(), W.double(), U.double()


def _scores(E: torch.Tensor, W: torch.Tensor, U: torch.Tensor) -> torch.Tensor:
    """``s[x, y] = u_y^T W e_x`` (float64), as ``am.scores``."""
    return E @ W.T @ U.T


def _check_recall(fb: Feedback, case: str, E: torch.Tensor, W: torch.Tensor, U: torch.Tensor,
                  targets: torch.Tensor) -> None:
    s = _scores(E, W, U)                                     # [N, M]
    right = s.gather(1, targets[:, None])[:, 0]
    others = s.scatter(1, targets[:, None], float("-inf")).amax(dim=1)
    scale = s.abs().amax().clamp_min(1e-300)
    lead = (right - others) / scale                          # > 0 iff the right output wins strictly
    bad = lead <= 1e-12
    if bad.any():
        x = int(bad.nonzero()[0, 0])
        wrong = int(s[x].argmax())
        tie = bool(lead[x] > -1e-12)
        fb.fail(case, f"{int(bad.sum())} of {targets.numel()} inputs are not recalled; first: input x = {x} "
                      f"with target f(x) = {int(targets[x])}: "
                      + ("its right output ties with another one" if tie else
                         f"output {wrong} scores higher ({s[x, wrong].item():.4g} vs {right[x].item():.4g})"),
                slip="an input's embedding should be built from its target f(x), not from x itself; the M "
                     "output embeddings need M different directions of the plane; and W must send each e_x "
                     "back towards its own output's direction, not turn the plane")


def check_circle_memory(fn: Callable[[torch.Tensor, int], Any]) -> None:
    """Check ``fn(targets, M) -> (E, W, U)``: a memory of dimension 2 with zero error for any target map.

    ``targets`` is a ``LongTensor[N]`` with values in ``[0, M)``; the answer is a tuple of floating
    tensors ``E [N, 2]`` (rows ``e_x``), ``W [2, 2]`` and ``U [M, 2]`` (rows ``u_y``), read as
    ``f(x) = argmax_y u_y^T W e_x``. Every input must be recalled, with a strict win (no ties).
    Cases: four inputs by hand, then ``x mod 5`` with ``N = 100``, a random map with unused
    outputs, and a random permutation of ``M = N = 100`` outputs.
    """
    fb = Feedback("circle_memory", fn)
    gen = torch.Generator().manual_seed(0)
    cases = [
        ("by hand: targets (1, 0, 1, 2), M = 3", torch.tensor([1, 0, 1, 2]), 3),
        ("targets x mod 5, N = 100, M = 5", torch.arange(100) % 5, 5),
        ("random targets, N = 60, M = 37 (some outputs unused)", torch.randint(0, 37, (60,), generator=gen), 37),
        ("a random permutation, N = M = 100", torch.randperm(100, generator=gen), 100),
    ]
    for case, targets, M in cases:
        got = fb.call(case, targets.clone(), M)
        E, W, U = _unpack(fb, case, got, targets.numel(), M)
        _check_recall(fb, case, E, W, U, targets)
    fb.done()
