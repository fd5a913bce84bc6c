"""Benchmark: training throughput of the two language models, and the contextual-memory read-out vs a loop.

Workloads (the tiny-language-model chapter's default profile): ``d = 64``, 1 layer, 4 heads,
context ``T = 192``, batch ``B = 32``, vocabulary 45 (characters), float32.

- ``training``: AdamW steps of :func:`amtools.lm_training.train_lm` (forward, cross-entropy, backward,
  clipping, update) on a fixed random batch, for ``amtools.models.gpt`` and ``amtools.models.mosaic_lm``
  (``mlp=True``, parameter parity, and ``mlp=False``). Reports training tokens per second
  (``B * T * steps / seconds``, best of ``--repeats`` runs of ``--steps`` steps after one warm-up step).
- ``contextual memory``: the forward pass of ``amtools.mosaics.ContextualMemory(64, 4)`` on
  ``[B, T, 64]`` (the unit ``MosaicLM`` uses: one ``[T, T]`` leak product per head for the whole batch,
  the read-out as one fused ``scaled_dot_product_attention``). Reference: the definition written
  position by position in torch, batched over sequences and heads only -- the key as a running leaky
  sum ``kbar_T = lambda kbar_(T-1) + W_phi x_T``, normalized and scaled; the peeking value
  ``(1 - c) W_psi x_(T+1) + c W_psi x_T``, normalized; ``y_T = sum_(t<T) softmax_t(k_T . k_t) v_t``
  (``y_1 = 0``), the gain and ``W_O``. Must agree within 1e-4 relative (float32).

Prints the times, tokens per second and ratios. Exits non-zero if a result disagrees. One torch thread
by default (``--threads``). Run with ``make bench`` or ``python benchmarks/bench_models.py``.
"""

from __future__ import annotations

import argparse

import torch

import amtools as am
from amtools import lm_training as tr
from amtools import models as lm
from amtools import mosaics as mm
from _timing import timed


def reference_contextual(unit: mm.ContextualMemory, x: torch.Tensor) -> torch.Tensor:
    """``ContextualMemory.forward`` position by position (a recurrence for the keys, no masks)."""
    B, T, d = x.shape
    H, dh = unit.heads, unit.head_dim
    kt = (x @ unit.W_phi.T).view(B, T, H, dh)
    vt = (x @ unit.W_psi.T).view(B, T, H, dh)
    lam, s, c = unit.leak.view(1, H, 1), unit.key_scale.view(1, H, 1), unit.c.view(1, H, 1)
    keys, values, bar = [], [], torch.zeros(B, H, dh, dtype=x.dtype)
    for t in range(T):
        bar = lam * bar + kt[:, t]
        keys.append(s * bar / bar.norm(dim=-1, keepdim=True))
        nxt = vt[:, t + 1] if t + 1 < T else torch.zeros_like(vt[:, t])
        v = (1 - c) * nxt + c * vt[:, t]
        values.append(v / v.norm(dim=-1, keepdim=True).clamp_min(torch.finfo(x.dtype).tiny))
    rows = [torch.zeros(B, H, dh, dtype=x.dtype)]
    for t in range(1, T):
        K, V = torch.stack(keys[:t], 2), torch.stack(values[:t], 2)          # [B, H, t, dh]
        w = torch.softmax(torch.einsum("bhd,bhsd->bhs", keys[t], K), dim=-1)
        rows.append(torch.einsum("bhs,bhsd->bhd", w, V))
    y = torch.stack(rows, 2) * unit.value_gain.view(1, H, 1, 1)            # [B, H, T, dh]
    return y.transpose(1, 2).reshape(B, T, d) @ unit.W_out.T


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--B", type=int, default=32)
    parser.add_argument("--T", type=int, default=192)
    parser.add_argument("--d", type=int, default=64)
    parser.add_argument("--vocab", type=int, default=45)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(am.environment_stamp(0, torch.device("cpu"), "default"), f"| benchmark | threads {torch.get_num_threads()}")
    ok = True
    g = torch.Generator().manual_seed(0)
    B, T, d, V = args.B, args.T, args.d, args.vocab

    inputs = torch.randint(0, V, (B, T), generator=g)
    targets = torch.randint(0, V, (B, T), generator=g)
    batches = lambda step: (inputs, targets)                                          # noqa: E731
    rates = {}
    for name, make, mlp in [("gpt", lm.gpt, True), ("mosaic", lm.mosaic_lm, True),
                            ("gpt, mlp=False", lm.gpt, False), ("mosaic, mlp=False", lm.mosaic_lm, False)]:
        model = make(V, d=d, layers=1, heads=4, context=T, mlp=mlp, generator=g)
        tr.train_lm(model, batches, tr.LMTrainConfig(1), progress=False)               # warm-up
        t, log = timed(lambda: tr.train_lm(model, batches, tr.LMTrainConfig(args.steps), progress=False),
                       args.repeats)
        ok &= all(torch.isfinite(torch.tensor(log.train_loss)))
        rates[name] = B * T * args.steps / t
        print(f"training {name:18s} ({mm.count_parameters(model):,} parameters; d={d} L=1 H=4 T={T} B={B}): "
              f"{t / args.steps * 1e3:6.1f} ms/step, {rates[name]:9,.0f} tokens/s")
    print(f"mosaic / gpt training time per token: {rates['gpt'] / rates['mosaic']:.2f}x (mlp=True), "
          f"{rates['gpt, mlp=False'] / rates['mosaic, mlp=False']:.2f}x (mlp=False)")

    unit = mm.ContextualMemory(d, 4, generator=g)
    x = torch.randn(B, T, d, generator=g)
    with torch.no_grad():
        t_am, out = timed(lambda: unit(x), args.repeats)
        t_ref, ref = timed(lambda: reference_contextual(unit, x), 1)
    diff = float((out - ref).abs().max()) / float(ref.abs().max())
    ok &= diff <= 1e-4
    print(f"ContextualMemory forward (B={B} H=4 T={T} d={d}): amtools {t_am * 1e3:.1f} ms, "
          f"per-position reference {t_ref * 1e3:.0f} ms; speed-up {t_ref / t_am:.0f}x; "
          f"max relative difference {diff:.1e}")
    if not ok:
        raise SystemExit("amtools and the reference disagree (or a training loss was not finite)")


if __name__ == "__main__":
    main()
