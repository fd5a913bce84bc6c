"""The dense-and-modern-hopfield self-checks accept the reference, pass NotImplementedError through, reject slips."""

from __future__ import annotations

import math

import pytest
import torch

from amtools.exercises import ExerciseFailed, check_dense_flip, check_hopfield_update


# --- hopfield_update ------------------------------------------------------------------------------

def update_right(X, xi, beta):
    p = torch.softmax(beta * (X @ xi.unsqueeze(-1)).squeeze(-1), dim=-1)
    return (p.unsqueeze(-2) @ X).squeeze(-2)


def update_einsum(X, xi, beta):
    # an equivalent answer: einsum, max subtracted by hand, returned in float32
    z = beta * torch.einsum("...kd,...d->...k", X, xi)
    w = torch.exp(z - z.amax(-1, keepdim=True))
    return (torch.einsum("...k,...kd->...d", w, X) / w.sum(-1, keepdim=True)).float()


def test_update_accepts_the_reference(capsys):
    check_hopfield_update(update_right)
    assert "✔ hopfield_update" in capsys.readouterr().out


def test_update_accepts_an_equivalent_answer():
    check_hopfield_update(update_einsum)


def test_update_lets_not_implemented_through():
    def stub(X, xi, beta):
        raise NotImplementedError("softmax of the scores")

    with pytest.raises(NotImplementedError, match="softmax of the scores"):
        check_hopfield_update(stub)


def _naive(X, xi, beta):
    w = torch.exp(beta * (X @ xi.unsqueeze(-1)).squeeze(-1))
    return (w.unsqueeze(-2) @ X).squeeze(-2) / w.sum(-1, keepdim=True)


@pytest.mark.parametrize("wrong, case", [
    (lambda X, xi, beta: torch.softmax(beta * X @ xi, -1), "by hand"),                    # the weights, not the state
    (lambda X, xi, beta: update_right(X, xi, 1.0), "by hand"),                            # beta forgotten
    (lambda X, xi, beta: update_right(X, xi, 1 / beta), "by hand"),                       # temperature, not beta
    (lambda X, xi, beta: (torch.exp(beta * X @ xi).unsqueeze(-2) @ X).squeeze(-2), "by hand"),  # not normalized
    (lambda X, xi, beta: torch.softmax(beta * X @ xi, -1) @ X if X.ndim == 2 else X[..., 0, :], "a batch"),
    (lambda X, xi, beta: update_right(X, xi, beta).tolist(), "by hand"),                  # not a tensor
    (lambda X, xi, beta: (torch.softmax(beta * (X @ xi.unsqueeze(-1)).squeeze(-1), dim=0).unsqueeze(-2) @ X)
     .squeeze(-2), "a batch"),                                                            # softmax over the batch
    (_naive, "large beta"),                                                               # exp overflows
])
def test_update_rejects_wrong_answers(wrong, case):
    with pytest.raises(ExerciseFailed, match=case):
        check_hopfield_update(wrong)


# --- dense_flip -----------------------------------------------------------------------------------

def flip_right(patterns, state, i, kind, a):
    c = patterns @ state - patterns[:, i] * state[i]
    up, down = c + patterns[:, i], c - patterns[:, i]
    if kind == "poly":
        diff = (up ** a - down ** a).sum()
    else:
        diff = torch.logsumexp(up, 0) - torch.logsumexp(down, 0)
    return 1.0 if diff >= 0 else -1.0


def flip_shifted(patterns, state, i, kind, a):
    # an equivalent answer: e^{c+x} - e^{c-x} = 2 sinh(x) e^c, factored by e^{max c}, returned as a tensor
    X, s = patterns.double(), state.double()
    c = X @ s - X[:, i] * s[i]
    if kind == "poly":
        diff = ((c + X[:, i]) ** a - (c - X[:, i]) ** a).sum()
    else:
        diff = (X[:, i] * torch.exp(c - c.max())).sum()
    return torch.where(diff >= 0, 1.0, -1.0)


def test_flip_accepts_the_reference(capsys):
    check_dense_flip(flip_right)
    assert "✔ dense_flip" in capsys.readouterr().out


def test_flip_accepts_an_equivalent_answer():
    check_dense_flip(flip_shifted)


def test_flip_lets_not_implemented_through():
    def stub(patterns, state, i, kind, a):
        raise NotImplementedError("compare the two energies")

    with pytest.raises(NotImplementedError, match="compare the two energies"):
        check_dense_flip(stub)


def _with(i_included=False, zero_sign=False, naive_exp=False, power=None):
    def fn(patterns, state, i, kind, a):
        X, s = patterns.double(), state.double()
        c = X @ s if i_included else X @ s - X[:, i] * s[i]
        up, down = c + X[:, i], c - X[:, i]
        if kind == "poly":
            p = a if power is None else power
            diff = (up ** p - down ** p).sum()
        elif naive_exp:
            diff = (torch.exp(up) - torch.exp(down)).sum()
        else:
            diff = torch.logsumexp(up, 0) - torch.logsumexp(down, 0)
        return float(torch.sign(diff)) if zero_sign else (1.0 if diff >= 0 else -1.0)
    return fn


@pytest.mark.parametrize("wrong, case", [
    (_with(i_included=True), "by hand"),              # unit i left in the overlaps
    (_with(zero_sign=True), "a tie"),                 # torch.sign(0) = 0
    (lambda P, s, i, kind, a: float(s[i]), "by hand"),  # returns the current value
    (_with(power=2), "a=3"),                          # always the classical energy
    (_with(naive_exp=True), "N = 1000"),              # e^1000 overflows: inf - inf = nan
])
def test_flip_rejects_wrong_answers(wrong, case):
    with pytest.raises(ExerciseFailed, match=case):
        check_dense_flip(wrong)


def test_flip_tie_keeps_current_value_is_rejected():
    def keep_on_tie(patterns, state, i, kind, a):
        c = patterns @ state - patterns[:, i] * state[i]
        diff = ((c + patterns[:, i]) ** a - (c - patterns[:, i]) ** a).sum() if kind == "poly" else \
            torch.logsumexp(c + patterns[:, i], 0) - torch.logsumexp(c - patterns[:, i], 0)
        return float(state[i]) if diff == 0 else (1.0 if diff > 0 else -1.0)

    with pytest.raises(ExerciseFailed, match="a tie"):
        check_dense_flip(keep_on_tie)


def test_the_hand_cases_are_what_the_docstring_says():
    # by hand: c = (2, 0), difference 8 > 0, so +1 (the state's unit 2 is -1: a flip)
    P = torch.tensor([[1.0, 1.0, 1.0], [1.0, -1.0, -1.0]])
    assert flip_right(P, torch.tensor([1.0, 1.0, -1.0]), 2, "poly", 2) == 1.0
    assert math.isclose(float(update_right(torch.eye(2, dtype=torch.float64),
                                           torch.tensor([1.0, 0.0], dtype=torch.float64), math.log(3))[0]), 0.75)
