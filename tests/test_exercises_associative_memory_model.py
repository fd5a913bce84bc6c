"""The self-checks of book/associative-memory-model.ipynb accept a right answer and reject wrong ones."""

from __future__ import annotations

import math

import pytest
import torch

import amtools as am
from amtools.exercises import ExerciseFailed, check_argmax_error, check_memory_error


# --- argmax_error ---------------------------------------------------------------------------------

def argmax_error(z, M, samples, generator):
    g = torch.randn(samples, M, generator=generator, dtype=torch.float64)
    shift = torch.sqrt(M * torch.as_tensor(z, dtype=torch.float64))
    right = g[:, :1] + shift                                   # [samples, K]
    best_wrong = g[:, 1:].max(-1, keepdim=True).values         # [samples, 1]
    return (best_wrong > right).double().mean(0)


def argmax_error_independent(z, M, samples, generator):
    # the slip: M - 1 pairwise margins treated as independent
    z = torch.as_tensor(z, dtype=torch.float64)
    return 1 - (1 - torch.special.ndtr(-torch.sqrt(M * z / 2))) ** (M - 1)


def argmax_error_margin_scale(z, M, samples, generator):
    # the slip: advantage sqrt(M z / 2) instead of sqrt(M z)
    return argmax_error(torch.as_tensor(z) / 2, M, samples, generator)


def argmax_error_python_float(z, M, samples, generator):
    return float(argmax_error(z, M, samples, generator).mean())


def test_argmax_error_accepts_a_correct_estimator(capsys):
    check_argmax_error(argmax_error)
    assert "✔ argmax_error" in capsys.readouterr().out


def test_argmax_error_lets_the_stub_through():
    def stub(z, M, samples, generator):
        raise NotImplementedError("draw M Gaussian scores")
    with pytest.raises(NotImplementedError, match="draw M Gaussian scores"):
        check_argmax_error(stub)


@pytest.mark.parametrize("wrong, case", [
    (argmax_error_independent, "z = \\[0\\], M = 5"),
    (argmax_error_margin_scale, "z = \\[0.1, 0.5, 1, 2\\]"),
    (argmax_error_python_float, "z = \\[0\\], M = 2"),
])
def test_argmax_error_rejects_typical_slips(wrong, case):
    with pytest.raises(ExerciseFailed, match=case):
        check_argmax_error(wrong)


# --- memory_error ---------------------------------------------------------------------------------

def memory_error(q, targets, p, d, trials, generator):
    M = int(targets.max()) + 1
    E = torch.randn(trials, q.shape[-1], d, generator=generator) / math.sqrt(d)
    U = torch.randn(trials, M, d, generator=generator) / math.sqrt(d)
    W = torch.einsum("n,tnd,tne->tde", q.float(), U[:, targets], E)        # sum_x q(x) u_f(x) e_x^T
    pred = torch.einsum("tmd,tde,tne->tnm", U, W, E).argmax(-1)              # [trials, N]
    return ((pred != targets).double() * p.double()).sum(-1)


def memory_error_unweighted(q, targets, p, d, trials, generator):
    M = int(targets.max()) + 1
    E = am.random_embeddings(q.shape[-1], d, trials, generator=generator)
    U = am.random_embeddings(M, d, trials, generator=generator)
    pred = am.decode(am.memory_matrix(q, E, U, targets), E, U)
    return (pred != targets).double().mean(-1)


def memory_error_transposed(q, targets, p, d, trials, generator):
    # the slip: stores e_x u_{f(x)}^T (the outer product the wrong way round)
    M = int(targets.max()) + 1
    E = torch.randn(trials, q.shape[-1], d, generator=generator) / math.sqrt(d)
    U = torch.randn(trials, M, d, generator=generator) / math.sqrt(d)
    W = torch.einsum("n,tnd,tne->tde", q.float(), E, U[:, targets])
    pred = torch.einsum("tmd,tde,tne->tnm", U, W, E).argmax(-1)
    return ((pred != targets).double() * p.double()).sum(-1)


def memory_error_one_draw(q, targets, p, d, trials, generator):
    # the slip: one draw of the embeddings, copied across trials (shape right, spread zero)
    return memory_error(q, targets, p, d, 1, generator).expand(trials).clone()


def test_memory_error_accepts_a_correct_answer(capsys):
    check_memory_error(memory_error)
    assert "✔ memory_error" in capsys.readouterr().out


def test_memory_error_lets_the_stub_through():
    def stub(q, targets, p, d, trials, generator):
        raise NotImplementedError("build W, decode, weight by p")
    with pytest.raises(NotImplementedError, match="build W, decode"):
        check_memory_error(stub)


@pytest.mark.parametrize("wrong, case", [
    (memory_error_unweighted, "q = 0"),
    (memory_error_transposed, "three associations"),
    (memory_error_one_draw, "q = p"),
])
def test_memory_error_rejects_typical_slips(wrong, case):
    with pytest.raises(ExerciseFailed, match=case):
        check_memory_error(wrong)


def test_memory_error_names_the_shared_draw_slip():
    # One draw copied across trials gets its own hint, not the weighting hint of the value case.
    with pytest.raises(ExerciseFailed, match="q = p") as err:
        check_memory_error(memory_error_one_draw)
    assert "shared by every trial" in str(err.value)
    assert "1/N" not in str(err.value)
