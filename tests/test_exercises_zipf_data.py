"""The self-checks of book/zipf-data.ipynb accept a right answer and reject typical wrong ones."""

from __future__ import annotations

import pytest
import torch

import amtools as am
from amtools.exercises import ExerciseFailed, check_estimate_alpha, check_expected_distinct


# --- expected_distinct ------------------------------------------------------------------------

def distinct_right(p, Ts):
    return (1 - (1 - p.double()).unsqueeze(0) ** Ts.double().unsqueeze(1)).sum(-1)


def distinct_exponential(p, Ts):  # the large-T approximation (1-p)^T ~ exp(-T p), not exact
    return (1 - torch.exp(-Ts.double().unsqueeze(1) * p.double().unsqueeze(0))).sum(-1)


def distinct_unseen_count(p, Ts):  # counts the unseen tokens instead
    return ((1 - p.double()).unsqueeze(0) ** Ts.double().unsqueeze(1)).sum(-1)


def distinct_float32(p, Ts):  # loses the tail: 1 - p rounds to 1 in float32
    return (1 - (1 - p.float()).unsqueeze(0) ** Ts.float().unsqueeze(1)).sum(-1)


def test_expected_distinct_accepts_a_right_answer(capsys) -> None:
    check_expected_distinct(distinct_right)
    check_expected_distinct(am.expected_distinct)
    assert "✔ expected_distinct" in capsys.readouterr().out


def test_expected_distinct_lets_the_stub_through() -> None:
    def stub(p, Ts):
        raise NotImplementedError("sum 1 - (1 - p)^T over tokens")

    with pytest.raises(NotImplementedError, match="sum 1 - "):
        check_expected_distinct(stub)


@pytest.mark.parametrize("wrong, case", [
    (distinct_exponential, "two equally likely tokens"),
    (distinct_unseen_count, "two equally likely tokens"),
    (lambda p, Ts: [1.0] * len(Ts), "two equally likely tokens"),
    (lambda p, Ts: distinct_right(p, Ts)[:-1], "two equally likely tokens"),
])
def test_expected_distinct_rejects_wrong_answers(wrong, case) -> None:
    with pytest.raises(ExerciseFailed, match=case):
        check_expected_distinct(wrong)


@pytest.mark.parametrize("cast", [False, True])
def test_expected_distinct_rejects_a_float32_tail(cast) -> None:
    def float32(p, Ts):
        out = distinct_float32(p, Ts)
        return out.double() if cast else out

    with pytest.raises(ExerciseFailed, match="Zipf law, alpha = 2"):
        check_expected_distinct(float32)


# --- estimate_alpha ---------------------------------------------------------------------------

def alpha_head(tokens, N, min_count=50):
    counts = am.token_counts(tokens, N)
    head = counts >= min_count
    return -am.fit_power_law(torch.arange(1, N + 1)[head], counts[head]).exponent


def alpha_all_ranks(tokens, N):
    counts = am.token_counts(tokens, N)
    seen = counts > 0
    return -am.fit_power_law(torch.arange(1, N + 1)[seen], counts[seen]).exponent


def test_estimate_alpha_accepts_head_fits(capsys) -> None:
    for min_count in (20, 50, 200):
        check_estimate_alpha(lambda tokens, N, m=min_count: alpha_head(tokens, N, m))
    assert capsys.readouterr().out.count("✔ estimate_alpha") == 3


def test_estimate_alpha_lets_the_stub_through() -> None:
    def stub(tokens, N):
        raise NotImplementedError("fit the head of the rank-frequency plot")

    with pytest.raises(NotImplementedError, match="fit the head"):
        check_estimate_alpha(stub)


def test_estimate_alpha_rejects_the_all_ranks_fit() -> None:
    with pytest.raises(ExerciseFailed, match=r"(?s)100,000 tokens from am.zipf\(10_000, 2.0\).*too shallow"):
        check_estimate_alpha(alpha_all_ranks)


def test_estimate_alpha_rejects_the_slope_sign() -> None:
    with pytest.raises(ExerciseFailed, match="(?s)an exact power law.*positive"):
        check_estimate_alpha(lambda tokens, N: -alpha_head(tokens, N))


def test_estimate_alpha_rejects_ranks_from_zero() -> None:
    def zero_based(tokens, N):
        counts = am.token_counts(tokens, N)
        head = counts >= 50
        return -am.fit_power_law(torch.arange(N)[head], counts[head]).exponent

    with pytest.raises(ExerciseFailed, match="(?s)an exact power law.*raised ValueError"):
        check_estimate_alpha(zero_based)


def test_estimate_alpha_rejects_a_non_number() -> None:
    with pytest.raises(ExerciseFailed, match="(?s)an exact power law.*single number"):
        check_estimate_alpha(lambda tokens, N: torch.tensor([2.0, 2.0]))
