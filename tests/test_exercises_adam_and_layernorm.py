"""The self-checks of book/adam-and-layernorm.ipynb accept a right answer and reject typical wrong ones."""

from __future__ import annotations

import pytest
import torch

from amtools.exercises import ExerciseFailed, check_layer_norm, check_normalized_gd_step
from amtools.training import layer_norm as package_layer_norm


# --- normalized_gd_step -----------------------------------------------------------------------------
def ngd(W, grad, lr):
    std = grad.flatten(-2).std(dim=-1)[..., None, None]
    return W - lr * torch.where(std > 0, grad / std, torch.zeros_like(grad))


def ngd_no_guard(W, grad, lr):  # 0 / 0 on a zero gradient
    return W - lr * grad / grad.flatten(-2).std(dim=-1)[..., None, None]


def ngd_biased(W, grad, lr):  # population std (divides by n) instead of torch.std's n - 1
    std = grad.flatten(-2).std(dim=-1, unbiased=False)[..., None, None]
    return W - lr * torch.where(std > 0, grad / std, torch.zeros_like(grad))


def ngd_global(W, grad, lr):  # one std over the whole batch of runs
    return W - lr * grad / grad.std()


def ngd_ascent(W, grad, lr):
    return ngd(W, -grad, lr)


def ngd_in_place(W, grad, lr):
    W -= lr * grad / grad.flatten(-2).std(dim=-1)[..., None, None].clamp_min(1e-300)
    return W


def sign_gd(W, grad, lr):  # the other normalized method: right idea, wrong exercise
    return W - lr * torch.sign(grad)


def test_ngd_accepts_the_reference(capsys):
    check_normalized_gd_step(ngd)
    assert "✔ normalized_gd_step" in capsys.readouterr().out


def test_ngd_lets_not_implemented_through():
    def stub(W, grad, lr):
        raise NotImplementedError("divide the gradient by its standard deviation")

    with pytest.raises(NotImplementedError, match="standard deviation"):
        check_normalized_gd_step(stub)


@pytest.mark.parametrize("wrong, case", [
    (ngd_biased, "by hand"),
    (ngd_ascent, "by hand"),
    (sign_gd, "by hand"),
    (lambda W, grad, lr: (W - lr * grad / grad.std()).tolist(), "by hand"),
    (ngd_global, "a batch of 3 runs"),
    (ngd_in_place, "a batch of 3 runs"),
    (ngd_no_guard, "zeros"),
])
def test_ngd_rejects_wrong_answers(wrong, case):
    with pytest.raises(ExerciseFailed, match=case):
        check_normalized_gd_step(wrong)


def test_ngd_in_place_is_named():
    with pytest.raises(ExerciseFailed, match="in place"):
        check_normalized_gd_step(ngd_in_place)


# --- layer_norm -------------------------------------------------------------------------------------
def ln(z):
    return z / torch.sqrt((z * z).sum(dim=-1, keepdim=True) + 1e-6)


def test_ln_accepts_the_reference_and_the_package(capsys):
    check_layer_norm(ln)
    check_layer_norm(package_layer_norm)
    assert "✔ layer_norm" in capsys.readouterr().out


def test_ln_lets_not_implemented_through():
    def stub(z):
        raise NotImplementedError("divide by the norm")

    with pytest.raises(NotImplementedError, match="divide by the norm"):
        check_layer_norm(stub)


def ln_in_place(z):
    z /= torch.sqrt((z * z).sum(dim=-1, keepdim=True) + 1e-6)
    return z


@pytest.mark.parametrize("wrong, case", [
    (lambda z: z / ((z * z).sum(dim=-1, keepdim=True) + 1e-6), "by hand"),      # squared norm
    (lambda z: z / z.norm(dim=-1, keepdim=True), "zero vector"),                  # no eps: 0 / 0
    (lambda z: z / torch.sqrt((z * z).sum() + 1e-6), "a batch"),                  # whole tensor
    (lambda z: z / torch.sqrt((z * z).sum(dim=0, keepdim=True) + 1e-6), "a batch"),  # wrong axis
    (lambda z: (z - z.mean(-1, keepdim=True)) / torch.sqrt(z.var(-1, keepdim=True) + 1e-6), "by hand"),
    (ln_in_place, "a batch"),
    (lambda z: ln(z).tolist(), "by hand"),
])
def test_ln_rejects_wrong_answers(wrong, case):
    with pytest.raises(ExerciseFailed, match=case):
        check_layer_norm(wrong)
