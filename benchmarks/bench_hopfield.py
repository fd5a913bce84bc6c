"""Benchmark: asynchronous Hopfield recall, batched (amtools) vs a plain per-trial loop.

Workloads, N units, K random ±1 patterns (Hebbian weights), probes with 20 % of the bits flipped,
at most 10 sweeps: (a) ``trials`` networks, each probed with its first pattern (memory-bound: every
sweep reads all ``trials`` weight matrices); (b) one network and ``trials`` probes (the typical use:
the fields are one GEMM per sweep).

- amtools: ``hopfield.recall``, one call over all trials: one single-unit update serves every trial
  (a random order per trial), the local fields are updated only for the trials whose unit flips;
- reference: a NumPy loop over trials and units, ``s_i = sign(W_i . s)``, with the same random
  orders (``torch.rand(trials, N).argsort(-1)`` per sweep, same generator), stopping when a sweep
  changes nothing in any trial.

K is odd and N even, so no local field is ever exactly 0 and both must agree bit for bit. Also times
``dense_recall`` (kind="exp", one sweep) on the same probes. Run ``python benchmarks/bench_hopfield.py``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

import amtools as am
from amtools import hopfield as hf


def reference_recall(W: np.ndarray, s0: np.ndarray, sweeps: int, generator: torch.Generator) -> np.ndarray:
    s = s0.copy()
    trials, N = s.shape
    for _ in range(sweeps):
        order = torch.rand(trials, N, generator=generator).argsort(-1).numpy()
        changed = False
        for t in range(trials):
            for i in order[t]:
                new = 1.0 if W[t, i] @ s[t] >= 0 else -1.0
                changed |= new != s[t, i]
                s[t, i] = new
        if not changed:
            break
    return s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--N", type=int, default=400)
    parser.add_argument("--K", type=int, default=21)
    args = parser.parse_args()
    print(am.environment_stamp(0, torch.device("cpu"), "default"), f"| benchmark | threads {torch.get_num_threads()}")

    g = torch.Generator().manual_seed(0)
    X = torch.randint(0, 2, (args.trials, args.K, args.N), generator=g).double() * 2 - 1
    probe = torch.where(torch.rand(args.trials, args.N, generator=g) < 0.2, -X[:, 0], X[:, 0])
    ok = True
    # (a) one network per trial, one probe each; (b) one network (trial 0's), every probe a corrupted
    # copy of one of its patterns
    shared_probe = torch.where(torch.rand(args.trials, args.N, generator=g) < 0.2, -X[0, torch.arange(args.trials)
                                                                                      % args.K], X[0, torch.arange(args.trials) % args.K])
    for label, W, probes in (("one network per trial", hf.hebbian(X), probe),
                             ("one shared network   ", hf.hebbian(X[0]), shared_probe)):
        t0 = time.perf_counter()
        out = hf.recall(W, probes, sweeps=10, generator=torch.Generator().manual_seed(1))
        t_am = time.perf_counter() - t0
        W_np = W.expand(args.trials, args.N, args.N).numpy()
        t0 = time.perf_counter()
        ref = reference_recall(W_np, probes.numpy(), 10, torch.Generator().manual_seed(1))
        t_ref = time.perf_counter() - t0
        same = bool(np.array_equal(out.numpy(), ref))
        ok &= same
        print(f"recall, {label} (trials={args.trials} N={args.N} K={args.K}): amtools {t_am:.3f} s, "
              f"reference {t_ref:.3f} s, speed-up {t_ref / t_am:.1f}x, identical: {same}")
    t0 = time.perf_counter()
    dense = hf.dense_recall(X, probe, kind="exp", sweeps=1, generator=torch.Generator().manual_seed(1))
    print(f"dense_recall (exp, 1 sweep, one network per trial): {time.perf_counter() - t0:.3f} s, "
          f"mean overlap {hf.overlap(dense, X[:, 0]).mean():.3f}")
    if not ok:
        raise SystemExit("recall and the reference disagree")


if __name__ == "__main__":
    main()
