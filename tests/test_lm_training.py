"""Tests for amtools.lm_training: the schedule, the optimizer groups, the losses and the loop."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from amtools import lm_training as tr
from amtools import models as lm
from seeded import gen

pytestmark = pytest.mark.usefixtures("one_thread")

FAST = settings(max_examples=20, deadline=None, database=None)


def tiny(kind: str = "mosaic", seed: int = 0, **kw) -> torch.nn.Module:
    make = lm.mosaic_lm if kind == "mosaic" else lm.gpt
    return make(12, **({"d": 16, "heads": 2, "context": 16, "mlp": False} | kw), generator=gen(seed))


def copy_batches(B: int = 16, T: int = 16, vocab: int = 12, seed: int = 0):
    """Second half of each sequence repeats the first; only the copied half is scored."""
    g = gen(seed)

    def batches(step: int):
        half = torch.randint(0, vocab, (B, T // 2 + 1), generator=g)
        seq = torch.cat([half, half], 1)[:, : T + 1]
        targets = seq[:, 1:].clone()
        targets[:, : T // 2] = -100
        return seq[:, :-1], targets
    return batches


# ============================================================================ config and schedule

def test_config_defaults_and_validation():
    c = tr.LMTrainConfig(100)
    assert (c.batch_size, c.lr, c.betas, c.weight_decay, c.warmup, c.min_lr_ratio, c.grad_clip,
            c.eval_every) == (32, 3e-3, (0.9, 0.95), 0.1, 0.1, 0.1, 1.0, 0)
    for kw, err, name in [({"steps": 0}, ValueError, "steps"), ({"lr": 0.0}, ValueError, "lr"),
                          ({"betas": (0.9, 1.0)}, ValueError, "betas"), ({"betas": 0.9}, TypeError, "betas"),
                          ({"weight_decay": -1.0}, ValueError, "weight_decay"),
                          ({"warmup": 1.5}, ValueError, "warmup"), ({"min_lr_ratio": 2.0}, ValueError, "min_lr_ratio"),
                          ({"grad_clip": -1.0}, ValueError, "grad_clip"),
                          ({"eval_every": -1}, ValueError, "eval_every"),
                          ({"steps": 1.5}, TypeError, "steps"), ({"eval_at_start": 1}, TypeError, "eval_at_start")]:
        with pytest.raises(err, match=name):
            tr.LMTrainConfig(**({"steps": 10} | kw))


def test_schedule_values():
    c = tr.LMTrainConfig(100, lr=1.0, warmup=0.1, min_lr_ratio=0.1)
    lr = [tr.learning_rate(s, c) for s in range(100)]
    assert lr[0] == pytest.approx(0.1) and lr[4] == pytest.approx(0.5) and lr[9] == pytest.approx(1.0)
    assert lr[10] == pytest.approx(1.0)                              # cosine starts at the peak
    mid = 10 + (99 - 10) / 2                                         # halfway through the cosine: the mean
    assert tr._lr(int(mid), c) > 0.55 > tr._lr(int(mid) + 1, c)
    assert lr[99] == pytest.approx(0.1)                              # ends at min_lr_ratio * lr
    assert all(a >= b for a, b in zip(lr[9:], lr[10:]))              # monotone decay
    assert all(a < b for a, b in zip(lr[:9], lr[1:10]))              # linear warm-up
    no_warmup = tr.LMTrainConfig(5, lr=2.0, warmup=0.0, min_lr_ratio=0.0)
    assert [tr.learning_rate(s, no_warmup) for s in range(5)] == pytest.approx(
        [2.0, 1 + math.cos(math.pi / 4), 1.0, 1 - math.cos(math.pi / 4), 0.0])
    assert tr.learning_rate(0, tr.LMTrainConfig(1, lr=0.5)) == 0.5
    with pytest.raises(ValueError, match="step"):
        tr.learning_rate(100, c)


@FAST
@given(steps=st.integers(1, 500), warmup=st.floats(0, 1), ratio=st.floats(0, 1), lr=st.floats(1e-5, 1.0))
def test_schedule_bounds(steps, warmup, ratio, lr):
    c = tr.LMTrainConfig(steps, lr=lr, warmup=warmup, min_lr_ratio=ratio)
    values = [tr.learning_rate(s, c) for s in range(steps)]
    assert all(0 <= v <= lr * (1 + 1e-12) for v in values)
    assert min(values[c.warmup_steps:] or [lr]) >= ratio * lr * (1 - 1e-9)
    assert max(values) == pytest.approx(lr) or c.warmup_steps == steps


# ============================================================================ losses

def test_lm_loss_and_token_losses_honor_ignore_index():
    m = tiny(seed=1)
    x = torch.randint(0, 12, (3, 10), generator=gen(2))
    y = torch.randint(0, 12, (3, 10), generator=gen(3))
    y[0, :4] = -100
    y[2, 7] = -100
    logits = m(x)
    keep = y != -100
    expected = F.cross_entropy(logits[keep], y[keep])
    loss = tr.lm_loss(m, x, y)
    assert loss.requires_grad
    torch.testing.assert_close(loss, expected)
    per = tr.token_losses(m, x, y)
    assert per.shape == (3, 10) and not per.requires_grad
    assert torch.isnan(per[~keep]).all() and torch.isfinite(per[keep]).all()
    torch.testing.assert_close(per[keep].mean(), expected.detach())
    all_ignored = torch.full_like(y, -100)
    assert torch.isnan(tr.token_losses(m, x, all_ignored)).all()


def test_token_losses_eval_mode_and_restores():
    m = tiny(dropout=0.5).train()
    x = torch.randint(0, 12, (2, 8), generator=gen(0))
    a = tr.token_losses(m, x, x)
    assert m.training
    torch.testing.assert_close(a, tr.token_losses(m, x, x))           # no dropout inside


def test_loss_errors():
    m = tiny()
    x = torch.zeros(2, 5, dtype=torch.long)
    with pytest.raises(ValueError, match="targets"):
        tr.lm_loss(m, x, torch.zeros(2, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="targets"):
        tr.lm_loss(m, x, torch.full((2, 5), 12))
    with pytest.raises(ValueError, match="targets"):
        tr.token_losses(m, x, torch.full((2, 5), -5))
    with pytest.raises(TypeError, match="inputs"):
        tr.lm_loss(m, x.float(), x)
    with pytest.raises(TypeError, match="model"):
        tr.lm_loss("m", x, x)


# ============================================================================ the loop

def test_weight_decay_only_on_matrices():
    m = tiny("mosaic", mlp=True)
    opt = tr._optimizer(m, tr.LMTrainConfig(3, weight_decay=0.3))
    decayed, plain = opt.param_groups
    assert decayed["weight_decay"] == 0.3 and plain["weight_decay"] == 0.0
    assert all(p.ndim >= 2 for p in decayed["params"]) and all(p.ndim < 2 for p in plain["params"])
    assert len(decayed["params"]) + len(plain["params"]) == len(list(m.parameters()))
    assert any(p is m.embedding for p in decayed["params"])
    assert any(p is m.ln_f.weight for p in plain["params"])
    # behaviour: with a negligible gradient step (lr 1e-12) the decay lr * wd = 1e-3 still shrinks the
    # matrices but leaves a LayerNorm gain where it was
    g = tiny("gpt")
    before_w, before_ln = g.embedding.detach().clone(), g.ln_f.weight.detach().clone()
    tr.train_lm(g, copy_batches(B=2, T=4), tr.LMTrainConfig(1, lr=1e-12, weight_decay=1e9, warmup=0.0),
                progress=False)
    assert g.embedding.abs().sum() < before_w.abs().sum()              # shrunk by lr * wd = 1e-3
    torch.testing.assert_close(g.ln_f.weight, before_ln, atol=1e-9, rtol=0)


@pytest.mark.parametrize("kind", ["mosaic", "gpt"])
def test_loss_decreases_on_copy_task(kind):
    torch.manual_seed(0)
    m = tiny(kind, seed=0, d=32, heads=2, layers=2 if kind == "gpt" else 1)
    log = tr.train_lm(m, copy_batches(), tr.LMTrainConfig(60, lr=3e-3), progress=False, generator=gen(0))
    first, last = sum(log.train_loss[:5]) / 5, sum(log.train_loss[-5:]) / 5
    assert last < first - 0.3, (first, last)
    assert m.training                                                 # tiny() builds in train mode
    assert log.lr[0] == pytest.approx(tr.learning_rate(0, tr.LMTrainConfig(60, lr=3e-3)))


def test_log_lengths_and_evaluate_hook():
    calls: list[tuple[int, bool, bool]] = []
    m = tiny().eval()

    def evaluate(model):
        calls.append((len(calls), model.training, torch.is_grad_enabled()))
        return {"acc": torch.tensor(0.5), "n": 3}

    c = tr.LMTrainConfig(7, eval_every=3, eval_at_start=True)
    log = tr.train_lm(m, copy_batches(B=2), c, evaluate=evaluate, progress="tiny")
    assert log.steps == [1, 2, 3, 4, 5, 6, 7]
    assert len(log.train_loss) == len(log.lr) == 7 and all(math.isfinite(v) for v in log.train_loss)
    assert log.eval_steps == [0, 3, 6, 7] and len(log.evals) == 4
    assert log.evals[0] == {"acc": 0.5, "n": 3.0} and log.final("acc") == 0.5
    assert all(not training and not grad for _, training, grad in calls)
    assert not m.training                                              # mode restored
    assert log.seconds > 0
    log = tr.train_lm(tiny(), copy_batches(B=2), tr.LMTrainConfig(4), evaluate=evaluate, progress=False)
    assert log.eval_steps == [4]
    assert tr.train_lm(tiny(), copy_batches(B=2), tr.LMTrainConfig(2), progress=False).evals == []


def test_generator_makes_dropout_reproducible():
    def run(seed):
        m = tiny(dropout=0.3)
        return tr.train_lm(m, copy_batches(B=2, seed=1), tr.LMTrainConfig(4), progress=False,
                           generator=gen(seed)).train_loss
    state = torch.get_rng_state()
    assert run(0) == run(0) and run(0) != run(1)
    assert torch.equal(state, torch.get_rng_state())                   # global RNG untouched


def test_train_errors():
    m = tiny()
    c = tr.LMTrainConfig(2)
    b = copy_batches(B=2)
    with pytest.raises(TypeError, match="batches"):
        tr.train_lm(m, 3, c)
    with pytest.raises(TypeError, match="config"):
        tr.train_lm(m, b, {"steps": 2})
    with pytest.raises(TypeError, match="evaluate"):
        tr.train_lm(m, b, c, evaluate=3)
    with pytest.raises(TypeError, match="progress"):
        tr.train_lm(m, b, c, progress=None)
    with pytest.raises(TypeError, match="generator"):
        tr.train_lm(m, b, c, generator=0)
    with pytest.raises(TypeError, match="batches"):
        tr.train_lm(m, lambda s: torch.zeros(2, 3, dtype=torch.long), c, progress=False)
    with pytest.raises(TypeError, match="evaluate"):
        tr.train_lm(m, b, c, evaluate=lambda model: 0.5, progress=False)
