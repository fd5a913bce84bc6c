"""Benchmark: the Fig. 1 error grid, ``error_grid`` (batched) vs a plain per-trial loop.

Workload (reference Fig. 1): N=1000 inputs, M=5 outputs, Zipf alpha=2, targets
x mod M, thresholding with rho=0 on the top floor(d/8) seen inputs,
d in {10, 20, 50, 100, 200, 1000}, T in {10, 100, 1000, 10000}, 100 trials.
Both methods use the SAME draws (tokens, embeddings, tie-breaking jitter, from
``amtools.storage._draw``):

- error_grid: batched over trials and T, float32 matmuls, rank-M scores
  ``(E A^T)(U U^T)`` so that no d x d matrix is ever formed, float64 error sum;
- reference: a plain NumPy loop over trials, d and T that ranks the counts,
  builds ``W = (U_f * q)^T E`` (d x d) in float64 and decodes with
  ``E @ W.T @ U.T``, a direct transcription of the equations.

Prints both times, their ratio, the largest difference between the two methods'
mean errors, the achieved GFLOP/s of error_grid (flops of its matmuls) and the
GFLOP/s of a same-size ``torch.matmul`` measured in the same run.
Run with ``python benchmarks/bench_error_grid.py [--trials 20]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

import amtools as am
from amtools.storage import _draw, error_grid


def reference_errors(tokens: np.ndarray, tie_key: np.ndarray, E: np.ndarray, U: np.ndarray,
                     p: np.ndarray, M: int, ds: list[int], Ts: list[int], frac: int) -> np.ndarray:
    """Per-trial NumPy loop over (d, T): rank seen inputs, W = sum_x q(x) u_f(x) e_x^T, argmax.

    Seen inputs are ranked by count, exact ties by ``tie_key`` (larger first). The gaussian
    embeddings at ``d`` are the raw prefixes here: error_grid rescales them by sqrt(d_max/d),
    which scales every score by a positive factor and leaves the argmax unchanged.
    """
    trials, N = E.shape[0], E.shape[1]
    targets = np.arange(N) % M
    errors = np.empty((trials, len(ds), len(Ts)))
    for t in range(trials):
        for j, T in enumerate(Ts):
            counts = np.bincount(tokens[t, :T], minlength=N).astype(float)
            seen = np.flatnonzero(counts > 0)
            order = seen[np.lexsort((-tie_key[t, seen], -counts[seen]))]
            for i, d in enumerate(ds):
                q = np.zeros(N)
                q[order[: d // frac]] = 1.0                             # rho = 0
                Ed, Ud = E[t, :, :d], U[t, :, :d]
                W = (Ud[targets] * q[:, None]).T @ Ed                   # d x d
                pred = (Ed @ W.T @ Ud.T).argmax(axis=1)
                errors[t, i, j] = p[pred != targets].sum()
    return errors


def grid_flops(trials: int, N: int, M: int, ds: list[int], K: int) -> float:
    """Flops of error_grid's matmuls: A = Q E, G = U U^T, B = E A^T, scores = B G, per d."""
    return float(sum(2 * trials * (K * M * N * d + M * M * d + N * d * K * M + N * K * M * M)
                     for d in ds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--N", type=int, default=1000)
    parser.add_argument("--M", type=int, default=5)
    parser.add_argument("--dims", type=int, nargs="+", default=[10, 20, 50, 100, 200, 1000])
    parser.add_argument("--Ts", type=int, nargs="+", default=[10, 100, 1000, 10000])
    parser.add_argument("--frac", type=int, default=8, help="P = d // frac")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    cpu = torch.device("cpu")
    print(am.environment_stamp(args.seed, cpu, "default"), f"| benchmark | threads {torch.get_num_threads()}")
    N, M, ds, Ts, trials = args.N, args.M, args.dims, args.Ts, args.trials
    kw = dict(rho=0.0, top=lambda d: d // args.frac, trials=trials, seed=args.seed, device=cpu)

    error_grid(N, M, 2.0, ds[:1], Ts[:1], "threshold", **{**kw, "trials": 2})   # warm-up, not timed
    t0 = time.perf_counter()
    draws = _draw(N, M, 2.0, max(ds), max(Ts), trials, args.seed, "gaussian", cpu, torch.float32)
    t_draw = time.perf_counter() - t0
    t0 = time.perf_counter()
    err = error_grid(N, M, 2.0, ds, Ts, "threshold", **kw)
    t_grid = time.perf_counter() - t0
    t_compute = max(t_grid - t_draw, 1e-9)   # error_grid redraws the same randomness internally

    t0 = time.perf_counter()
    ref = reference_errors(draws["tokens"].numpy(), draws["tie_key"].numpy(), draws["E"].double().numpy(),
                           draws["U"].double().numpy(), draws["p"].numpy(), M, ds, Ts, args.frac)
    t_ref = time.perf_counter() - t0

    # same-size plain matmul: the largest B = E A^T of the grid (d = d_max, all T at once)
    K, d = len(Ts), max(ds)
    a, b = torch.randn(trials, N, d), torch.randn(trials, d, K * M)
    torch.matmul(a, b)
    t0 = time.perf_counter()
    reps = 5
    for _ in range(reps):
        torch.matmul(a, b)
    t_mm = (time.perf_counter() - t0) / reps
    gf_mm = 2 * trials * N * d * K * M / t_mm / 1e9
    flops = grid_flops(trials, N, M, ds, K)

    mean_grid, mean_ref = err.mean(0).numpy(), ref.mean(0)
    diff = float(np.abs(mean_grid - mean_ref).max())
    print(f"mean error (error_grid), rows d = {ds}, columns T = {Ts}:")
    for d_, row in zip(ds, mean_grid):
        print(f"{d_:>6} " + " ".join(f"{v:9.5f}" for v in row))
    print(f"error_grid      : {t_grid:8.3f} s total ({t_draw:.3f} s drawing, {t_compute:.3f} s computing)")
    print(f"reference loop  : {t_ref:8.3f} s (excluding the draws)")
    print(f"speed ratio (reference / error_grid total): {t_ref / t_grid:.1f}x; "
          f"(reference / error_grid compute only): {t_ref / t_compute:.1f}x")
    print(f"error_grid matmul flops {flops / 1e9:.2f} GFLOP -> {flops / t_compute / 1e9:.2f} GFLOP/s "
          f"(compute time); same-size torch.matmul [{trials}x{N}x{d}]@[{d}x{K * M}]: {gf_mm:.2f} GFLOP/s")
    print(f"largest difference of mean errors: {diff:.2e} "
          f"({'agree' if diff <= 1e-5 else 'MISMATCH'}); largest per-trial difference "
          f"{float(np.abs(err.numpy() - ref).max()):.2e}")
    if diff > 1e-5:
        raise SystemExit("mean errors differ by more than 1e-5")


if __name__ == "__main__":
    main()
