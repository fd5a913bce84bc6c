"""The predictive-disentanglement self-check accepts the clipped loss, passes NotImplementedError through, rejects slips."""

from __future__ import annotations

import pytest
import torch

from amtools.exercises import ExerciseFailed, check_clipped_loss


def right(pred, target, clip):
    return (pred - target).clamp(-clip, clip).square().mean()


def by_where(pred, target, clip):
    d = pred - target
    return torch.where(d.abs() > clip, torch.full_like(d, clip**2), d**2).mean()


def test_accepts_correct_answers(capsys):
    check_clipped_loss(right)
    check_clipped_loss(by_where)
    assert "✔ clipped_loss" in capsys.readouterr().out


def test_lets_not_implemented_through():
    def stub(pred, target, clip):
        raise NotImplementedError("clip the difference")

    with pytest.raises(NotImplementedError, match="clip the difference"):
        check_clipped_loss(stub)


@pytest.mark.parametrize("wrong, case, message", [
    (lambda p, t, c: (p - t).square().clamp(max=c).mean(), "by hand", "clipped the squared error"),
    (lambda p, t, c: (p - t).clamp(max=c).square().mean(), "by hand", "negative errors were not clipped"),
    (lambda p, t, c: (p - t).clamp(-c, c).square().sum(), "by hand", "expected"),
    (lambda p, t, c: (p - t).square().mean(), "by hand", "expected"),
    (lambda p, t, c: (p - t).clamp(-c, c).abs().mean(), "by hand", "expected"),
    (lambda p, t, c: (p - t).clamp(-0.5, 0.5).square().mean(), "clip 1.5", "expected"),
    (lambda p, t, c: (p - t).clamp(-c, c).square().mean(dim=-1), "by hand", "shape"),
    (lambda p, t, c: float(right(p, t, c)), "by hand", "torch.Tensor"),
    (lambda p, t, c: right(p, t, c).detach(), "by hand", "gradient"),
])
def test_rejects_typical_slips(wrong, case, message):
    with pytest.raises(ExerciseFailed, match=message) as err:
        check_clipped_loss(wrong)
    assert case in str(err.value)


def test_reports_a_crash_with_its_case():
    with pytest.raises(ExerciseFailed, match="raised ZeroDivisionError"):
        check_clipped_loss(lambda p, t, c: 1 / 0)
