"""The sgd-as-storage self-checks accept the reference, pass NotImplementedError through, reject slips."""

from __future__ import annotations

import math

import pytest
import torch

from amtools.exercises import ExerciseFailed, check_approx_batch_step, check_q_gamma


# --- q_gamma -------------------------------------------------------------------------------------

def q_gamma_right(counts, gamma, M):
    q = torch.zeros(counts.shape, dtype=torch.float64)
    for k in range(int(counts.max())):
        step = q + gamma * (M - 1) / (torch.exp(q) + M - 1)
        q = torch.where(counts > k, step, q)
    return q


def q_gamma_python(counts, gamma, M):
    # an equivalent answer: a plain loop per entry, returned in float32
    out = []
    for n in counts.tolist():
        q = 0.0
        for _ in range(n):
            q += gamma * (M - 1) / (math.exp(q) + M - 1)
        out.append(q)
    return torch.tensor(out, dtype=torch.float32)


def test_q_gamma_accepts_the_reference(capsys):
    check_q_gamma(q_gamma_right)
    assert "✔ q_gamma" in capsys.readouterr().out


def test_q_gamma_accepts_an_equivalent_answer():
    check_q_gamma(q_gamma_python)


def test_q_gamma_lets_not_implemented_through():
    def stub(counts, gamma, M):
        raise NotImplementedError("iterate the map")

    with pytest.raises(NotImplementedError, match="iterate the map"):
        check_q_gamma(stub)


def _iterate(counts, gamma, M, *, m=None, shift=0):
    m = M - 1 if m is None else m
    q = torch.zeros(counts.shape, dtype=torch.float64)
    for k in range(int(counts.max())):
        q = torch.where(counts - shift > k, q + gamma * m / (torch.exp(q) + m), q)
    return q


@pytest.mark.parametrize("wrong, case, slip", [
    (lambda c, g, M: _iterate(c, g, M, m=M), "by hand", "M - 1"),                          # M instead of M - 1
    (lambda c, g, M: _iterate(c, g, M, shift=1), "by hand", "count of 1 means one step"),  # f^(n-1)
    (lambda c, g, M: g * (M - 1) / M * c.double(), "by hand", "iterate the map"),         # linear approximation
    (lambda c, g, M: _iterate(c, g, M).tolist(), "by hand", "floating-point"),             # not a tensor
    (lambda c, g, M: c.double().log1p() * g, "by hand", None),                            # something else
])
def test_q_gamma_rejects_wrong_answers(wrong, case, slip):
    with pytest.raises(ExerciseFailed, match=case) as err:
        check_q_gamma(wrong)
    if slip:
        assert slip in str(err.value)


def test_q_gamma_rejects_an_answer_that_sorts_the_counts():
    # right values, but in sorted order instead of the order of the input
    def sorted_answer(counts, gamma, M):
        return q_gamma_right(counts.sort().values, gamma, M)

    with pytest.raises(ExerciseFailed, match="shuffled counts"):
        check_q_gamma(sorted_answer)


def test_q_gamma_rejects_the_linear_approximation_only_where_it_fails():
    # right on the hand case, linear beyond: caught on the shuffled counts
    def half_right(counts, gamma, M):
        return q_gamma_right(counts, gamma, M) if counts.numel() == 3 else gamma * (M - 1) / M * counts.double()

    with pytest.raises(ExerciseFailed, match="40 shuffled counts"):
        check_q_gamma(half_right)


# --- approx_batch_step ---------------------------------------------------------------------------

def step_right(q, batch, lr, M):
    c = torch.bincount(batch, minlength=q.numel()).to(q.dtype)
    return q + lr / batch.numel() * c * (M - 1) / (torch.exp(q) + M - 1)


def test_batch_step_accepts_the_reference(capsys):
    check_approx_batch_step(step_right)
    assert "✔ approx_batch_step" in capsys.readouterr().out


def test_batch_step_accepts_an_equivalent_answer():
    def with_index_add(q, batch, lr, M):
        inc = lr / batch.numel() * (M - 1) / (torch.exp(q[batch]) + M - 1)
        return q.clone().index_add_(0, batch, inc)

    check_approx_batch_step(with_index_add)


def test_batch_step_lets_not_implemented_through():
    def stub(q, batch, lr, M):
        raise NotImplementedError("count the batch")

    with pytest.raises(NotImplementedError, match="count the batch"):
        check_approx_batch_step(stub)


def sequential(q, batch, lr, M):
    # updates q after every sample: not the batch gradient
    q = q.clone()
    for x in batch.tolist():
        q[x] += lr / batch.numel() * (M - 1) / (math.exp(q[x]) + M - 1)
    return q


def in_place(q, batch, lr, M):
    q += step_right(q, batch, lr, M) - q
    return q


@pytest.mark.parametrize("wrong, case, slip", [
    (lambda q, b, lr, M: step_right(q, b, lr * b.numel(), M), "by hand", "mean over the batch"),  # no 1/B
    (sequential, "by hand", "before the step"),                                                  # not stale
    (lambda q, b, lr, M: step_right(q, b.unique(), lr * b.unique().numel() / b.numel(), M),
     "by hand", "occurs twice"),                                                                # repeats ignored
    (lambda q, b, lr, M: step_right(q, b, lr, M + 1), "by hand", None),                          # M instead of M - 1
    (in_place, "q = \\(1, 2, 3\\)", "in a new tensor"),                                          # modifies q
])
def test_batch_step_rejects_wrong_answers(wrong, case, slip):
    with pytest.raises(ExerciseFailed, match=case) as err:
        check_approx_batch_step(wrong)
    if slip:
        assert slip in str(err.value)


def test_batch_step_rejects_a_missing_minlength_on_zipf_batches():
    # bincount without minlength: fine when the last input is in the batch (by hand), wrong otherwise
    def no_minlength(q, batch, lr, M):
        c = torch.bincount(batch).to(q.dtype)
        c = torch.cat([c, torch.zeros(q.numel() - c.numel(), dtype=q.dtype)]) if c.numel() < q.numel() else c
        c = c[: q.numel()]
        return q + lr / batch.numel() * c * (M - 1) / (torch.exp(q) + M - 1)

    check_approx_batch_step(no_minlength)  # padding by hand is correct: accepted

    def shifted(q, batch, lr, M):
        return step_right(q, (batch + 1).clamp(max=q.numel() - 1), lr, M)

    with pytest.raises(ExerciseFailed, match="by hand"):
        check_approx_batch_step(shifted)
