"""The beyond-scaling-laws self-checks accept right answers, pass NotImplementedError through, reject slips."""

from __future__ import annotations

import pytest
import torch

from amtools import hopfield as hf
from amtools.exercises import ExerciseFailed, check_distance_energy, check_distance_step


def sq_dist(P, x):
    return ((x[:, None, :] - P[None]) ** 2).sum(-1)                        # [B, K]


# --- distance energy -----------------------------------------------------------------------------

def energy_right(P, x):
    return -torch.logsumexp(-sq_dist(P, x), dim=-1)


def test_energy_accepts_the_reference_and_the_package(capsys):
    check_distance_energy(energy_right)
    check_distance_energy(hf.distance_energy)
    # float32 answers and the expanded form |x|^2 - 2 x.rho + |rho|^2 pass too
    check_distance_energy(lambda P, x: energy_right(P.float(), x.float()))
    check_distance_energy(lambda P, x: -torch.logsumexp(-((x * x).sum(-1, keepdim=True) - 2 * x @ P.T
                                                          + (P * P).sum(-1)), dim=-1))
    assert "✔ distance_energy" in capsys.readouterr().out


def test_energy_lets_not_implemented_through():
    def stub(P, x):
        raise NotImplementedError("use torch.logsumexp")

    with pytest.raises(NotImplementedError, match="logsumexp"):
        check_distance_energy(stub)


@pytest.mark.parametrize("wrong, case, message", [
    # the distance, not its square
    (lambda P, x: -torch.logsumexp(-sq_dist(P, x).sqrt(), dim=-1), "one pattern", "not the distance"),
    # log-sum-exp with the wrong sign of the exponent
    (lambda P, x: -torch.logsumexp(sq_dist(P, x), dim=-1), "one pattern", "minus the squared distance"),
    # the sign in front of the log dropped
    (lambda P, x: torch.logsumexp(-sq_dist(P, x), dim=-1), "one pattern", "in front of the log"),
    # the mean instead of the sum: off by log K
    (lambda P, x: -torch.log(torch.exp(-sq_dist(P, x)).mean(-1)), "halfway", "not the mean"),
    # a plain log(sum(exp)): infinite far from the patterns
    (lambda P, x: -torch.log(torch.exp(-sq_dist(P, x)).sum(-1)), "far", "logsumexp"),
    # the hard minimum g(x) instead of the soft one
    (lambda P, x: sq_dist(P, x).amin(-1), "halfway", "hard minimum"),
    # summed over the wrong axis
    (lambda P, x: -torch.logsumexp(-sq_dist(P, x), dim=0), "one pattern", "shape"),
])
def test_energy_rejects_wrong_answers(wrong, case, message):
    with pytest.raises(ExerciseFailed, match=case) as err:
        check_distance_energy(wrong)
    assert message in str(err.value)


def test_energy_rejects_a_crash_with_the_case_name():
    with pytest.raises(ExerciseFailed, match="by hand: one pattern.*raised"):
        check_distance_energy(lambda P, x: torch.cat([P, x], dim=2))           # no axis 2: IndexError


# --- half a gradient step ------------------------------------------------------------------------

def step_right(P, x):
    return torch.softmax(-sq_dist(P, x), dim=-1) @ P


def test_step_accepts_the_reference_the_package_and_autograd(capsys):
    check_distance_step(step_right)
    check_distance_step(hf.distance_update)

    def by_autograd(P, x):
        x = x.clone().requires_grad_(True)
        grad, = torch.autograd.grad(energy_right(P, x).sum(), x)
        return (x - grad / 2).detach()

    check_distance_step(by_autograd)
    assert "✔ distance_step" in capsys.readouterr().out


def test_step_lets_not_implemented_through():
    def stub(P, x):
        raise NotImplementedError("softmax of minus the squared distances")

    with pytest.raises(NotImplementedError, match="squared distances"):
        check_distance_step(stub)


@pytest.mark.parametrize("wrong, case, message", [
    # a full gradient step x - grad E = 2 sum p rho - x
    (lambda P, x: 2 * step_right(P, x) - x, "one pattern", "overshoots"),
    # dot-product attention: right only for patterns of equal norm ((0, 0) and (2, 0) are not)
    (lambda P, x: torch.softmax(2 * x @ P.T, dim=-1) @ P, "halfway", "same norm"),
    (lambda P, x: torch.softmax(x @ P.T, dim=-1) @ P, "halfway", "same norm"),
    # weights from +distance: pulls towards the farthest pattern (the halfway point is symmetric)
    (lambda P, x: torch.softmax(sq_dist(P, x), dim=-1) @ P, "random patterns", "nearest pattern weighs most"),
    # distances instead of squared distances
    (lambda P, x: torch.softmax(-sq_dist(P, x).sqrt(), dim=-1) @ P, "random patterns", "not distances"),
    # a plain exp / sum: 0/0 far from every pattern
    (lambda P, x: (torch.exp(-sq_dist(P, x)) / torch.exp(-sq_dist(P, x)).sum(-1, keepdim=True)) @ P,
     "far", "nan"),
    # the gradient itself instead of the new point
    (lambda P, x: 2 * (x - step_right(P, x)), "one pattern", "the gradient"),
])
def test_step_rejects_wrong_answers(wrong, case, message):
    with pytest.raises(ExerciseFailed, match=case) as err:
        check_distance_step(wrong)
    assert message in str(err.value)
