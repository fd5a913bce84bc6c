"""Benchmark: the contextual-memory read-out and a three-moons training step, batched vs per position.

Workloads (the three-moons chapter's default profile): ``B = 16`` sequences of ``T = 240`` steps.

- ``causal_readout``: keys ``[B, H, T, dk]`` and values ``[B, H, T, dv]`` (H = 3 heads, dk = dv = 2,
  beta = 50, float64). amtools: one masked softmax over the ``[B, H, T, T]`` scores and one batched
  matrix product (beta scales the keys, not the scores; the empty first row is zeroed on the output).
  Reference: the definition, a NumPy loop over sequences, heads and positions,
  ``y_T = sum_{t<T} softmax_t(beta k_T . k_t) v_t`` (a max-shifted softmax over the stored pairs,
  ``y_1 = 0``). Must agree within 1e-12.
- ``training step``: forward, clipped squared loss, backward of ``ThreeMoonsNet(3)`` (float32).
  amtools: ``net(x)``. Reference: the same network written position by position in torch (for each
  ``T``, the keys so far, a softmax over ``t < T``, the weighted values), differentiated by autograd.
  Loss and gradients must agree within 1e-4 (relative).

Prints both times and their ratio for each. Exits non-zero if a result disagrees. One torch thread
by default (``--threads``), as the chapter. Run with ``make bench`` or ``python benchmarks/bench_mosaics.py``.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

import amtools as am
from amtools import mosaics as mm
from _timing import timed


def reference_readout(keys: np.ndarray, values: np.ndarray, beta: float) -> np.ndarray:
    B, H, T, _ = keys.shape
    out = np.zeros(values.shape)
    for b in range(B):
        for h in range(H):
            for t in range(1, T):
                s = beta * keys[b, h, :t] @ keys[b, h, t]
                w = np.exp(s - s.max())
                out[b, h, t] = (w / w.sum()) @ values[b, h, :t]
    return out


def reference_forward(net: mm.ThreeMoonsNet, x: torch.Tensor) -> torch.Tensor:
    """``ThreeMoonsNet.forward`` position by position: the definition, no causal mask."""
    B, T, _ = x.shape
    H = net.heads
    k = net.W_phi(x).view(B, T, H, -1)
    v = net.W_psi(x).view(B, T, H, -1)
    rows = [net.W_z(torch.zeros(B, 6, dtype=x.dtype))]                                         # nothing stored yet
    for t in range(1, T):
        w = torch.softmax(net.beta * torch.einsum("bhd,bshd->bhs", k[:, t], k[:, :t]), dim=-1)   # [B, H, t]
        y = torch.einsum("bhs,bshd->bhd", w, v[:, 1:t + 1])                                      # v_s peeks x_(s+1)
        rows.append(net.W_z(y.reshape(B, -1)))
    return torch.stack(rows, dim=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--B", type=int, default=16)
    parser.add_argument("--T", type=int, default=240)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(am.environment_stamp(0, torch.device("cpu"), "default"), f"| benchmark | threads {torch.get_num_threads()}")
    ok = True
    g = torch.Generator().manual_seed(0)

    keys = torch.randn(args.B, 3, args.T, 2, generator=g, dtype=torch.float64) * 0.3
    values = torch.randn(args.B, 3, args.T, 2, generator=g, dtype=torch.float64)
    t_am, out = timed(lambda: mm.causal_readout(keys, values, 50.0), args.repeats)
    t_ref, ref = timed(lambda: reference_readout(keys.numpy(), values.numpy(), 50.0), 1)
    diff = float(np.abs(out.numpy() - ref).max())
    ok &= diff <= 1e-12
    print(f"causal_readout (B={args.B} H=3 T={args.T}): amtools {t_am * 1e3:.2f} ms, reference {t_ref * 1e3:.1f} ms, "
          f"speed-up {t_ref / t_am:.0f}x, max |difference| {diff:.1e}")

    net = mm.ThreeMoonsNet(3, init_std=0.41, generator=g)
    x, y = mm.three_moons(args.T, args.B, generator=g)

    def step(forward):
        net.zero_grad()
        loss = (forward(x) - y).clamp(-0.5, 0.5).square().mean()
        loss.backward()
        return float(loss.detach()), [p.grad.clone() for p in net.parameters()]

    t_am, (loss_am, grads_am) = timed(lambda: step(net), args.repeats)
    t_ref, (loss_ref, grads_ref) = timed(lambda: step(lambda inp: reference_forward(net, inp)), args.repeats)
    rel = max(float((a - b).abs().max() / b.abs().max()) for a, b in zip(grads_am, grads_ref))
    same = abs(loss_am - loss_ref) <= 1e-4 * abs(loss_ref) and rel <= 1e-4
    ok &= same
    print(f"training step, ThreeMoonsNet(3) (B={args.B} T={args.T}): amtools {t_am * 1e3:.1f} ms, "
          f"reference {t_ref * 1e3:.1f} ms, speed-up {t_ref / t_am:.1f}x, loss {loss_am:.5f} vs {loss_ref:.5f}, "
          f"max relative gradient difference {rel:.1e}")
    if not ok:
        raise SystemExit("amtools and the reference disagree")


if __name__ == "__main__":
    main()
