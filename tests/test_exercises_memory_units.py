"""The memory-units self-check accepts a correct read-out, passes NotImplementedError through, rejects slips."""

from __future__ import annotations

import math

import pytest
import torch

from amtools.exercises import ExerciseFailed, check_causal_readout


def right(keys, values, beta):
    T = keys.shape[0]
    scores = beta * keys @ keys.T
    allowed = torch.ones(T, T, dtype=torch.bool).tril(-1)
    scores = scores.masked_fill(~allowed, -math.inf)
    w = torch.softmax(scores, dim=-1).nan_to_num(0.0)          # row 0: all -inf -> NaN -> 0
    return w @ values


def loop(keys, values, beta):
    y = torch.zeros_like(values)
    for T in range(1, keys.shape[0]):
        w = torch.softmax(beta * keys[:T] @ keys[T], dim=0)
        y[T] = w @ values[:T]
    return y


def test_accepts_correct_answers(capsys):
    check_causal_readout(right)
    check_causal_readout(loop)
    check_causal_readout(lambda k, v, b: right(k.float(), v.float(), b))   # float32 is accurate enough
    assert "✔ causal_readout" in capsys.readouterr().out


def test_lets_not_implemented_through():
    def stub(keys, values, beta):
        raise NotImplementedError("mask the diagonal")

    with pytest.raises(NotImplementedError, match="diagonal"):
        check_causal_readout(stub)


def not_strict(keys, values, beta):
    T = keys.shape[0]
    scores = (beta * keys @ keys.T).masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), -math.inf)
    return torch.softmax(scores, dim=-1) @ values


def naive_exp(keys, values, beta):
    T = keys.shape[0]
    e = torch.exp(beta * keys @ keys.T) * torch.ones(T, T, dtype=keys.dtype).tril(-1)
    return e @ values / e.sum(-1, keepdim=True).clamp_min(1e-300)


@pytest.mark.parametrize("wrong, case, message", [
    (not_strict, "by hand", "t <= T"),
    (lambda k, v, b: right(k, v, b / math.sqrt(k.shape[1])), "random", "entries are off"),
    (lambda k, v, b: right(k, v, 1.0), "random", "entries are off"),
    (lambda k, v, b: torch.softmax(b * k @ k.T + torch.full((k.shape[0],) * 2, -math.inf).triu(), -1) @ v,
     "by hand", "NaN"),
    (naive_exp, "large scores", "NaN or infinite"),
    (lambda k, v, b: right(k, v, b)[:, :1], "by hand", "shape"),
    (lambda k, v, b: right(k, v, b).tolist(), "by hand", "torch.Tensor"),
    (lambda k, v, b: right(k, v, b) + 1.0, "by hand", "row 0 must be exactly 0"),
])
def test_rejects_typical_slips(wrong, case, message):
    with pytest.raises(ExerciseFailed, match=message) as err:
        check_causal_readout(wrong)
    assert case in str(err.value)


def test_reports_a_crash_with_its_case():
    with pytest.raises(ExerciseFailed, match="raised ZeroDivisionError"):
        check_causal_readout(lambda k, v, b: 1 / 0)
