r"""Outer-product associative memories: store, score, decode, and measure error.

The memory of the book's Part I:

.. math:: W = \sum_{x} q(x)\, u_{f(x)}\, e_x^\top ,\qquad
          f_W(x) = \arg\max_y\, u_y^\top W e_x ,\qquad
          \mathcal E = \sum_x p(x)\, \mathbf 1\{f_W(x) \neq f(x)\}.

Every function accepts a leading *trials* dimension and broadcasts over it, so
a whole batch of independent experiments runs in a few batched matrix products.
An argument without it is *shared* by every trial: e.g. one embedding table ``E[N, d]``
with weights ``q[trials, N]`` stores ``trials`` memories over the same embeddings.

Floating inputs must be finite (NaN or inf raises ``ValueError``), and a result that
overflows (``W`` or the scores no longer finite) raises too, instead of decoding
NaN scores as class 0.
"""

from __future__ import annotations

import torch

from ._validate import all_finite, as_tensor, check_probability_vector

__all__ = ["memory_matrix", "scores", "decode", "generalization_error"]


def _batched(x: torch.Tensor, ndim: int) -> torch.Tensor:
    return x.unsqueeze(0) if x.ndim == ndim - 1 else x


def _same_device(**tensors: torch.Tensor) -> None:
    devices = {name: t.device for name, t in tensors.items()}
    if len(set(devices.values())) > 1:
        listed = ", ".join(f"{name} on {dev}" for name, dev in devices.items())
        raise ValueError(f"{' and '.join(devices)} must be on the same device, got {listed}")


def _check_finite_result(x: torch.Tensor, what: str, inputs: str) -> torch.Tensor:
    if x.is_floating_point() and not all_finite(x):
        raise ValueError(f"{what} overflowed (NaN or inf) although {inputs} are finite: "
                         f"rescale {inputs}")
    return x


def memory_matrix(q: torch.Tensor, E: torch.Tensor, U: torch.Tensor,
                  targets: torch.Tensor) -> torch.Tensor:
    r"""Store the associations ``x -> targets[x]`` with weights ``q``.

    .. math:: W = \sum_x q(x)\, u_{f(x)} e_x^\top = \sum_{y} u_y\, a_y^\top,\qquad
              a_y = \sum_{x:\, f(x) = y} q(x)\, e_x

    The second form (``W`` has rank at most ``M``) is what is computed: it costs
    :math:`O(MNd + Md^2)` instead of :math:`O(Nd^2)` for the sum of outer products.

    Shapes (the leading ``trials`` dimension is optional everywhere and broadcast):
    ``q[trials, N]``, ``E[trials, N, d_in]``, ``U[trials, M, d_out]``,
    ``targets[trials, N]`` (integers in ``[0, M)``, of any integer dtype: ``int32``,
    ``uint8``, ... are read as ``long``; bool is rejected). An argument without the trials
    dimension is shared by every trial (e.g. a batched ``q`` with shared ``E`` and ``U``).
    ``q``, ``E`` and ``U`` must be finite; ``W`` is computed in ``E``'s dtype. Returns
    ``W[trials, d_out, d_in]``, or ``W[d_out, d_in]`` when no argument has a trials dimension.
    """
    q = as_tensor(q, "q", ndim=(1, 2), floating=True, finite=True)
    E = as_tensor(E, "E", ndim=(2, 3), floating=True, finite=True)
    U = as_tensor(U, "U", ndim=(2, 3), floating=True, finite=True)
    targets = as_tensor(targets, "targets", ndim=(1, 2), integer=True)
    _same_device(q=q, E=E, U=U, targets=targets)
    N, M = E.shape[-2], U.shape[-2]
    if q.shape[-1] != N:
        raise ValueError(f"q has {q.shape[-1]} entries per trial but E embeds N={N} inputs")
    if targets.shape[-1] != N:
        raise ValueError(f"targets has {targets.shape[-1]} entries per trial but E embeds N={N} inputs")
    if targets.numel() and (targets.min() < 0 or targets.max() >= M):
        raise ValueError(f"targets must lie in [0, M) = [0, {M}) where M is the number of rows of U")
    if E.dtype != U.dtype:
        raise TypeError(f"E and U must have the same dtype, got {E.dtype} and {U.dtype}")
    targets = targets.long()                     # int32, uint8, ...: one_hot needs int64
    unbatched = q.ndim == 1 and E.ndim == 2 and U.ndim == 2 and targets.ndim == 1
    q, E, U, targets = _batched(q, 2), _batched(E, 3), _batched(U, 3), _batched(targets, 2)
    trials = max(q.shape[0], E.shape[0], U.shape[0], targets.shape[0])
    for name, t in (("q", q), ("E", E), ("U", U), ("targets", targets)):
        if t.shape[0] not in (1, trials):
            raise ValueError(f"{name} has {t.shape[0]} trials, expected 1 or {trials}")
    # W has rank <= M: grouping inputs by target, W = sum_y u_y a_y^T with
    # a_y = sum_{x: f(x)=y} q(x) e_x. Cost O(M N d + M d^2) instead of O(N d^2).
    onehot = torch.nn.functional.one_hot(targets.expand(trials, N), M).to(E.dtype)  # [trials, N, M]
    weights = (onehot * q.to(E.dtype).unsqueeze(-1)).transpose(1, 2)               # [trials, M, N]
    A = weights @ E.expand(trials, N, E.shape[-1])                                  # [trials, M, d_in]
    W = U.expand(trials, M, U.shape[-1]).transpose(1, 2) @ A                        # [trials, d_out, d_in]
    _check_finite_result(W, "W", "q, E and U")
    return W[0] if unbatched else W


