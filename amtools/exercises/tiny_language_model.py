"""Self-checks for the exercises of the chapter book/tiny-language-model.ipynb.

- :func:`check_name_continuation_mask`: the characters only in-context copying can predict, the second
  and later characters of every mention of a name after its first mention (a mention is a whole-word
  occurrence, ``(?<!\\w)name(?!\\w)``), as in :func:`amtools.stories.name_continuation_mask`.
"""

from __future__ import annotations

import re
from typing import Any, Callable

import torch

from ._core import Feedback

__all__: list[str] = ["check_name_continuation_mask"]


def _mask(text: str, names: tuple[str, ...], *, whole: bool = True, skip_first: bool = True,
          first_char: bool = False) -> torch.Tensor:
    # the answer (default flags) and the masks of three typical slips
    mask = torch.zeros(len(text), dtype=torch.bool)
    for name in names:
        pattern = rf"(?<!\w){re.escape(name)}(?!\w)" if whole else re.escape(name)
        starts = [m.start() for m in re.finditer(pattern, text)]
        for s in starts[1:] if skip_first else starts:
            mask[s + (0 if first_char else 1):s + len(name)] = True
    return mask


def _reference(text: str, names: tuple[str, ...]) -> torch.Tensor:
    return _mask(text, names)


def _mark(mask: torch.Tensor) -> str:
    return "".join("^" if m else "." for m in mask.tolist())


def _cases() -> list[tuple[str, str, tuple[str, ...]]]:
    from .. import stories

    corpus = stories.make_corpus(train=1, validation=3, ood=2, seed=5)
    cases = [
        ("by hand: 'Rebi saw Bo. Bo and Rebi ran.'", "Rebi saw Bo. Bo and Rebi ran.", ("Rebi", "Bo")),
        ("a name that starts a longer word: 'Ko met Kobi. Kobi, Ko!'", "Ko met Kobi. Kobi, Ko!", ("Ko", "Kobi")),
        ("a name mentioned once: 'Zuma sang. Lira sang too.'", "Zuma sang. Lira sang too.", ("Zuma", "Lira")),
        ("three mentions with punctuation: 'Tamo, Tamo and \"Tamo\".'", "Tamo, Tamo and \"Tamo\".", ("Tamo",)),
    ]
    for i, s in enumerate(corpus.validation + corpus.ood):
        cases.append((f"am.stories story {i}", s.text, s.names))
    return cases


def check_name_continuation_mask(fn: Callable[[str, tuple[str, ...]], Any]) -> None:
    """Check ``fn(text, names) -> mask``: a bool tensor ``[len(text)]``, True at the 2nd+ characters of
    the 2nd+ whole-word mentions of each name.

    Cases: a sentence by hand, a name that is the beginning of a longer word (not a mention), a name
    mentioned only once, three mentions between punctuation, and stories of :mod:`amtools.stories`.
    """
    fb = Feedback("name_continuation_mask", fn)
    for case, text, names in _cases():
        got = fb.call(case, text, names)
        got = fb.tensor(case, got, (len(text),),
                        slip="one entry per character of the text: torch.zeros(len(text), dtype=torch.bool)")
        fb.true(case, got.dtype == torch.bool, f"the mask has dtype {got.dtype}, expected torch.bool",
                slip="build it with dtype=torch.bool")
        want = _reference(text, names)
        if torch.equal(got, want):
            continue
        first = int((got != want).nonzero()[0])
        slips = [
            (_mask(text, names, whole=False), "count whole words only: a name inside a longer word is not a mention"),
            (_mask(text, names, first_char=True),
             "the first character of a mention is not predictable from the context: leave it out"),
            (_mask(text, names, skip_first=False), "skip the first mention of each name: nothing earlier spells it"),
        ]
        slip = next((why for mask, why in slips if torch.equal(got, mask)), None)
        if slip is None:
            slip = ("mark only the 2nd+ characters of the 2nd+ whole-word mentions" if got[first] else
                    "mark every later mention, not only the second one, and every name")
        wrong = "marked but should not be" if got[first] else "not marked but should be"
        fb.fail(case, f"the character at index {first} ({text[first]!r}) is {wrong}:\n    text {text}\n"
                      f"    got  {_mark(got)}", slip=slip)
    fb.done()
