"""Self-checks for the exercises of the chapter book/memory-units.ipynb.

- :func:`check_causal_readout`: the strictly causal read-out of a contextual memory,
  :math:`y_T = \\sum_{t<T} \\mathrm{softmax}_t(\\beta\\, k_T^\\top k_t)\\, v_t` with :math:`y_1 = 0`,
  for one sequence (``keys [T, dk]``, ``values [T, dv]``), against :func:`amtools.mosaics.causal_readout`.
"""

from __future__ import annotations

from typing import Any, Callable

import torch

from ..mosaics import causal_readout
from ._core import Feedback

__all__: list[str] = ["check_causal_readout"]


def _cases() -> list[tuple[str, torch.Tensor, torch.Tensor, float]]:
    gen = torch.Generator().manual_seed(0)
    hand_k = torch.tensor([[1.0], [0.0], [1.0]], dtype=torch.float64)
    hand_v = torch.tensor([[10.0, 0.0], [0.0, 10.0], [5.0, 5.0]], dtype=torch.float64)
    rand_k = torch.randn(12, 4, generator=gen, dtype=torch.float64)
    rand_v = torch.randn(12, 3, generator=gen, dtype=torch.float64)
    big_k = 30.0 * torch.randn(20, 8, generator=gen, dtype=torch.float64)
    big_v = torch.randn(20, 5, generator=gen, dtype=torch.float64)
    return [
        ("by hand: keys (1, 0, 1), beta = 1", hand_k, hand_v, 1.0),
        ("random, T = 12, dk = 4, dv = 3, beta = 0.7", rand_k, rand_v, 0.7),
        ("beta = 0: row T is the mean of the T - 1 earlier values", rand_k, rand_v, 0.0),
        ("large scores (keys of norm about 85, beta = 2)", big_k, big_v, 2.0),
    ]


def check_causal_readout(fn: Callable[[torch.Tensor, torch.Tensor, float], Any]) -> None:
    """Check ``fn(keys, values, beta) -> y``: the strictly causal read-out of one sequence.

    ``keys`` is ``[T, dk]``, ``values`` ``[T, dv]`` (float64), ``beta >= 0``; ``y`` must be ``[T, dv]``
    with ``y[0] = 0`` exactly and, for ``T >= 2``, ``y[T-1] = sum_{t < T-1} softmax(beta k_{T-1} . k_t) v_t``
    (0-based rows: row ``i`` reads the rows ``0..i-1`` only). Cases: three positions by hand, a random
    sequence, ``beta = 0`` (plain averages of the earlier values), and scores of order ``10^4``
    (a naive ``exp`` overflows).
    """
    fb = Feedback("causal_readout", fn)
    for case, K, V, beta in _cases():
        got = fb.call(case, K.clone(), V.clone(), beta)
        got = fb.tensor(case, got, tuple(V.shape), floating=True,
                        slip="one output row per position, with the values' width: shape (T, dv)")
        fb.true(case, bool(torch.isfinite(got).all()),
                "the output has NaN or infinite entries"
                + (" (row 0 included)" if not bool(torch.isfinite(got[0]).all()) else ""),
                slip="row 0 has no earlier position: a softmax over only -inf entries is NaN; set that "
                     "row to 0, and subtract the row maximum before the exponential (or use torch.softmax)")
        want = causal_readout(K, V, beta)
        leaky = causal_readout(K, V, beta, strict=False)
        if (got.double() - leaky).abs().max() <= 1e-6 * (1 + leaky.abs().max()):
            fb.fail(case, "your row T reads the pairs t <= T: that is the transformer's mask, "
                          "not the strict one", slip="mask the diagonal too (t < T, i.e. tril(..., -1))")
        fb.true(case, bool((got[0] == 0).all()), f"row 0 must be exactly 0 (nothing is stored yet), "
                f"got {got[0].tolist()}", slip="the first query has no earlier pair to read")
        fb.close(case, got, want, rtol=1e-6, atol=1e-6,
                 slip="scores are beta * k_T . k_t (no 1/sqrt(dk)); the softmax runs over the earlier "
                      "positions of each row, and the weights multiply the values")
    fb.done()
