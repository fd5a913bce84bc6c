"""Random embeddings for inputs (``e_x``) and outputs (``u_y``)."""

from __future__ import annotations

import torch

from ._validate import as_int

__all__ = ["random_embeddings", "EMBEDDING_KINDS"]

EMBEDDING_KINDS = ("gaussian", "sphere", "orthonormal")


def random_embeddings(n: int, d: int, trials: int = 1, kind: str = "gaussian",
                      generator: torch.Generator | None = None, *,
                      dtype: torch.dtype = torch.float32,
                      device: torch.device | str | None = None) -> torch.Tensor:
    r"""``n`` random vectors in ``R^d`` for each trial: a ``Tensor[trials, n, d]``.

    - ``"gaussian"``: i.i.d. entries :math:`\mathcal N(0, 1/d)`, so
      :math:`\|e\|^2 \approx 1` and :math:`\langle e, e'\rangle \approx \mathcal N(0, 1/d)`;
    - ``"sphere"``: uniform on the unit sphere (normalized Gaussians);
    - ``"orthonormal"``: orthonormal rows (needs ``n <= d``), a random rotation
      of the first ``n`` basis vectors; the memory then has no interference.
    """
    n = as_int(n, "n", minimum=1)
    d = as_int(d, "d", minimum=1)
    trials = as_int(trials, "trials", minimum=1)
    if kind not in EMBEDDING_KINDS:
        raise ValueError(f"kind must be one of {EMBEDDING_KINDS}, got {kind!r}")
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")
    if kind == "orthonormal" and n > d:
        raise ValueError(f"kind='orthonormal' needs n <= d, got n={n} > d={d}")
    if device is None and generator is not None:
        device = generator.device
    # Draw in the requested precision (float32 halves time and memory); QR needs float64.
    work = torch.float64 if kind == "orthonormal" or dtype == torch.float64 else dtype
    g = torch.randn(trials, n, d, generator=generator, dtype=work, device=device)
    if kind == "gaussian":
        out = g / d ** 0.5
    elif kind == "sphere":
        out = g / g.norm(dim=-1, keepdim=True)
    else:
        q, r = torch.linalg.qr(g.transpose(1, 2))  # [trials, d, n], orthonormal columns
        signs = torch.sign(torch.diagonal(r, dim1=-2, dim2=-1))  # Haar-uniform rotation
        signs[signs == 0] = 1.0
        out = (q * signs.unsqueeze(1)).transpose(1, 2)
    return out.to(dtype)
