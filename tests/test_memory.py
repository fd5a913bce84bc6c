"""Tests of amtools.memory: storing, scoring, decoding and the exact error."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from amtools import (decode, generalization_error, memory_matrix, random_embeddings,
                     sample_tokens, scores, token_counts, zipf)

FAST = settings(max_examples=30, deadline=None, database=None)


def brute_memory(q, E, U, targets):
    """W = sum_x q(x) outer(u_{f(x)}, e_x), one Python loop per trial, float64 numpy."""
    q, E, U, targets = (np.asarray(a) for a in (q, E, U, targets))
    N, d_in, d_out = E.shape[-2], E.shape[-1], U.shape[-1]
    W = np.zeros((d_out, d_in))
    for x in range(N):
        W += float(q[x]) * np.outer(U[int(targets[x])].astype(np.float64), E[x].astype(np.float64))
    return W


@FAST
@given(trials=st.integers(1, 3), N=st.integers(1, 8), M=st.integers(1, 5),
       d_in=st.integers(1, 6), d_out=st.integers(1, 6),
       batched=st.tuples(st.booleans(), st.booleans(), st.booleans(), st.booleans()),
       seed=st.integers(0, 2**31 - 1))
def test_memory_matrix_equals_sum_of_outer_products(trials, N, M, d_in, d_out, batched, seed):
    rng = np.random.default_rng(seed)
    bq, bE, bU, bt = batched
    q = rng.random((trials, N)) if bq else rng.random(N)
    E = rng.standard_normal((trials, N, d_in)) if bE else rng.standard_normal((N, d_in))
    U = rng.standard_normal((trials, M, d_out)) if bU else rng.standard_normal((M, d_out))
    targets = rng.integers(0, M, (trials, N)) if bt else rng.integers(0, M, N)
    W = memory_matrix(torch.from_numpy(q), torch.from_numpy(E), torch.from_numpy(U),
                      torch.from_numpy(targets))
    if not any(batched):
        assert W.shape == (d_out, d_in)
        np.testing.assert_allclose(W.numpy(), brute_memory(q, E, U, targets), atol=1e-10)
        return
    assert W.shape == (trials, d_out, d_in) and W.dtype == torch.float64
    for t in range(trials):
        expected = brute_memory(q[t] if bq else q, E[t] if bE else E, U[t] if bU else U,
                                targets[t] if bt else targets)
        np.testing.assert_allclose(W[t].numpy(), expected, atol=1e-10)


def test_memory_matrix_float32_and_mixed_q_dtype():
    rng = np.random.default_rng(0)
    E = torch.from_numpy(rng.standard_normal((2, 6, 4))).float()
    U = torch.from_numpy(rng.standard_normal((2, 3, 5))).float()
    q = torch.from_numpy(rng.random(6))          # float64 weights, float32 embeddings
    targets = torch.tensor([0, 1, 2, 0, 1, 2])
    W = memory_matrix(q, E, U, targets)
    assert W.dtype == torch.float32 and W.shape == (2, 5, 4)
    for t in range(2):
        np.testing.assert_allclose(W[t].numpy(), brute_memory(q, E[t], U[t], targets), atol=1e-5)


def test_memory_matrix_zero_weights_give_zero_matrix():
    E = random_embeddings(4, 3, 1)[0]
    U = random_embeddings(2, 5, 1)[0]
    W = memory_matrix(torch.zeros(4), E, U, torch.tensor([0, 1, 0, 1]))
    assert W.shape == (5, 3) and torch.count_nonzero(W) == 0


@FAST
@given(trials=st.integers(1, 3), N=st.integers(1, 7), M=st.integers(1, 5), d=st.integers(1, 6),
       seed=st.integers(0, 2**31 - 1))
def test_scores_and_decode_match_loops(trials, N, M, d, seed):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((trials, d, d + 1))
    E = rng.standard_normal((trials, N, d + 1))
    U = rng.standard_normal((trials, M, d))
    s = scores(*(torch.from_numpy(a) for a in (W, E, U)))
    pred = decode(*(torch.from_numpy(a) for a in (W, E, U)))
    assert s.shape == (trials, N, M) and pred.shape == (trials, N) and pred.dtype == torch.long
    for t in range(trials):
        for x in range(N):
            row = [float(U[t, y] @ W[t] @ E[t, x]) for y in range(M)]
            np.testing.assert_allclose(s[t, x].numpy(), row, rtol=1e-10, atol=1e-10)
            assert pred[t, x].item() == int(np.argmax(row))


def test_scores_unbatched_and_broadcast():
    rng = np.random.default_rng(1)
    W = torch.from_numpy(rng.standard_normal((3, 4)))
    E = torch.from_numpy(rng.standard_normal((5, 4)))
    U = torch.from_numpy(rng.standard_normal((2, 3)))
    assert scores(W, E, U).shape == (5, 2)
    torch.testing.assert_close(scores(W, E, U), E @ W.T @ U.T)
    Wb = torch.stack([W, 2 * W])
    torch.testing.assert_close(scores(Wb, E, U)[1], 2 * scores(W, E, U))
    assert decode(W, E, U).shape == (5,)


def test_decode_ties_go_to_smallest_output():
    W = torch.zeros(3, 3)
    E = torch.eye(3)
    U = torch.eye(3)
    assert decode(W, E, U).tolist() == [0, 0, 0]


@FAST
@given(N=st.integers(1, 10), extra=st.integers(0, 6), M=st.integers(1, 10), trials=st.integers(1, 3),
       seed=st.integers(0, 2**31 - 1), dtype=st.sampled_from([torch.float32, torch.float64]))
def test_orthonormal_memory_decodes_every_stored_input(N, extra, M, trials, seed, dtype):
    d = N + extra
    M = min(M, d)
    gen = torch.Generator().manual_seed(seed)
    E = random_embeddings(N, d, trials, "orthonormal", gen, dtype=dtype)
    U = random_embeddings(M, d, trials, "orthonormal", gen, dtype=dtype)
    rng = np.random.default_rng(seed)
    targets = torch.from_numpy(rng.integers(0, M, (trials, N)))
    q = torch.from_numpy(rng.uniform(0.01, 1.0, (trials, N))).to(dtype)
    pred = decode(memory_matrix(q, E, U, targets), E, U)
    assert torch.equal(pred, targets)


@FAST
@given(N=st.integers(1, 12), extra=st.integers(0, 5), M=st.integers(1, 6), T=st.integers(0, 30),
       trials=st.integers(1, 3), alpha=st.floats(0.0, 2.5), seed=st.integers(0, 2**31 - 1))
def test_error_of_memorizing_seen_inputs_is_wrongly_decoded_unseen_mass(N, extra, M, T, trials,
                                                                         alpha, seed):
    d = N + extra
    M = min(M, d)
    gen = torch.Generator().manual_seed(seed)
    p = zipf(N, alpha)
    tokens = sample_tokens(p, T, trials, generator=gen)
    counts = token_counts(tokens, N)
    q = (counts > 0).double()                                     # 1 on seen, 0 on unseen
    E = random_embeddings(N, d, trials, "orthonormal", gen, dtype=torch.float64)
    U = random_embeddings(M, d, trials, "orthonormal", gen, dtype=torch.float64)
    targets = torch.from_numpy(np.random.default_rng(seed).integers(0, M, N))
    pred = decode(memory_matrix(q, E, U, targets), E, U)
    err = generalization_error(pred, targets, p)
    assert err.shape == (trials,)
    for t in range(trials):
        seen = counts[t] > 0
        assert torch.equal(pred[t][seen], targets[seen])          # every seen input is right
        wrong_unseen = sum(p[x].item() for x in range(N)
                           if counts[t, x] == 0 and pred[t, x] != targets[x])
        unseen = sum(p[x].item() for x in range(N) if counts[t, x] == 0)
        assert err[t].item() == pytest.approx(wrong_unseen, abs=1e-12)
        assert err[t].item() <= unseen + 1e-12


@FAST
@given(lead=st.lists(st.integers(1, 3), max_size=2), N=st.integers(1, 10), M=st.integers(1, 4),
       alpha=st.floats(0.0, 3.0), seed=st.integers(0, 2**31 - 1))
def test_generalization_error_equals_loop(lead, N, M, alpha, seed):
    rng = np.random.default_rng(seed)
    p = zipf(N, alpha)
    pred = rng.integers(0, M, (*lead, N))
    targets = rng.integers(0, M, N)
    err = generalization_error(torch.from_numpy(pred), torch.from_numpy(targets), p)
    assert err.shape == tuple(lead) and err.dtype == torch.float64
    flat_pred = pred.reshape(-1, N)
    flat_err = err.reshape(-1)
    for i in range(flat_pred.shape[0]):
        expected = 0.0
        for x in range(N):
            if flat_pred[i, x] != targets[x]:
                expected += p[x].item()
        assert flat_err[i].item() == pytest.approx(expected, abs=1e-12)


def test_generalization_error_extremes_and_dtype():
    p = zipf(5, 1.0, dtype=torch.float32)
    t = torch.arange(5)
    assert generalization_error(t, t, p).item() == 0.0
    err = generalization_error((t + 1) % 5, t, p)
    assert err.dtype == torch.float32 and err.item() == pytest.approx(1.0, abs=1e-6)
    # batched targets broadcast against batched predictions
    both = generalization_error(torch.stack([t, t]), torch.stack([t, (t + 1) % 5]), p)
    assert both.tolist() == pytest.approx([0.0, 1.0], abs=1e-6)


# ----------------------------------------------------------------------------- validation

def _args(N=4, M=3, d=5):
    return (torch.ones(N), torch.randn(N, d), torch.randn(M, d), torch.arange(N) % M)


@pytest.mark.parametrize("which, value, exc, name", [
    (0, torch.ones(4, dtype=torch.long), TypeError, "q"),
    (0, torch.ones(1, 1, 4), ValueError, "q"),
    (0, [1.0] * 4, TypeError, "q"),
    (1, torch.ones(4, 5, dtype=torch.long), TypeError, "E"),
    (1, torch.ones(20), ValueError, "E"),
    (2, torch.ones(1, 1, 3, 5), ValueError, "U"),
    (2, torch.ones(3, 5, dtype=torch.int32), TypeError, "U"),
    (3, torch.tensor([0.0, 1.0, 2.0, 0.0]), TypeError, "targets"),
    (3, torch.tensor([True, False, True, False]), TypeError, "targets"),
    (3, torch.zeros(1, 1, 4, dtype=torch.long), ValueError, "targets"),
])
def test_memory_matrix_rejects_bad_types_and_ranks(which, value, exc, name):
    args = list(_args())
    args[which] = value
    with pytest.raises(exc, match=name):
        memory_matrix(*args)


def test_memory_matrix_rejects_mismatched_shapes():
    q, E, U, targets = _args()
    with pytest.raises(ValueError, match="q has 3 entries"):
        memory_matrix(torch.ones(3), E, U, targets)
    with pytest.raises(ValueError, match="targets has 5 entries"):
        memory_matrix(q, E, U, torch.zeros(5, dtype=torch.long))
    with pytest.raises(ValueError, match="q has 2 trials"):
        memory_matrix(torch.ones(2, 4), torch.randn(3, 4, 5), U, targets)
    with pytest.raises(ValueError, match="U has 2 trials"):
        memory_matrix(q, torch.randn(3, 4, 5), torch.randn(2, 3, 5), targets)
    with pytest.raises(ValueError, match="targets has 2 trials"):
        memory_matrix(q, torch.randn(3, 4, 5), U, torch.zeros(2, 4, dtype=torch.long))


@pytest.mark.parametrize("bad", [[0, 1, 3, 0], [0, -1, 2, 0]])
def test_memory_matrix_rejects_out_of_range_targets(bad):
    q, E, U, _ = _args()
    with pytest.raises(ValueError, match=r"targets must lie in \[0, M\)"):
        memory_matrix(q, E, U, torch.tensor(bad))


@pytest.mark.parametrize("fn", [scores, decode])
def test_scores_and_decode_reject_bad_arguments(fn):
    W, E, U = torch.randn(3, 4), torch.randn(5, 4), torch.randn(2, 3)
    with pytest.raises(TypeError, match="W"):
        fn(W.long(), E, U)
    with pytest.raises(ValueError, match="W"):
        fn(torch.randn(12), E, U)
    with pytest.raises(TypeError, match="E"):
        fn(W, E.int(), U)
    with pytest.raises(ValueError, match="E"):
        fn(W, torch.randn(1, 1, 5, 4), U)
    with pytest.raises(TypeError, match="U"):
        fn(W, E, "U")
    with pytest.raises(ValueError, match="U has dimension 4"):
        fn(W, E, torch.randn(2, 4))
    with pytest.raises(ValueError, match="E has dimension 3"):
        fn(W, torch.randn(5, 3), U)


def test_generalization_error_rejects_bad_arguments():
    p = zipf(4, 1.0)
    t = torch.arange(4)
    with pytest.raises(TypeError, match="pred"):
        generalization_error(t.double(), t, p)
    with pytest.raises(TypeError, match="targets"):
        generalization_error(t, t.float(), p)
    with pytest.raises(TypeError, match="pred"):
        generalization_error([0, 1, 2, 3], t, p)
    with pytest.raises(ValueError, match="p must sum to 1"):
        generalization_error(t, t, p * 2)
    with pytest.raises(TypeError, match="p"):
        generalization_error(t, t, torch.tensor([1, 0, 0, 0]))
    with pytest.raises(ValueError, match="p must be non-negative"):
        generalization_error(t, t, torch.tensor([1.5, -0.5, 0.0, 0.0], dtype=torch.float64))
    with pytest.raises(ValueError, match="pred must end with N=4"):
        generalization_error(torch.arange(3), t, p)
    with pytest.raises(ValueError, match="pred"):
        generalization_error(torch.tensor(1), t, p)
    with pytest.raises(ValueError, match="targets must end with N=4"):
        generalization_error(t, torch.arange(5), p)


def test_scores_rejects_mismatched_trials_and_dtypes() -> None:
    import pytest
    import torch

    import amtools as am

    W = torch.zeros(3, 4, 4)
    E = torch.zeros(2, 5, 4)
    U = torch.zeros(3, 2, 4)
    with pytest.raises(ValueError, match="trials"):
        am.scores(W, E, U)
    with pytest.raises(TypeError, match="dtype"):
        am.scores(W, E[:1].double(), U)
    with pytest.raises(TypeError, match="dtype"):
        am.memory_matrix(torch.ones(5), torch.zeros(5, 4), torch.zeros(2, 4, dtype=torch.float64),
                         torch.zeros(5, dtype=torch.long))


# ----------------------------------------------------------------------------- issue 7: non-finite values

@pytest.mark.parametrize("which, name", [(0, "q"), (1, "E"), (2, "U")])
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_memory_matrix_rejects_non_finite_inputs(which, name, bad):
    args = list(_args())
    args[which] = args[which].clone()
    args[which].view(-1)[1] = bad
    with pytest.raises(ValueError, match=rf"^{name} must contain only finite"):
        memory_matrix(*args)


@pytest.mark.parametrize("fn", [scores, decode])
@pytest.mark.parametrize("which, name", [(0, "W"), (1, "E"), (2, "U")])
@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_scores_and_decode_reject_non_finite_inputs(fn, which, name, bad):
    args = [torch.randn(3, 4), torch.randn(5, 4), torch.randn(2, 3)]
    args[which].view(-1)[-1] = bad
    with pytest.raises(ValueError, match=rf"^{name} must contain only finite"):
        fn(*args)


def test_decode_never_returns_class_zero_for_overflowing_scores():
    # Finite inputs whose scores overflow: inf - inf gives NaN scores, which argmax would
    # silently turn into a class. decode must refuse instead.
    W = torch.eye(2, dtype=torch.float64) * 1e300
    E = torch.tensor([[1e300, -1e300], [1.0, 2.0]], dtype=torch.float64)
    U = torch.tensor([[1.0, 1.0], [0.0, 1.0]], dtype=torch.float64)
    with pytest.raises(ValueError, match="scores overflowed"):
        decode(W, E, U)
    with pytest.raises(ValueError, match="scores overflowed"):
        scores(W, E, U)
    with pytest.raises(ValueError, match="W overflowed"):
        memory_matrix(torch.full((2,), 1e300, dtype=torch.float64), E, U, torch.tensor([0, 1]))


# ----------------------------------------------------------------------------- issue 7: dtypes and shapes

@pytest.mark.parametrize("dtype", [torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64])
def test_memory_matrix_accepts_any_integer_dtype_for_targets(dtype):
    q, E, U, targets = _args(N=6, M=3, d=4)
    expected = memory_matrix(q, E, U, targets)
    torch.testing.assert_close(memory_matrix(q, E, U, targets.to(dtype)), expected, rtol=0, atol=0)
    batched = memory_matrix(q, E, U, torch.stack([targets, targets.flip(0)]).to(dtype))
    torch.testing.assert_close(batched[1], memory_matrix(q, E, U, targets.flip(0)), rtol=0, atol=0)


@pytest.mark.parametrize("pred_shape, target_shape", [((3, 4), (2, 4)), ((2, 3, 4), (3, 2, 4)),
                                                      ((5, 4), (4, 5, 4, 4))])
def test_generalization_error_rejects_shapes_that_do_not_broadcast(pred_shape, target_shape):
    p = zipf(4, 1.0)
    with pytest.raises(ValueError, match=r"^pred and targets must have broadcastable shapes"):
        generalization_error(torch.zeros(pred_shape, dtype=torch.long),
                             torch.zeros(target_shape, dtype=torch.long), p)


def test_generalization_error_mixed_integer_dtypes():
    p = zipf(6, 1.0)
    pred = torch.tensor([0, 1, 2, 0, 255, 2], dtype=torch.uint8)
    targets = torch.tensor([0, 1, 2, 0, 1, 1], dtype=torch.int32)
    err = generalization_error(pred, targets, p)
    assert err.item() == pytest.approx(p[4].item() + p[5].item(), abs=1e-15)
    assert generalization_error(pred[None].long(), targets.to(torch.int8), p).tolist() == [err.item()]


@pytest.mark.parametrize("which", ["pred", "targets"])
def test_generalization_error_rejects_negative_outputs(which):
    p = zipf(4, 1.0)
    good, bad = torch.arange(4), torch.tensor([[0, 1, 2, 3], [0, -1, 2, 3]])
    args = dict(pred=good, targets=good, p=p)
    args[which] = bad
    with pytest.raises(ValueError, match=rf"^{which} must hold outputs >= 0"):
        generalization_error(**args)


def test_batched_q_with_shared_embeddings_stores_one_memory_per_trial():
    rng = np.random.default_rng(3)
    N, M, d, trials = 6, 3, 5, 4
    q = torch.from_numpy(rng.random((trials, N)))
    E = torch.from_numpy(rng.standard_normal((N, d)))          # shared by every trial
    U = torch.from_numpy(rng.standard_normal((M, d)))
    targets = torch.from_numpy(rng.integers(0, M, N))
    W = memory_matrix(q, E, U, targets)
    assert W.shape == (trials, d, d)
    for t in range(trials):
        torch.testing.assert_close(W[t], memory_matrix(q[t], E, U, targets), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(W[t].numpy(), brute_memory(q[t], E, U, targets), atol=1e-10)
    s = scores(W, E, U)                                        # batched W, shared E and U
    assert s.shape == (trials, N, M)
    for t in range(trials):
        torch.testing.assert_close(s[t], scores(W[t], E, U), rtol=1e-12, atol=1e-12)
    assert torch.equal(decode(W, E, U), s.argmax(-1))
    # different weights give different memories: the trials are not one broadcast copy
    assert not torch.allclose(W[0], W[1])


def test_fewer_inputs_than_outputs_one_dimension_and_two_outputs():
    # N < M: every input decodes to its own output with orthonormal embeddings
    E = torch.eye(5, dtype=torch.float64)[:2]
    U = torch.eye(5, dtype=torch.float64)
    targets = torch.tensor([4, 1])
    assert decode(memory_matrix(torch.ones(2), E, U, targets), E, U).tolist() == [4, 1]
    # d = 1, M = 2: scores are products of scalars, u_y w e_x
    W = memory_matrix(torch.tensor([2.0]), torch.tensor([[3.0]]), torch.tensor([[1.0], [-1.0]]),
                      torch.tensor([1]))
    assert W.tolist() == [[-6.0]]
    assert scores(W, torch.tensor([[1.0]]), torch.tensor([[1.0], [-1.0]])).tolist() == [[-6.0, 6.0]]
    assert decode(W, torch.tensor([[1.0]]), torch.tensor([[1.0], [-1.0]])).tolist() == [1]


# ----------------------------------------------------------------------------- mutation-testing additions

def test_memory_matrix_device_mismatch_message_lists_every_argument():
    """A tensor on another device (``meta`` stands in for a GPU here) is named in the message."""
    targets = torch.zeros(3, dtype=torch.long, device="meta")
    with pytest.raises(ValueError, match=r"^q and E and U and targets must be on the same device, "
                                         r"got q on cpu, E on cpu, U on cpu, targets on meta$"):
        memory_matrix(torch.ones(3), torch.eye(3), torch.eye(3), targets)


@pytest.mark.parametrize("which", ["pred", "targets"])
def test_generalization_error_device_mismatch_message_lists_every_argument(which):
    args = dict(pred=torch.zeros(3, dtype=torch.long), targets=torch.zeros(3, dtype=torch.long),
                p=torch.full((3,), 1 / 3, dtype=torch.float64))
    args[which] = args[which].to("meta")
    where = {"pred": "cpu", "targets": "cpu", which: "meta"}
    with pytest.raises(ValueError, match=rf"^pred and targets and p must be on the same device, got pred on "
                                         rf"{where['pred']}, targets on {where['targets']}, p on cpu$"):
        generalization_error(**args)


@pytest.mark.parametrize("which", ["E", "U"])
def test_memory_matrix_rejects_integer_embeddings_by_name(which):
    args = dict(q=torch.ones(3), E=torch.eye(3), U=torch.eye(3), targets=torch.tensor([0, 1, 2]))
    args[which] = args[which].long()
    with pytest.raises(TypeError, match=rf"^{which} must be a floating-point tensor"):
        memory_matrix(**args)
    # both integer: still refused (no silent integer memory)
    with pytest.raises(TypeError, match=r"^E must be a floating-point tensor"):
        memory_matrix(torch.ones(3), torch.eye(3).long(), torch.eye(3).long(), torch.tensor([0, 1, 2]))


@pytest.mark.parametrize("fn", [scores, decode])
@pytest.mark.parametrize("which", [0, 1, 2])
def test_scores_reject_integer_inputs_by_name(fn, which):
    args = [torch.eye(3), torch.eye(3), torch.eye(3)]
    args[which] = args[which].long()
    with pytest.raises(TypeError, match=rf"^{'WEU'[which]} must be a floating-point tensor"):
        fn(*args)
    with pytest.raises(TypeError, match=r"^W must be a floating-point tensor"):
        fn(*(a.long() for a in args))


def test_overflow_messages_name_the_inputs_to_rescale():
    W = torch.eye(2, dtype=torch.float64) * 1e300
    E = torch.tensor([[1e300, -1e300], [1.0, 2.0]], dtype=torch.float64)
    U = torch.tensor([[1.0, 1.0], [0.0, 1.0]], dtype=torch.float64)
    with pytest.raises(ValueError, match=r"^the scores overflowed \(NaN or inf\) although W, E and U are "
                                         r"finite: rescale W, E and U$"):
        scores(W, E, U)
    with pytest.raises(ValueError, match=r"^W overflowed \(NaN or inf\) although q, E and U are finite: "
                                         r"rescale q, E and U$"):
        memory_matrix(torch.full((2,), 1e300, dtype=torch.float64), E, U, torch.tensor([0, 1]))


def test_memory_matrix_trials_mismatch_names_the_argument():
    q, E = torch.ones(3, 4), torch.randn(2, 4, 5)
    with pytest.raises(ValueError, match=r"^E has 2 trials, expected 1 or 3$"):
        memory_matrix(q, E, torch.randn(2, 5), torch.tensor([0, 1, 0, 1]))


def test_scores_dimension_messages_with_a_trials_dimension():
    W = torch.randn(2, 4, 6)                         # [trials, d_out=4, d_in=6]
    with pytest.raises(ValueError, match=r"^U has dimension 3 but W has 4 rows \(d_out\)$"):
        scores(W, torch.randn(2, 5, 6), torch.randn(2, 5, 3))
    with pytest.raises(ValueError, match=r"^E has dimension 7 but W has 6 columns \(d_in\)$"):
        scores(W, torch.randn(2, 5, 7), torch.randn(2, 5, 4))
