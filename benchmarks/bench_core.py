"""Benchmark: the core memory pipeline, batched (amtools) vs a plain per-trial loop.

Workload: N=1000 inputs, M=5 outputs, Zipf alpha=2, q = p, targets x mod M,
100 trials, d in {10, 20, 50, 100, 200, 500, 1000}. For every d, both methods
start from the same embeddings and compute the exact generalization error of
each trial:

- amtools: ``memory_matrix`` + ``decode`` + ``generalization_error``, one
  batched call over the 100 trials (float32 matmuls, float64 error sum);
- reference: a plain NumPy loop over trials that builds ``W`` and decodes with
  ``E @ W.T @ U.T`` in float64, as a direct transcription of the equations.

Where the speed comes from: batching over trials (no Python loop), float32
matmuls, and the rank-M form ``W = sum_y u_y a_y^T`` (``a_y`` = weighted sum of
the embeddings of the inputs mapped to ``y``), which costs O(MNd + Md^2)
instead of O(Nd^2); decoding computes ``E (U W)^T`` rather than ``(E W^T) U^T``.

Run with ``make bench`` (or ``python benchmarks/bench_core.py``). Prints both
times, their ratio, and the largest difference between the two methods' errors.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

import amtools as am


def reference_errors(q: np.ndarray, E: np.ndarray, U: np.ndarray, targets: np.ndarray,
                     p: np.ndarray) -> np.ndarray:
    """Per-trial NumPy loop: W = sum_x q(x) u_f(x) e_x^T, argmax_y u_y^T W e_x, sum of p over errors."""
    errors = np.empty(E.shape[0])
    for t in range(E.shape[0]):
        W = (U[t][targets] * q[:, None]).T @ E[t]          # d x d
        logits = E[t] @ W.T @ U[t].T                       # N x M
        pred = logits.argmax(axis=1)
        errors[t] = p[pred != targets].sum()
    return errors


def amtools_errors(q: torch.Tensor, E: torch.Tensor, U: torch.Tensor, targets: torch.Tensor,
                   p: torch.Tensor) -> torch.Tensor:
    W = am.memory_matrix(q, E, U, targets)
    return am.generalization_error(am.decode(W, E, U), targets, p)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--N", type=int, default=1000)
    parser.add_argument("--M", type=int, default=5)
    parser.add_argument("--dims", type=int, nargs="+", default=[10, 20, 50, 100, 200, 500, 1000])
    parser.add_argument("--repeats", type=int, default=1, help="best of this many timings")
    args = parser.parse_args()

    print(am.environment_stamp(0, torch.device("cpu"), "default"), f"| benchmark | threads {torch.get_num_threads()}")
    gen = torch.Generator().manual_seed(0)
    p = am.zipf(args.N, 2.0)
    targets = torch.arange(args.N) % args.M
    q = p.float()
    p_np, q_np, t_np = p.numpy(), q.double().numpy(), targets.numpy()

    # warm-up (first-call allocations), not timed
    amtools_errors(q, am.random_embeddings(args.N, 8, 2, generator=gen),
                   am.random_embeddings(args.M, 8, 2, generator=gen), targets, p)
    total_am = total_ref = 0.0
    worst = 0.0
    print(f"{'d':>6} {'amtools [s]':>12} {'reference [s]':>14} {'ratio':>7} {'max |Δerror|':>13} {'mean error':>11}")
    for d in args.dims:
        E = am.random_embeddings(args.N, d, args.trials, generator=gen)
        U = am.random_embeddings(args.M, d, args.trials, generator=gen)
        E_np, U_np = E.double().numpy(), U.double().numpy()
        t_am, t_ref = [], []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            err_am = amtools_errors(q, E, U, targets, p)
            t_am.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            err_ref = reference_errors(q_np, E_np, U_np, t_np, p_np)
            t_ref.append(time.perf_counter() - t0)
        a, r = min(t_am), min(t_ref)
        diff = float(np.abs(err_am.numpy() - err_ref).max())
        worst = max(worst, diff)
        total_am += a
        total_ref += r
        print(f"{d:>6} {a:>12.3f} {r:>14.3f} {r / a:>7.1f} {diff:>13.2e} {err_ref.mean():>11.4f}")
    print(f"{'total':>6} {total_am:>12.3f} {total_ref:>14.3f} {total_ref / total_am:>7.1f} {worst:>13.2e}")
    print(f"speed ratio (reference / amtools): {total_ref / total_am:.1f}x; "
          f"largest error difference: {worst:.2e} ({'identical' if worst <= 1e-6 else 'MISMATCH'})")
    if worst > 1e-6:
        raise SystemExit("errors differ by more than 1e-6")


if __name__ == "__main__":
    main()
