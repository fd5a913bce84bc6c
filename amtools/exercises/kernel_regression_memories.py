"""Self-checks for the exercises of the chapter ``kernel-regression-memories``."""

from __future__ import annotations

import math
from typing import Any, Callable

import torch

from ..mosaics import kernel_regression
from ._core import Feedback

__all__: list[str] = ["check_nw_regression"]


def _expected(K: torch.Tensor, V: torch.Tensor, Q: torch.Tensor, beta: float) -> torch.Tensor:
    # m queries against one memory: keys [1, n, dk], queries [m, dk] (amtools.mosaics broadcasts)
    return kernel_regression(K[None], V[None], Q, beta)


def check_nw_regression(fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor, float], Any]) -> None:
    """Check ``fn(keys, values, queries, beta)``: the Nadaraya-Watson read-out of ``m`` queries.

    ``keys`` ``[n, dk]``, ``values`` ``[n, dv]``, ``queries`` ``[m, dk]``, ``beta >= 0``; the answer is
    ``[m, dv]`` with row ``j`` equal to ``sum_i exp(-beta ||q_j - k_i||^2) v_i / Z_j``. Cases: two keys
    on a line by hand, ``beta = 0`` (the mean), random keys of unequal norms against
    :func:`amtools.mosaics.kernel_regression`, and a large ``beta`` whose exponentials underflow.
    """
    fb = Feedback("nw_regression", fn)
    f64 = torch.float64

    case = "by hand: keys 0 and 1, values 0 and 2, query 0.5, beta = 1"
    K, V = torch.tensor([[0.0], [1.0]], dtype=f64), torch.tensor([[0.0], [2.0]], dtype=f64)
    got = fb.tensor(case, fb.call(case, K.clone(), V.clone(), torch.tensor([[0.5]], dtype=f64), 1.0), (1, 1),
                    floating=True, slip="return one row of dv numbers per query: shape [m, dv]")
    fb.close(case, got, torch.tensor([[1.0]], dtype=f64), atol=1e-9,
             slip="the query is at the same distance from both keys: equal weights, the average of the values")

    case = "by hand: keys 0 and 1, values 0 and 2, query 0, beta = ln 2"
    got = fb.tensor(case, fb.call(case, K.clone(), V.clone(), torch.tensor([[0.0]], dtype=f64), math.log(2.0)),
                    (1, 1), floating=True)
    fb.close(case, got, torch.tensor([[2.0 / 3.0]], dtype=f64), atol=1e-9,
             slip="the weights are exp(-beta * squared distance) = 1 and 1/2, divided by their sum Z = 3/2; "
                  "check the sign of the exponent, the square, and the normalization by Z")

    gen = torch.Generator().manual_seed(0)
    K = torch.randn(7, 3, generator=gen, dtype=f64) * torch.linspace(0.3, 2.0, 7, dtype=f64)[:, None]
    V = torch.randn(7, 2, generator=gen, dtype=f64)
    Q = torch.randn(5, 3, generator=gen, dtype=f64)

    case = "beta = 0, 7 keys of unequal norms, 5 queries"
    got = fb.tensor(case, fb.call(case, K.clone(), V.clone(), Q.clone(), 0.0), (5, 2), floating=True)
    fb.close(case, got, V.mean(0).expand(5, 2), atol=1e-9,
             slip="at beta = 0 every weight is 1/n: each query reads the mean of the values")

    for beta in (0.3, 2.0):
        case = f"beta = {beta:g}, 7 keys of unequal norms, 5 queries"
        got = fb.tensor(case, fb.call(case, K.clone(), V.clone(), Q.clone(), beta), (5, 2), floating=True,
                        slip="one output row per query, dv = 2 columns")
        fb.close(case, got, _expected(K, V, Q, beta), atol=1e-8, rtol=1e-6,
                 slip="use the squared distance ||q - k_i||^2, not the dot product q.k_i: the two agree "
                      "only when all keys share one norm")

    case = "beta = 10^4, queries far from every key (exp underflows)"
    Qfar = K[:3] * 1.0 + 0.5
    got = fb.tensor(case, fb.call(case, K.clone(), V.clone(), Qfar.clone(), 1e4), (3, 2), floating=True)
    fb.true(case, bool(torch.isfinite(got).all()), "the output holds NaN or inf",
            slip="exp(-beta d^2) underflows to 0 for every key, and 0/0 = NaN: subtract the largest exponent "
                 "before exponentiating (torch.softmax does it)")
    fb.close(case, got, _expected(K, V, Qfar, 1e4), atol=1e-8, rtol=1e-6,
             slip="at large beta the read-out is the value of the nearest key")
    fb.done()
