"""Self-checks for the exercises of the chapter book/in-context-learning.ipynb.

- :func:`check_induction_prediction`: the induction rule "after :math:`a` came :math:`b`", written
  by hand: at every position :math:`t`, the token that followed the most recent earlier occurrence of
  :math:`x_t`, i.e. :math:`x_{s+1}` with :math:`s = \\max\\{s < t : x_s = x_t\\}`, and :math:`-1` where
  :math:`x_t` has not occurred before.
"""

from __future__ import annotations

from typing import Any, Callable

import torch

from ._core import Feedback

__all__: list[str] = ["check_induction_prediction"]


def _reference(tokens: torch.Tensor) -> torch.Tensor:
    T = tokens.shape[-1]
    same = tokens[:, :, None] == tokens[:, None, :]                       # [B, t, s]
    earlier = torch.ones(T, T, dtype=torch.bool).tril(-1)                 # s < t
    s = torch.where(same & earlier, torch.arange(T), -1).max(-1).values   # most recent earlier match
    nxt = tokens.gather(1, (s + 1).clamp(max=T - 1))
    return torch.where(s >= 0, nxt, torch.full_like(tokens, -1))


def _first_match(tokens: torch.Tensor) -> torch.Tensor:
    T = tokens.shape[-1]
    same = tokens[:, :, None] == tokens[:, None, :]
    earlier = torch.ones(T, T, dtype=torch.bool).tril(-1)
    s = torch.where(same & earlier, torch.arange(T), T).min(-1).values  # first earlier match, T if none
    nxt = tokens.gather(1, (s + 1).clamp(max=T - 1))
    return torch.where(s < T, nxt, torch.full_like(tokens, -1))


def _cases() -> list[tuple[str, torch.Tensor]]:
    gen = torch.Generator().manual_seed(0)
    blocks = []
    for m in (3, 5, 8):
        block = torch.randperm(16, generator=gen)[:m]
        blocks.append(block[torch.arange(24) % m])
    return [
        ("by hand: a b c a b = [[3, 5, 7, 3, 5]]", torch.tensor([[3, 5, 7, 3, 5]])),
        ("by hand: a b a c a = [[1, 2, 1, 3, 1]] (a occurs three times)", torch.tensor([[1, 2, 1, 3, 1]])),
        ("by hand: a a a = [[4, 4, 4]] (repeats in a row)", torch.tensor([[4, 4, 4]])),
        ("two sequences, no repeat = [[0, 1, 2], [5, 6, 7]]", torch.tensor([[0, 1, 2], [5, 6, 7]])),
        ("repeated blocks of 3, 5 and 8 distinct tokens, shape (3, 24)", torch.stack(blocks)),
        ("random tokens out of 6, shape (4, 30)", torch.randint(0, 6, (4, 30), generator=gen)),
    ]


def check_induction_prediction(fn: Callable[[torch.Tensor], Any]) -> None:
    """Check ``fn(tokens) -> predictions`` for the induction rule "after a came b".

    ``tokens`` is a LongTensor ``[B, T]``; the answer must be an integer tensor ``[B, T]`` whose entry
    ``t`` is ``tokens[b, s + 1]`` for the largest ``s < t`` with ``tokens[b, s] == tokens[b, t]``, and
    ``-1`` where there is no such ``s``. Cases: three sequences by hand (a plain repeat, a token seen
    twice before, repeats in a row), a batch without repeats, repeated blocks, random tokens.
    """
    fb = Feedback("induction_prediction", fn)
    for case, tokens in _cases():
        got = fb.call(case, tokens.clone())
        got = fb.tensor(case, got, tuple(tokens.shape), floating=False,
                        slip="one prediction (a token id, or -1) per position, same shape as tokens")
        want = _reference(tokens)
        if torch.equal(got, want):
            continue
        if torch.equal(got, torch.where(want >= 0, tokens, want)):
            fb.fail(case, "you returned the matched token itself, not the token that followed it",
                    slip="the prediction is x[s + 1], the successor of the earlier occurrence x[s]")
        if torch.equal(got, _first_match(tokens)):
            fb.fail(case, "you used the first earlier occurrence; a token seen several times should "
                          "use the most recent one", slip="take the largest s < t with x[s] == x[t]")
        unseen = want < 0
        if (got[unseen] != -1).any():
            i = tuple(int(j) for j in (unseen & (got != -1)).nonzero()[0])
            fb.fail(case, f"at index {i} the token has not occurred before: expected -1, got {got[i].item()}",
                    slip="only strictly earlier positions s < t count, and an unseen token gives -1")
        fb.equal(case, got, want, slip="compare x[t] with x[s] for s < t only; predict x[s + 1] for the "
                                       "most recent match")
    fb.done()
