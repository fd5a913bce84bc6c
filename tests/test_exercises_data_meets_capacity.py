"""The self-checks of book/data-meets-capacity.ipynb accept a right answer and reject typical wrong ones."""

from __future__ import annotations

import pytest
import torch

import amtools as am
from amtools.exercises import ExerciseFailed, check_fill_turnaround, check_threshold_weights


# --- threshold_weights ------------------------------------------------------------------------------
def threshold_weights(counts, P):
    key = torch.where(counts > 0, counts.double(), torch.full_like(counts, -1, dtype=torch.float64))
    order = torch.argsort(key, descending=True, stable=True)[:P]
    q = torch.zeros(counts.shape[0], dtype=torch.float64)
    q[order] = 1.0
    return q * (counts > 0)


def by_index(counts, P):  # the population ranking: the first P indices
    q = torch.zeros(counts.shape[0], dtype=torch.float64)
    q[:P] = 1.0
    return q


def unseen_kept(counts, P):  # top-P by count without dropping unseen inputs (the minlength pitfall)
    q = torch.zeros(counts.shape[0], dtype=torch.float64)
    q[torch.argsort(counts, descending=True, stable=True)[:P]] = 1.0
    return q


def weighted(counts, P):  # frequency weights on the kept inputs instead of equal weights
    return threshold_weights(counts, P) * counts / counts.sum()


def test_threshold_weights_accepts_reference_and_package(capsys):
    check_threshold_weights(threshold_weights)
    check_threshold_weights(lambda c, P: am.storage_weights(c, "threshold", rho=0.0, top=P))
    assert "✔ threshold_weights" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, case", [(by_index, "counts \\(3, 0, 5, 1\\)"),
                                         (unseen_kept, "counts \\(0, 2, 0, 1\\)"),
                                         (weighted, "counts \\(3, 0, 5, 1\\)")])
def test_threshold_weights_rejects_wrong_answers(wrong, case):
    with pytest.raises(ExerciseFailed, match=case):
        check_threshold_weights(wrong)


def test_threshold_weights_lets_the_stub_through():
    def stub(counts, P):
        raise NotImplementedError("count, rank, keep the P most frequent seen inputs")
    with pytest.raises(NotImplementedError, match="most frequent seen"):
        check_threshold_weights(stub)


# --- fill_turnaround --------------------------------------------------------------------------------
def fill_turnaround(d, Ts, *, N, alpha, M, trials, seed):
    mean = am.error_grid(N, M, alpha, [d], Ts, "fill", trials=trials, seed=seed)[:, 0].mean(0)
    j = int(torch.argmin(mean))
    return Ts[j], float(am.expected_distinct(am.zipf(N, alpha), Ts[j]))


def one_trial(d, Ts, *, N, alpha, M, trials, seed):  # the minimum of a single trial
    err = am.error_grid(N, M, alpha, [d], Ts, "fill", trials=trials, seed=seed)[:, 0]
    j = int(torch.argmin(err[0]))
    return Ts[j], float(am.expected_distinct(am.zipf(N, alpha), Ts[j]))


def index_not_T(d, Ts, **kw):  # returns the index of the best T
    T, stored = fill_turnaround(d, Ts, **kw)
    return Ts.index(T), stored


def stored_is_d(d, Ts, **kw):  # compares with d instead of counting the stored inputs
    T, _ = fill_turnaround(d, Ts, **kw)
    return T, float(d)


def test_fill_turnaround_accepts_reference(capsys):
    check_fill_turnaround(fill_turnaround)
    assert "✔ fill_turnaround" in capsys.readouterr().out


@pytest.mark.parametrize("wrong", [one_trial, index_not_T, stored_is_d])
def test_fill_turnaround_rejects_wrong_answers(wrong):
    with pytest.raises(ExerciseFailed, match="N = 300, alpha = 2"):
        check_fill_turnaround(wrong)


def test_fill_turnaround_lets_the_stub_through():
    def stub(d, Ts, *, N, alpha, M, trials, seed):
        raise NotImplementedError("one am.error_grid call, then argmin of the mean")
    with pytest.raises(NotImplementedError, match="argmin"):
        check_fill_turnaround(stub)