def scores(W: torch.Tensor, E: torch.Tensor, U: torch.Tensor) -> torch.Tensor:
    r"""All scores ``s[x, y] = u_y^T W e_x`` as a ``Tensor[trials, N, M]``.

    Computed as :math:`E\,(U W)^\top`, which costs :math:`O(M d^2 + N M d)`
    instead of the :math:`O(N d^2)` of forming :math:`E W^\top` first.
    Shapes ``W[trials, d_out, d_in]``, ``E[trials, N, d_in]``, ``U[trials, M, d_out]``, each
    with an optional trials dimension (absent: shared by every trial). All three must be
    finite and of one dtype; scores that overflow raise ``ValueError``.
    """
    W = as_tensor(W, "W", ndim=(2, 3), floating=True, finite=True)
    E = as_tensor(E, "E", ndim=(2, 3), floating=True, finite=True)
    U = as_tensor(U, "U", ndim=(2, 3), floating=True, finite=True)
    _same_device(W=W, E=E, U=U)
    if U.shape[-1] != W.shape[-2]:
        raise ValueError(f"U has dimension {U.shape[-1]} but W has {W.shape[-2]} rows (d_out)")
    if E.shape[-1] != W.shape[-1]:
        raise ValueError(f"E has dimension {E.shape[-1]} but W has {W.shape[-1]} columns (d_in)")
    batch = {t.shape[0] for t in (W, E, U) if t.ndim == 3} - {1}
    if len(batch) > 1:
        raise ValueError(f"W, E and U must have the same number of trials (or 1), got {sorted(batch)}")
    if not (W.dtype == E.dtype == U.dtype):
        raise TypeError(f"W, E and U must have the same dtype, got {W.dtype}, {E.dtype}, {U.dtype}")
    UW = U @ W                                   # [trials, M, d_in]: rows u_y^T W
    return _check_finite_result(E @ UW.transpose(-1, -2), "the scores", "W, E and U")  # [trials, N, M]


def decode(W: torch.Tensor, E: torch.Tensor, U: torch.Tensor) -> torch.Tensor:
    r"""Predicted output for every input: :math:`f_W(x) = \arg\max_y u_y^\top W e_x`.

    Returns a ``LongTensor[trials, N]`` (``[N]`` for unbatched inputs). Ties go
    to the smallest ``y``, as in ``torch.argmax``. Non-finite ``W``, ``E``, ``U`` or scores
    raise ``ValueError`` (a NaN score is never decoded as class 0).
    """
    return scores(W, E, U).argmax(dim=-1)


def generalization_error(pred: torch.Tensor, targets: torch.Tensor,
                         p: torch.Tensor) -> torch.Tensor:
    r"""Exact 0-1 error :math:`\mathcal E = \sum_x p(x)\,\mathbf 1\{\mathrm{pred}(x) \neq f(x)\}`.

    ``pred`` and ``targets`` are integer tensors (any integer dtype) of outputs ``>= 0``
    whose last dimension is ``N``; their leading dimensions must broadcast (e.g. ``pred[trials, N]`` against
    shared ``targets[N]``). ``p`` is the input law, a ``Tensor[N]``. Returns one error per
    (broadcast) leading index, in ``p``'s dtype.
    """
    pred = as_tensor(pred, "pred", integer=True)
    targets = as_tensor(targets, "targets", integer=True)
    p = check_probability_vector(p, "p")
    _same_device(pred=pred, targets=targets, p=p)
    if pred.ndim == 0 or pred.shape[-1] != p.shape[0]:
        raise ValueError(f"pred must end with N={p.shape[0]} entries (the length of p), got shape {tuple(pred.shape)}")
    if targets.ndim == 0 or targets.shape[-1] != p.shape[0]:
        raise ValueError(f"targets must end with N={p.shape[0]} entries (the length of p), got shape {tuple(targets.shape)}")
    for name, t in (("pred", pred), ("targets", targets)):
        if t.numel() and t.min() < 0:
            raise ValueError(f"{name} must hold outputs >= 0 (class indices), got {t.min().item()}")
    try:
        torch.broadcast_shapes(pred.shape, targets.shape)
    except RuntimeError:
        raise ValueError(f"pred and targets must have broadcastable shapes, got {tuple(pred.shape)} "
                         f"and {tuple(targets.shape)}") from None
    wrong = (pred.long() != targets.long()).to(p.dtype)
    return wrong @ p
