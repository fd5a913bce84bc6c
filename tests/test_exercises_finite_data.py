"""The finite-data chapter's self-checks accept a right answer and reject typical wrong ones."""

from __future__ import annotations

import math

import pytest
import torch

from amtools.exercises import ExerciseFailed, check_expected_error, check_tail_exponent


def expected_error(p, Ts, M):
    p = p.double()
    return torch.stack([(1 - 1 / M) * (p * (1 - p) ** float(T)).sum() for T in Ts])


def tail_exponent(Ts, errors):
    x = torch.log(torch.as_tensor(Ts, dtype=torch.float64))
    y = torch.log(torch.as_tensor(errors, dtype=torch.float64))
    k = ((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()
    return float(1 / (1 + k))


def test_expected_error_accepts_a_right_answer(capsys) -> None:
    check_expected_error(expected_error)
    assert "✔ expected_error" in capsys.readouterr().out


def test_expected_error_lets_the_stub_through() -> None:
    def stub(p, Ts, M):
        raise NotImplementedError("hint")

    with pytest.raises(NotImplementedError, match="hint"):
        check_expected_error(stub)


@pytest.mark.parametrize("wrong, case, slip", [
    (lambda p, Ts, M: torch.stack([(p.double() * (1 - p.double()) ** float(T)).sum() for T in Ts]),
     "two equally likely inputs", "missing mass m_T itself"),
    (lambda p, Ts, M: torch.stack([(1 / M) * (p.double() * (1 - p.double()) ** float(T)).sum() for T in Ts]),
     "two equally likely inputs", "right guess, 1/M"),
    (lambda p, Ts, M: torch.stack([(1 - 1 / M) * (p.double() * torch.exp(-float(T) * p.double())).sum()
                                   for T in Ts]),
     "two equally likely inputs", "exp"),
    (lambda p, Ts, M: torch.stack([(1 - 1 / M) * ((1 - p.double()) ** float(T)).sum() for T in Ts]),
     "two equally likely inputs", ""),
    (lambda p, Ts, M: [float(v) for v in expected_error(p, Ts, M)], "two equally likely inputs", ""),
    (lambda p, Ts, M: torch.stack([(1 - 1 / M) * (p.float() * (1 - p.float()) ** float(T)).sum()
                                   for T in Ts]).double(),
     "Zipf law", "float64"),
])
def test_expected_error_rejects_wrong_answers(wrong, case, slip) -> None:
    with pytest.raises(ExerciseFailed, match=case) as err:
        check_expected_error(wrong)
    assert slip in str(err.value)


def test_tail_exponent_accepts_a_right_answer(capsys) -> None:
    check_tail_exponent(tail_exponent)
    assert "✔ tail_exponent" in capsys.readouterr().out


def test_tail_exponent_lets_the_stub_through() -> None:
    def stub(Ts, errors):
        raise NotImplementedError("hint")

    with pytest.raises(NotImplementedError, match="hint"):
        check_tail_exponent(stub)


def _slope(Ts, errors):
    x = torch.log(torch.as_tensor(Ts, dtype=torch.float64))
    y = torch.log(torch.as_tensor(errors, dtype=torch.float64))
    return float(((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum())


def _end_points(Ts, errors):
    Ts, errors = torch.as_tensor(Ts, dtype=torch.float64), torch.as_tensor(errors, dtype=torch.float64)
    k = math.log(errors[-1] / errors[0]) / math.log(Ts[-1] / Ts[0])
    return 1 / (1 + k)


@pytest.mark.parametrize("wrong, case, slip", [
    (_slope, "exact power law, errors = 0.7", "slope k"),
    (lambda Ts, e: 1 / (1 - _slope(Ts, e)), "exact power law, errors = 0.7", "sign"),
    (lambda Ts, e: 1 / (1 + _slope(torch.as_tensor(Ts).double(), torch.as_tensor(e).double().log().neg().exp())),
     "exact power law, errors = 0.7", ""),
    (_end_points, "a noisy curve", "least-squares"),
])
def test_tail_exponent_rejects_wrong_answers(wrong, case, slip) -> None:
    with pytest.raises(ExerciseFailed, match=case) as err:
        check_tail_exponent(wrong)
    assert slip in str(err.value)
