"""The tiny-language-model self-check accepts the name-continuation mask, passes NotImplementedError through, rejects slips."""

from __future__ import annotations

import re

import pytest
import torch

from amtools import stories
from amtools.exercises import ExerciseFailed, check_name_continuation_mask


def right(text, names):
    mask = torch.zeros(len(text), dtype=torch.bool)
    for name in names:
        starts = [m.start() for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text)]
        for s in starts[1:]:
            mask[s + 1:s + len(name)] = True
    return mask


def by_words(text, names):
    # the same mask by scanning words by hand
    mask = [False] * len(text)
    for name in names:
        seen, i = False, 0
        while True:
            i = text.find(name, i)
            if i < 0:
                break
            before = i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")
            end = i + len(name)
            after = end == len(text) or not (text[end].isalnum() or text[end] == "_")
            if before and after:
                if seen:
                    mask[i + 1:end] = [True] * (len(name) - 1)
                seen = True
            i += 1
    return torch.tensor(mask, dtype=torch.bool)


def substrings(text, names):
    # counts a name inside a longer word as a mention
    mask = torch.zeros(len(text), dtype=torch.bool)
    for name in names:
        starts = [m.start() for m in re.finditer(re.escape(name), text)]
        for s in starts[1:]:
            mask[s + 1:s + len(name)] = True
    return mask


def with_first_char(text, names):
    mask = right(text, names)
    for name in names:
        for m in list(re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text))[1:]:
            mask[m.start()] = True
    return mask


def every_mention(text, names):
    mask = torch.zeros(len(text), dtype=torch.bool)
    for name in names:
        for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text):
            mask[m.start() + 1:m.end()] = True
    return mask


def second_mention_only(text, names):
    mask = torch.zeros(len(text), dtype=torch.bool)
    for name in names:
        starts = [m.start() for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text)]
        for s in starts[1:2]:
            mask[s + 1:s + len(name)] = True
    return mask


def test_accepts_correct_answers(capsys):
    check_name_continuation_mask(right)
    check_name_continuation_mask(by_words)
    assert "✔ name_continuation_mask" in capsys.readouterr().out


def test_agrees_with_the_package():
    corpus = stories.make_corpus(train=1, validation=20, ood=20, seed=3)
    for s in corpus.validation + corpus.ood:
        assert torch.equal(right(s.text, s.names), stories.name_continuation_mask(s))


def test_lets_not_implemented_through():
    def stub(text, names):
        raise NotImplementedError("find the mentions")

    with pytest.raises(NotImplementedError, match="find the mentions"):
        check_name_continuation_mask(stub)


@pytest.mark.parametrize("wrong, case, message", [
    (with_first_char, "by hand", "leave it out"),
    (every_mention, "by hand", "skip the first mention"),
    (substrings, "longer word", "whole words"),
    (second_mention_only, "three mentions", "every later mention"),
    (lambda t, n: right(t, n[:1]), "by hand", "every name"),
    (lambda t, n: right(t, n).long(), "by hand", "torch.bool"),
    (lambda t, n: right(t, n)[:-1], "by hand", "shape"),
    (lambda t, n: right(t, n).tolist(), "by hand", "torch.Tensor"),
])
def test_rejects_typical_slips(wrong, case, message):
    with pytest.raises(ExerciseFailed, match=message) as err:
        check_name_continuation_mask(wrong)
    assert case in str(err.value)


def test_reports_a_crash_with_its_case():
    with pytest.raises(ExerciseFailed, match="raised ZeroDivisionError"):
        check_name_continuation_mask(lambda t, n: 1 / 0)
