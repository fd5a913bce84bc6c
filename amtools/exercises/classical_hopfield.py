"""Self-checks for the exercises of the chapter book/classical-hopfield.ipynb.

- :func:`check_hebbian_weights`: the Hebbian matrix ``W = X^T X / N`` with zero diagonal.
- :func:`check_async_sweep`: one asynchronous sweep ``s_i <- sign(sum_j W_ij s_j)`` (``sign(0) = +1``)
  over the units in a given order, each update seeing the ones before it.
"""

from __future__ import annotations

from typing import Any, Callable

import torch

from ._core import Feedback

__all__: list[str] = ["check_hebbian_weights", "check_async_sweep"]


def _patterns(K: int, N: int, seed: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.where(torch.rand(K, N, generator=gen) < 0.5, 1.0, -1.0).double()


def _hebbian(X: torch.Tensor) -> torch.Tensor:
    W = X.T @ X / X.shape[1]
    return W - torch.diag(torch.diagonal(W))


def check_hebbian_weights(fn: Callable[[torch.Tensor], Any]) -> None:
    """Check ``fn(patterns) -> W``: ``W = X^T X / N`` with ``W_ii = 0`` for patterns ``X [K, N]`` (rows).

    Cases: two patterns of three units by hand, then random ``±1`` patterns with ``(K, N)`` equal to
    ``(5, 20)`` and ``(40, 30)`` (more patterns than units). Shape first, then structure
    (symmetric, zero diagonal), then values; ``patterns`` must be left unchanged.
    """
    fb = Feedback("hebbian_weights", fn)
    cases = [("by hand: patterns (1, 1, -1) and (1, -1, 1)",
              torch.tensor([[1.0, 1.0, -1.0], [1.0, -1.0, 1.0]], dtype=torch.float64)),
             ("5 random patterns of N = 20 units", _patterns(5, 20, 0)),
             ("40 random patterns of N = 30 units (K > N)", _patterns(40, 30, 1))]
    for case, X in cases:
        K, N = X.shape
        before = X.clone()
        got = fb.call(case, X)
        if isinstance(got, torch.Tensor) and tuple(got.shape) == (K, K) and K != N:
            fb.fail(case, f"expected shape ({N}, {N}), got ({K}, {K})",
                    slip="W couples units, not patterns: it is N x N, X^T X, not X X^T")
        got = fb.tensor(case, got, (N, N), floating=True,
                        slip="one weight W_ij per pair of units: an N x N floating-point matrix")
        fb.true(case, torch.equal(X, before), "your function changed the patterns in place",
                slip="build W in a new tensor")
        got = got.double()
        fb.true(case, bool(torch.allclose(got, got.T, atol=1e-12)), "W is not symmetric",
                slip="W_ij and W_ji both sum xi_i xi_j over the patterns")
        diag = torch.diagonal(got)
        if not bool(torch.allclose(diag, torch.zeros_like(diag), atol=1e-12)):
            fb.fail(case, f"the diagonal should be 0, got W_00 = {diag[0].item():.4g}",
                    slip="a unit does not feed itself: set W_ii = 0 (here the diagonal of X^T X / N is K/N)")
        want = _hebbian(X)
        off = ~torch.eye(N, dtype=torch.bool)
        ratio = (got[off] @ want[off]) / (want[off] @ want[off]).clamp_min(1e-300)
        if abs(ratio - 1) > 1e-6 and torch.allclose(got[off], ratio * want[off], rtol=1e-6, atol=1e-12):
            fb.fail(case, f"W is {ratio:.4g} times the Hebbian matrix",
                    slip=f"divide the sum of outer products by N = {N}, the number of units "
                         f"(not by K = {K}, and not 1/2)")
        fb.close(case, got, want, rtol=1e-6, atol=1e-7,
                 slip="W_ij = (1/N) sum over patterns mu of xi^mu_i xi^mu_j, with patterns as the rows of X")
    fb.done()


def _sign(h: torch.Tensor) -> torch.Tensor:
    return torch.where(h >= 0, 1.0, -1.0).to(h.dtype)


def _sweep(W: torch.Tensor, s: torch.Tensor, order: torch.Tensor) -> torch.Tensor:
    s = s.clone()
    for i in order.tolist():
        s[i] = _sign(W[i] @ s)
    return s


def _energy(W: torch.Tensor, s: torch.Tensor) -> float:
    return float(-0.5 * s @ W @ s)


def check_async_sweep(fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], Any]) -> None:
    """Check ``fn(W, s, order) -> s_new``: one asynchronous sweep of a Hopfield network.

    Units are updated one at a time in ``order``, ``s_i <- sign(sum_j W_ij s_j)`` with ``sign(0) = +1``,
    each update using the state left by the previous ones. Cases: two coupled units by hand (in both
    orders; the synchronous update gives a different answer), a zero matrix (every field is 0), then
    Hebbian networks of ``N = 60`` units (``K = 4`` and ``K = 12``) from probes with a quarter of their bits
    flipped: shape, ``±1`` entries, ``s`` left unchanged, energy not increased, then the states.
    """
    fb = Feedback("async_sweep", fn)
    W2 = torch.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=torch.float64)
    s2 = torch.tensor([1.0, -1.0], dtype=torch.float64)
    cases = [("by hand: W = [[0, 1], [1, 0]], s = (1, -1), order (0, 1)", W2, s2, torch.tensor([0, 1])),
             ("by hand: W = [[0, 1], [1, 0]], s = (1, -1), order (1, 0)", W2, s2, torch.tensor([1, 0])),
             ("a zero matrix, N = 4 (every local field is 0)", torch.zeros(4, 4, dtype=torch.float64),
              torch.tensor([-1.0, 1.0, -1.0, -1.0], dtype=torch.float64), torch.tensor([2, 0, 3, 1]))]
    gen = torch.Generator().manual_seed(2)
    for K in (4, 12):
        X = _patterns(K, 60, K)
        probe = X[0].clone()
        probe[torch.randperm(60, generator=gen)[:15]] *= -1
        cases.append((f"Hebbian network, N = 60, K = {K}, probe = pattern 1 with 15 bits flipped",
                      _hebbian(X), probe, torch.randperm(60, generator=gen)))
    for case, W, s, order in cases:
        N = s.numel()
        s_before, W_before = s.clone(), W.clone()
        got = fb.call(case, W.clone(), s, order.clone())
        got = fb.tensor(case, got, (N,), floating=True, slip="return the new state, a floating tensor of N entries")
        fb.true(case, torch.equal(s, s_before), "your function changed s in place",
                slip="copy the state first (s = s.clone()) and update the copy")
        got = got.double()
        if bool((got == 0).any()):
            fb.fail(case, f"the new state has {int((got == 0).sum())} zero entries",
                    slip="torch.sign(0) is 0; the book's convention is sign(0) = +1 (e.g. torch.where(h >= 0, 1.0, -1.0))")
        fb.true(case, bool(((got == 1) | (got == -1)).all()), "the new state should hold only +1 and -1",
                slip="each unit takes the sign of its local field, not the field itself")
        want = _sweep(W_before, s_before, order)
        if not torch.equal(got, want):
            sync = _sign(W_before @ s_before)
            if torch.equal(got, sync):
                fb.fail(case, f"got the synchronous update {got.tolist()} instead of {want.tolist()}",
                        slip="every unit used the old state: update s in place, one unit at a time, in the given order")
            if _energy(W_before, got) > _energy(W_before, s_before) + 1e-9:
                fb.fail(case, f"the energy rose from {_energy(W_before, s_before):.4g} to "
                              f"{_energy(W_before, got):.4g}",
                        slip="update one unit at a time, each from the current state (s_i changes before unit "
                             "order[t + 1] computes its field)")
            bad = int((got != want).nonzero()[0, 0])
            fb.fail(case, f"{int((got != want).sum())} of {N} units differ; first: unit {bad}, expected "
                          f"{want[bad].item():+.0f}, got {got[bad].item():+.0f}",
                    slip="visit the units in the given order: unit order[0] first, then order[1], ...")
    fb.done()
