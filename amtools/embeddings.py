"""Random embeddings for inputs (``e_x``) and outputs (``u_y``)."""

from __future__ import annotations

import torch

from ._validate import (FLOAT_DTYPES, as_choice, as_device, as_dtype, as_generator, as_int,
                        check_generator_device)

__all__ = ["random_embeddings", "EMBEDDING_KINDS"]

#: The values of ``kind`` that :func:`random_embeddings` accepts.
EMBEDDING_KINDS = ("gaussian", "sphere", "orthonormal")

# float64 numbers drawn per chunk of trials (32 MB): bounds the float64 working copy.
_DRAW_CHUNK = 2**22


def _from_gaussian(g: torch.Tensor, kind: str) -> torch.Tensor:
    """Turn a float64 standard normal draw ``[trials, n, d]`` into embeddings of ``kind`` (in place where possible)."""
    d = g.shape[-1]
    if kind == "gaussian":
        return g.div_(d ** 0.5)
    if kind == "sphere":
        return g.div_(g.norm(dim=-1, keepdim=True))
    q, r = torch.linalg.qr(g.transpose(1, 2))  # [trials, d, n], orthonormal columns
    signs = torch.sign(torch.diagonal(r, dim1=-2, dim2=-1))  # Haar-uniform rotation
    signs[signs == 0] = 1.0
    return (q * signs.unsqueeze(1)).transpose(1, 2)


def random_embeddings(n: int, d: int, trials: int = 1, kind: str = "gaussian",
                      generator: torch.Generator | None = None, *,
                      dtype: torch.dtype = torch.float32,
                      device: torch.device | str | None = None) -> torch.Tensor:
    r"""``n`` random vectors in ``R^d`` for each trial: a ``Tensor[trials, n, d]``.

    From a standard normal draw :math:`g \in \mathbb R^{n \times d}` per trial:

    - ``"gaussian"``: :math:`e = g / \sqrt d`, i.i.d. entries :math:`\mathcal N(0, 1/d)`, so
      :math:`\|e\|^2 \approx 1` and :math:`\langle e, e'\rangle \approx \mathcal N(0, 1/d)`;
    - ``"sphere"``: :math:`e = g / \|g\|`, uniform on the unit sphere;
    - ``"orthonormal"``: orthonormal rows (needs ``n <= d``): ``Q`` of ``g^T = QR`` with
      the signs of ``diag(R)`` folded in, a Haar-uniform rotation of the first ``n``
      basis vectors; the memory then has no interference.

    The numbers are always drawn and transformed in float64, then cast to ``dtype``
    (any floating dtype), so runs of the same seed in float32 and float64 agree up to
    rounding. ``device`` defaults to the ``generator``'s (then the CPU); a generator
    on another device is a ``ValueError``. Memory: the output, plus a float64
    working copy of at most 2**22 numbers per chunk of trials.
    """
    n = as_int(n, "n", minimum=1)
    d = as_int(d, "d", minimum=1)
    trials = as_int(trials, "trials", minimum=1)
    kind = as_choice(kind, "kind", EMBEDDING_KINDS)
    generator = as_generator(generator, "generator")
    dtype = as_dtype(dtype, "dtype", allowed=FLOAT_DTYPES)
    device = as_device(device, "device")
    if kind == "orthonormal" and n > d:
        raise ValueError(f"kind='orthonormal' needs n <= d, got n={n} > d={d}")
    if device is None:
        device = generator.device if generator is not None else torch.device("cpu")
    check_generator_device(generator, device, "generator")
    if trials * n * d > 2**63 - 1:
        raise ValueError(f"trials * n * d = {trials * n * d:.3g} numbers is too many for one tensor")
    # MPS has no float64: there the draw stays in float32.
    work = torch.float32 if device.type == "mps" else torch.float64
    chunk = max(1, _DRAW_CHUNK // (n * d))
    if chunk >= trials:  # one draw: the common case (and the stream of a single randn call)
        g = torch.randn(trials, n, d, generator=generator, dtype=work, device=device)
        return _from_gaussian(g, kind).to(dtype)
    out = torch.empty(trials, n, d, dtype=dtype, device=device)
    for start in range(0, trials, chunk):
        stop = min(start + chunk, trials)
        g = torch.randn(stop - start, n, d, generator=generator, dtype=work, device=device)
        out[start:stop] = _from_gaussian(g, kind)
    return out
