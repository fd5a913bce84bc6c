r"""Tests of amtools.population: gradient descent on the population loss (GD, sign-GD, normalized GD).

The reference is torch autograd of the population loss of each trial on its own,
:math:`L(W) = \sum_x p(x)\, \mathrm{CE}(E_x W U, f(x))`, from the ``E``, ``U`` the call returns.
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import amtools as am
from amtools import population_dynamics

FAST = settings(max_examples=15, deadline=None, database=None)
SIZES = dict(N=12, M=3, d=6)


def loss(W: torch.Tensor, E: torch.Tensor, U: torch.Tensor, p: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Population cross-entropy of one trial, in float64."""
    ce = F.cross_entropy(E.double() @ W @ U.double(), targets, reduction="none")
    return (p.double() * ce).sum()


def autograd_grad(W: torch.Tensor, E: torch.Tensor, U: torch.Tensor, p: torch.Tensor,
                  targets: torch.Tensor) -> torch.Tensor:
    """dL/dW for each trial separately (a Python loop over trials), float64 ``[trials, d, d]``."""
    grads = []
    for t in range(W.shape[0]):
        w = W[t].double().clone().requires_grad_(True)
        (g,) = torch.autograd.grad(loss(w, E[t], U[t], p, targets), w)
        grads.append(g)
    return torch.stack(grads)


@FAST
@given(N=st.integers(1, 15), M=st.integers(2, 5), d=st.integers(2, 8), trials=st.integers(1, 3),
       alpha=st.floats(0.0, 3.0), lr=st.floats(0.01, 10.0), seed=st.integers(0, 2**31 - 1))
