"""The classical-hopfield self-checks accept right answers, pass NotImplementedError through, reject slips."""

from __future__ import annotations

import pytest
import torch

from amtools import hopfield as hf
from amtools.exercises import ExerciseFailed, check_async_sweep, check_hebbian_weights


# ---------------------------------------------------------------- hebbian_weights

def hebbian(X):
    W = X.T @ X / X.shape[1]
    W.fill_diagonal_(0)
    return W


def test_hebbian_accepts_the_reference_and_the_package(capsys):
    check_hebbian_weights(hebbian)
    assert "✔ hebbian_weights" in capsys.readouterr().out
    check_hebbian_weights(hf.hebbian)
    check_hebbian_weights(lambda X: (torch.einsum("ki,kj->ij", X, X) / X.shape[1]).float()
                          * (1 - torch.eye(X.shape[1])))          # float32 and another formula


def test_hebbian_lets_not_implemented_through():
    def stub(X):
        raise NotImplementedError("sum the outer products")

    with pytest.raises(NotImplementedError, match="outer products"):
        check_hebbian_weights(stub)


@pytest.mark.parametrize("wrong, message", [
    (lambda X: X.T @ X / X.shape[1], "diagonal should be 0"),                       # diagonal left in
    (lambda X: hebbian(X) * X.shape[1], "times the Hebbian matrix"),                # no 1/N
    (lambda X: hebbian(X) * X.shape[1] / X.shape[0], "times the Hebbian matrix"),   # 1/K instead of 1/N
    (lambda X: X @ X.T / X.shape[1], "X^T X, not X X^T"),                           # K x K
    (lambda X: hebbian(X).tolist(), "torch.Tensor"),                                # not a tensor
    (lambda X: hebbian(X).long(), "floating"),                                      # integer dtype
    (lambda X: hebbian(X[:1]), "expected 0"),                                       # only the first pattern
])
def test_hebbian_rejects_wrong_answers(wrong, message):
    with pytest.raises(ExerciseFailed, match="by hand") as err:
        check_hebbian_weights(wrong)
    assert message in str(err.value)


def test_hebbian_rejects_in_place_and_asymmetric_answers():
    def in_place(X):
        W = hebbian(X)
        X.mul_(-1)
        return W

    with pytest.raises(ExerciseFailed, match="in place"):
        check_hebbian_weights(in_place)
    with pytest.raises(ExerciseFailed, match="not symmetric"):
        check_hebbian_weights(lambda X: torch.triu(hebbian(X)))


# ---------------------------------------------------------------- async_sweep

def sweep(W, s, order):
    s = s.clone()
    for i in order.tolist():
        s[i] = 1.0 if float(W[i] @ s) >= 0 else -1.0
    return s


def test_sweep_accepts_the_reference_and_the_package(capsys):
    check_async_sweep(sweep)
    assert "✔ async_sweep" in capsys.readouterr().out
    check_async_sweep(lambda W, s, order: sweep(W.float(), s.float(), order))     # float32 is fine


def test_sweep_lets_not_implemented_through():
    def stub(W, s, order):
        raise NotImplementedError("one unit at a time")

    with pytest.raises(NotImplementedError, match="one unit"):
        check_async_sweep(stub)


def synchronous(W, s, order):
    return torch.where(W @ s >= 0, 1.0, -1.0).to(s.dtype)


def torch_sign(W, s, order):
    s = s.clone()
    for i in order.tolist():
        s[i] = torch.sign(W[i] @ s)
    return s


def ignores_order(W, s, order):
    return sweep(W, s, torch.arange(s.numel()))


def in_place(W, s, order):
    for i in order.tolist():
        s[i] = 1.0 if float(W[i] @ s) >= 0 else -1.0
    return s.clone()


def doubled(W, s, order):
    return 2 * sweep(W, s, order)


@pytest.mark.parametrize("wrong, case, message", [
    (synchronous, "by hand", "synchronous update"),
    (torch_sign, "zero matrix", "zero entries"),
    (ignores_order, "order \\(1, 0\\)", "units differ"),
    (in_place, "by hand", "in place"),
    (doubled, "by hand", "only \\+1 and -1"),
    (lambda W, s, order: sweep(W, s, order).tolist(), "by hand", "torch.Tensor"),
])
def test_sweep_rejects_wrong_answers(wrong, case, message):
    with pytest.raises(ExerciseFailed, match=case) as err:
        check_async_sweep(wrong)
    assert message.replace("\\", "") in str(err.value)


def test_sweep_names_an_energy_increase():
    # a sweep that moves every unit against its field raises the energy on the Hebbian cases
    def against(W, s, order):
        s = s.clone()
        for i in order.tolist():
            s[i] = -1.0 if float(W[i] @ s) >= 0 else 1.0
        return s

    with pytest.raises(ExerciseFailed) as err:
        check_async_sweep(against)
    assert "energy rose" in str(err.value) or "units differ" in str(err.value)
