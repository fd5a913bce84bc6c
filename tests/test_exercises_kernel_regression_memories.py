"""The kernel-regression-memories self-check accepts correct answers, passes NotImplementedError through,
and rejects the usual slips."""

from __future__ import annotations

import pytest
import torch

from amtools.exercises import ExerciseFailed, check_nw_regression


def right(K, V, Q, beta):
    d2 = ((Q[:, None, :] - K[None, :, :]) ** 2).sum(-1)
    return torch.softmax(-beta * d2, dim=-1) @ V


def test_accepts_the_reference_answer(capsys):
    check_nw_regression(right)
    assert "✔ nw_regression" in capsys.readouterr().out


def test_accepts_an_equivalent_answer():
    def expanded(K, V, Q, beta):
        d2 = (Q * Q).sum(-1, keepdim=True) - 2 * Q @ K.T + (K * K).sum(-1)
        s = -beta * d2
        w = torch.exp(s - s.amax(-1, keepdim=True))
        return (w / w.sum(-1, keepdim=True)) @ V

    check_nw_regression(expanded)


def test_lets_not_implemented_through():
    def stub(K, V, Q, beta):
        raise NotImplementedError("weights exp(-beta d^2) / Z")

    with pytest.raises(NotImplementedError, match="exp"):
        check_nw_regression(stub)


def naive(K, V, Q, beta):          # no max-subtraction: 0/0 when every exponential underflows
    w = torch.exp(-beta * ((Q[:, None] - K[None]) ** 2).sum(-1))
    return (w / w.sum(-1, keepdim=True)) @ V


@pytest.mark.parametrize("wrong, case", [
    (lambda K, V, Q, b: torch.exp(-b * ((Q[:, None] - K[None]) ** 2).sum(-1)) @ V, "by hand"),  # no 1/Z
    (lambda K, V, Q, b: torch.softmax(b * ((Q[:, None] - K[None]) ** 2).sum(-1), -1) @ V, "by hand"),  # +beta
    (lambda K, V, Q, b: torch.softmax(-b * (Q[:, None] - K[None]).norm(dim=-1), -1) @ V, "beta = 0.3"),  # no square
    (lambda K, V, Q, b: torch.softmax(2 * b * Q @ K.T, -1) @ V, "by hand"),                      # attention form
    (lambda K, V, Q, b: (torch.softmax(-b * ((Q[:, None] - K[None]) ** 2).sum(-1), -1) @ V).T, "beta = 0"),  # transposed
    (lambda K, V, Q, b: torch.softmax(-b * ((Q[:, None] - K[None]) ** 2).sum(-1), 0) @ V, "by hand"),  # wrong axis
    (lambda K, V, Q, b: right(K, V, Q, b).tolist(), "by hand"),                                  # not a tensor
    (naive, "exp underflows"),
])
def test_rejects_wrong_answers(wrong, case):
    with pytest.raises(ExerciseFailed, match=case):
        check_nw_regression(wrong)


def test_underflow_failure_explains_the_fix():
    with pytest.raises(ExerciseFailed, match="subtract the largest exponent"):
        check_nw_regression(naive)


def test_attention_form_fails_on_unequal_norms_with_a_hint():
    # softmax(2 beta q.k) is right for keys of one norm only; an answer that gets the hand cases right
    # and uses the attention form elsewhere must fail on the random keys, with the hint about norms
    def attention_when_equal(K, V, Q, b):
        if K.shape[0] == 2:
            return right(K, V, Q, b)
        return torch.softmax(2 * b * Q @ K.T, -1) @ V

    with pytest.raises(ExerciseFailed, match="unequal norms.*\n.*squared distance"):
        check_nw_regression(attention_when_equal)