def test_one_gd_step_from_zero_is_minus_lr_times_the_autograd_gradient(N, M, d, trials, alpha, lr, seed):
    res = population_dynamics(N, M, d, alpha=alpha, steps=1, lr=lr, trials=trials, seed=seed, init="zero")
    grad = autograd_grad(torch.zeros(trials, d, d), res.E, res.U, res.p, res.targets)
    # float32 products of N(0, 1/d) entries: rounding of a few 1e-7 relative to the gradient's scale
    assert torch.allclose(res.W.double(), -lr * grad, rtol=1e-5, atol=1e-6 * lr * grad.abs().max().item())
    assert torch.allclose(res.grad_std[0], grad.flatten(1).std(dim=1), rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize("optimizer", ["gd", "signgd", "ngd"])
def test_every_step_follows_its_rule_from_a_random_start(optimizer):
    """From W_0 ~ N(0, 1/d): W_{k+1} = W_k - lr * step(grad(W_k)) with the autograd gradient, k = 0..4."""
    lr = 0.3
    res = population_dynamics(**SIZES, steps=5, lr=lr, optimizer=optimizer, trials=3, seed=4, init="random",
                              keep_history=True)
    H = res.W_history
    assert H[0].abs().sum() > 0
    for k in range(5):
        grad = autograd_grad(H[k], res.E, res.U, res.p, res.targets)
        step = (H[k] - H[k + 1]).double() / lr
        std = grad.flatten(1).std(dim=1).view(-1, 1, 1)
        assert torch.allclose(res.grad_std[k], std.flatten(), rtol=1e-5)
        if optimizer == "gd":
            assert torch.allclose(step, grad, rtol=1e-4, atol=1e-6 * grad.abs().max().item())
        elif optimizer == "ngd":
            assert torch.allclose(step, grad / std, rtol=1e-4, atol=1e-5)
        else:
            # entries whose gradient is far above float32 rounding have the sign of the gradient
            clear = grad.abs() > 1e-5 * grad.abs().amax(dim=(1, 2), keepdim=True)
            assert torch.allclose(step[clear], torch.sign(grad[clear]), rtol=1e-5, atol=1e-5)
            assert (step.abs() <= 1 + 1e-5).all()


def test_signgd_step_is_lr_times_sign():
    """From W = 0 one sign-GD step is -lr * sign(grad): every entry is -lr, 0 or +lr."""
    lr = 0.25
    res = population_dynamics(**SIZES, steps=1, lr=lr, optimizer="signgd", trials=4, seed=1)
    grad = autograd_grad(torch.zeros(4, 6, 6), res.E, res.U, res.p, res.targets)
    clear = grad.abs() > 1e-6 * grad.abs().max()
    assert torch.equal(res.W[clear], (-lr * torch.sign(grad[clear])).float())
    assert set(res.W.unique().tolist()) <= {-lr, 0.0, lr}


@pytest.mark.parametrize("lr", [0.05, 1.0, 7.0])
def test_ngd_step_has_standard_deviation_lr(lr):
    res = population_dynamics(**SIZES, steps=4, lr=lr, optimizer="ngd", trials=3, seed=2, init="random",
                              keep_history=True)
    steps = (res.W_history[1:] - res.W_history[:-1]).flatten(2)        # [steps, trials, d*d]
    assert torch.allclose(steps.std(dim=-1), torch.full((4, 3), lr), rtol=1e-5)


def test_gd_with_a_step_below_2_over_L_decreases_the_loss():
    r"""The loss is convex in W and L-smooth with L <= (1/2) max_x |e_x|^2 |U|_op^2 (the softmax
    Jacobian has eigenvalues <= 1/2): GD with lr = 1/L decreases it at every step, in every trial."""
    base = dict(N=20, M=4, d=8, trials=3, seed=6)
    draws = population_dynamics(**base, steps=0)
    L = max(0.5 * (draws.E[t].norm(dim=1) ** 2).max().item() * torch.linalg.matrix_norm(draws.U[t], 2).item() ** 2
            for t in range(3))
    res = population_dynamics(**base, steps=30, lr=1.0 / L, keep_history=True)
    assert torch.equal(res.E, draws.E) and torch.equal(res.U, draws.U)        # the draws do not depend on lr
    losses = torch.tensor([[loss(res.W_history[k, t].double(), res.E[t], res.U[t], res.p, res.targets).item()
                            for t in range(3)] for k in range(31)], dtype=torch.float64)
    assert (losses.diff(dim=0) < 0).all()
    assert losses[0].tolist() == pytest.approx([math.log(4)] * 3, rel=1e-12)    # W = 0: uniform softmax


@pytest.mark.parametrize("N, M, alpha", [(12, 3, 2.0), (10, 5, 0.0), (7, 2, 1.0), (1, 2, 2.0)])
def test_error_at_zero_init_is_the_mass_of_inputs_not_in_class_0(N, M, alpha):
    """W = 0: every logit ties, argmax picks class 0, so exactly the inputs with f(x) != 0 are wrong."""
    res = population_dynamics(N, M, 4, alpha=alpha, steps=2, trials=3, seed=0)
    expected = am.zipf(N, alpha)[torch.arange(N) % M != 0].sum()
    assert res.error.shape == (3, 3) and res.error.dtype == torch.float64
    assert torch.allclose(res.error[0], expected.expand(3), rtol=1e-15, atol=0)


def test_shapes_history_and_probs():
    steps, trials, N, M, d = 4, 3, 12, 3, 6
    res = population_dynamics(N, M, d, steps=steps, trials=trials, seed=3, keep_history=True)
    assert res.error.shape == (steps + 1, trials)
    assert res.grad_std.shape == (steps, trials) and res.grad_std.dtype == torch.float64
    assert (res.grad_std > 0).all()
    assert res.W.shape == (trials, d, d) and res.W_history.shape == (steps + 1, trials, d, d)
    assert torch.equal(res.W_history[-1], res.W) and res.W_history[0].eq(0).all()
    assert res.E.shape == (trials, N, d) and res.U.shape == (trials, d, M)
    assert torch.equal(res.targets, torch.arange(N) % M) and torch.equal(res.p, am.zipf(N, 2.0))
    # error[k] is the exact 0-1 error of W_history[k]
    logits = res.E @ res.W_history @ res.U
    assert torch.equal(res.error, am.population_error(logits, res.p, res.targets))
    # probs: softmax over classes, rows sum to 1, for the final W and for the whole history
    P = res.probs()
    assert P.shape == (trials, N, M) and (P >= 0).all()
    assert torch.allclose(P.sum(-1), torch.ones(trials, N))
    assert torch.allclose(P, torch.softmax(logits[-1], dim=-1))
    PH = res.probs(res.W_history)
    assert PH.shape == (steps + 1, trials, N, M) and torch.allclose(PH.sum(-1), torch.ones(steps + 1, trials, N))
    assert torch.allclose(PH[0], torch.full((trials, N, M), 1 / M))


@pytest.mark.filterwarnings("ignore:std\\(\\):UserWarning")      # gd's grad_std of one entry is NaN
def test_ngd_needs_two_gradient_entries():
    """d = 1: the (unbiased) std of the one gradient entry is undefined, so normalized GD is refused."""
    with pytest.raises(ValueError, match="d must be >= 2"):
        population_dynamics(5, 2, 1, optimizer="ngd", steps=1, trials=1)
    assert population_dynamics(5, 2, 1, optimizer="gd", steps=1, trials=1).W.shape == (1, 1, 1)


def test_without_history_and_zero_steps():
    res = population_dynamics(**SIZES, steps=0, trials=2)
    assert res.W_history is None and res.error.shape == (1, 2) and res.grad_std.shape == (0, 2)
    assert res.W.eq(0).all()
    kept = population_dynamics(**SIZES, steps=0, trials=2, keep_history=True)
    assert kept.W_history.shape == (1, 2, 6, 6)


@pytest.mark.parametrize("optimizer", ["gd", "signgd", "ngd"])
def test_same_seed_same_run_other_seed_other_draws(optimizer):
    kw = dict(**SIZES, steps=3, optimizer=optimizer, trials=3, init="random")
    a, b = population_dynamics(**kw, seed=11), population_dynamics(**kw, seed=11)
    for name in ("error", "grad_std", "W", "E", "U"):
        assert torch.equal(getattr(a, name), getattr(b, name)), name
    c = population_dynamics(**kw, seed=12)
    assert not torch.equal(a.E, c.E) and not torch.equal(a.W, c.W)
    # the optimizer does not change the draws; trials are distinct draws
    assert torch.equal(population_dynamics(**{**kw, "optimizer": "gd"}, seed=11).E, a.E)
    assert not torch.equal(a.E[0], a.E[1])


def test_gd_stores_the_frequent_inputs():
    """Enough GD steps from W = 0 drive the error well below its start (every trial)."""
    res = population_dynamics(30, 4, 30, steps=60, lr=5.0, trials=4, seed=0)
    assert (res.error[-1] < 0.5 * res.error[0]).all()
