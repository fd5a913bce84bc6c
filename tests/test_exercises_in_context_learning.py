"""The in-context-learning self-check accepts the induction rule, passes NotImplementedError through, rejects slips."""

from __future__ import annotations

import pytest
import torch

from amtools.exercises import ExerciseFailed, check_induction_prediction


def by_loops(tokens):
    out = torch.full_like(tokens, -1)
    for b in range(tokens.shape[0]):
        last = {}
        for t in range(tokens.shape[1]):
            tok = int(tokens[b, t])
            if tok in last:
                out[b, t] = tokens[b, last[tok] + 1]
            last[tok] = t
    return out


def vectorized(tokens):
    T = tokens.shape[1]
    match = (tokens[:, :, None] == tokens[:, None, :]) & torch.ones(T, T, dtype=torch.bool).tril(-1)
    s = torch.where(match, torch.arange(T), -1).amax(-1)
    return torch.where(s >= 0, tokens.gather(1, (s + 1).clamp(max=T - 1)), -1)


def first_occurrence(tokens):
    out = torch.full_like(tokens, -1)
    for b in range(tokens.shape[0]):
        first = {}
        for t in range(tokens.shape[1]):
            tok = int(tokens[b, t])
            if tok in first:
                out[b, t] = tokens[b, first[tok] + 1]
            else:
                first[tok] = t
    return out


def matched_token(tokens):
    return torch.where(by_loops(tokens) >= 0, tokens, -1)


def zero_for_unseen(tokens):
    return by_loops(tokens).clamp(min=0)


def previous_token(tokens):
    return torch.cat([torch.full_like(tokens[:, :1], -1), tokens[:, :-1]], 1)


def test_accepts_correct_answers(capsys):
    check_induction_prediction(by_loops)
    check_induction_prediction(vectorized)
    assert "✔ induction_prediction" in capsys.readouterr().out


def test_lets_not_implemented_through():
    def stub(tokens):
        raise NotImplementedError("find the most recent earlier match")

    with pytest.raises(NotImplementedError, match="most recent earlier match"):
        check_induction_prediction(stub)


@pytest.mark.parametrize("wrong, case, message", [
    (matched_token, "by hand: a b c a b", "matched token itself"),
    (first_occurrence, "a b a c a", "first earlier occurrence"),
    (zero_for_unseen, "by hand: a b c a b", "expected -1"),
    (previous_token, "by hand: a b c a b", "expected -1"),
    (lambda t: by_loops(t).float(), "by hand", "integer tensor"),
    (lambda t: by_loops(t)[0], "by hand", "shape"),
    (lambda t: by_loops(t).tolist(), "by hand", "torch.Tensor"),
])
def test_rejects_typical_slips(wrong, case, message):
    with pytest.raises(ExerciseFailed, match=message) as err:
        check_induction_prediction(wrong)
    assert case in str(err.value)


def test_reports_a_crash_with_its_case():
    with pytest.raises(ExerciseFailed, match="raised ZeroDivisionError"):
        check_induction_prediction(lambda t: 1 / 0)
