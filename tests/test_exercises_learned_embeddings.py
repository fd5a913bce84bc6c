"""The learned-embeddings self-check accepts exact constructions, passes NotImplementedError through, rejects slips."""

from __future__ import annotations

import math

import pytest
import torch

from amtools.exercises import ExerciseFailed, check_circle_memory


def circle(M, dtype=torch.float64):
    angles = 2 * math.pi * torch.arange(M, dtype=dtype) / M
    return torch.stack([angles.cos(), angles.sin()], dim=1)       # [M, 2], rows u_y


def right(targets, M):
    U = circle(M)
    return U[targets], torch.eye(2, dtype=torch.float64), U


def test_accepts_the_reference(capsys):
    check_circle_memory(right)
    assert "✔ circle_memory" in capsys.readouterr().out


def test_accepts_other_exact_constructions():
    # float32, a rotation in W compensated in E, outputs on a half circle, radii that differ
    check_circle_memory(lambda t, M: (circle(M, torch.float32)[t], torch.eye(2), circle(M, torch.float32)))

    def rotated(t, M):
        c, s = math.cos(0.3), math.sin(0.3)
        R = torch.tensor([[c, -s], [s, c]], dtype=torch.float64)
        U = circle(M)
        return U[t] @ R, R, U                  # W e_x = R R^T u = u: the rows e_x are R^T u, i.e. u^T R

    check_circle_memory(rotated)

    def half_circle(t, M):
        angles = math.pi * torch.arange(M, dtype=torch.float64) / M
        U = torch.stack([angles.cos(), angles.sin()], dim=1)
        return 3.0 * U[t], torch.eye(2, dtype=torch.float64), U
    check_circle_memory(half_circle)


def test_lets_not_implemented_through():
    def stub(targets, M):
        raise NotImplementedError("put the outputs on a circle")

    with pytest.raises(NotImplementedError, match="on a circle"):
        check_circle_memory(stub)


@pytest.mark.parametrize("wrong, case, message", [
    # e_x = u_{x mod M}: right only when f(x) = x mod M
    (lambda t, M: (circle(M)[torch.arange(t.numel()) % M], torch.eye(2, dtype=torch.float64), circle(M)),
     "by hand", "not recalled"),
    # W turns the plane by a quarter of a circle
    (lambda t, M: (circle(M)[t], torch.tensor([[0.0, -1.0], [1.0, 0.0]], dtype=torch.float64), circle(M)),
     "by hand", "not recalled"),
    # U returned as [2, M] (the trainer's column convention)
    (lambda t, M: (circle(M)[t], torch.eye(2, dtype=torch.float64), circle(M).T.contiguous()),
     "by hand", "shape"),
    # outputs on a line: only the two ends can win
    (lambda t, M: (torch.stack([torch.ones(t.numel()), t.double()], 1), torch.eye(2, dtype=torch.float64),
                   torch.stack([torch.ones(M), torch.arange(M, dtype=torch.float64)], 1)),
     "by hand", "not recalled"),
    # one-hot embeddings of dimension M instead of 2
    (lambda t, M: (torch.eye(M, dtype=torch.float64)[t], torch.eye(M, dtype=torch.float64),
                   torch.eye(M, dtype=torch.float64)), "by hand", "shape"),
    # all inputs on one direction: ties or wrong outputs
    (lambda t, M: (torch.ones(t.numel(), 2, dtype=torch.float64), torch.eye(2, dtype=torch.float64), circle(M)),
     "by hand", "not recalled"),
    # a list instead of a tuple of three
    (lambda t, M: [circle(M)[t], torch.eye(2, dtype=torch.float64)], "by hand", "tuple"),
])
def test_rejects_wrong_answers(wrong, case, message):
    with pytest.raises(ExerciseFailed, match=case) as err:
        check_circle_memory(wrong)
    assert message in str(err.value)


def test_rejects_a_map_that_only_works_for_x_mod_m():
    # right whenever the targets are x mod M (the chapter's experiments), wrong otherwise
    def sneaky(t, M):
        U = circle(M)
        return U[torch.arange(t.numel()) % M], torch.eye(2, dtype=torch.float64), U

    with pytest.raises(ExerciseFailed, match="by hand") as err:
        check_circle_memory(sneaky)
    assert "target" in str(err.value)


def test_rejects_ties():
    # two outputs share a direction: the argmax of a tie happens to pick the smaller index
    def tied(t, M):
        U = circle(M)
        U[1] = U[0]
        return U[t], torch.eye(2, dtype=torch.float64), U

    with pytest.raises(ExerciseFailed, match="ties"):
        check_circle_memory(tied)
