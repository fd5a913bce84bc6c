"""Tests for amtools.models: the GPT and memory-mosaic language models, parity, sampling."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from amtools import models as lm
from amtools import mosaics as mm
from amtools.mosaics import count_parameters
from seeded import gen

pytestmark = pytest.mark.usefixtures("one_thread")

FAST = settings(max_examples=12, deadline=None, database=None)
SEEDS = st.integers(0, 2**31 - 1)
MAKERS = {"gpt": lm.gpt, "mosaic": lm.mosaic_lm}


def model(kind: str, vocab: int = 20, seed: int = 0, **kw) -> torch.nn.Module:
    kw = {"d": 16, "heads": 2, "context": 24} | kw
    return MAKERS[kind](vocab, generator=gen(seed), **kw).eval()


# ============================================================================ config

def test_config_defaults_and_validation():
    c = lm.LMConfig(20)
    assert (c.vocab, c.d, c.layers, c.heads, c.context, c.mlp, c.slots, c.dropout) == (20, 64, 1, 4, 192, True,
                                                                                     None, 0.0)
    assert c.head_dim == 16 and c.memory_slots == lm.parity_slots(20, 64, 1, 4, 192)
    assert lm.LMConfig(20, slots=7).memory_slots == 7
    for kw, name in [({"vocab": 0}, "vocab"), ({"d": 0}, "d"), ({"layers": 0}, "layers"),
                     ({"heads": 0}, "heads"), ({"context": 0}, "context"), ({"slots": 0}, "slots"),
                     ({"dropout": -0.1}, "dropout"), ({"dropout": 1.0}, "dropout"),
                     ({"d": 10, "heads": 4}, "heads")]:
        with pytest.raises(ValueError, match=name):
            lm.LMConfig(**({"vocab": 20} | kw))
    for kw, name in [({"vocab": 2.0}, "vocab"), ({"d": "64"}, "d"), ({"mlp": 1}, "mlp"),
                     ({"layers": True}, "layers"), ({"dropout": "0"}, "dropout")]:
        with pytest.raises(TypeError, match=name):
            lm.LMConfig(**({"vocab": 20} | kw))
    with pytest.raises(TypeError, match="config"):
        lm.GPT({"vocab": 20})
    with pytest.raises(TypeError, match="generator"):
        lm.mosaic_lm(20, generator=3)


# ============================================================================ shapes and structure

@pytest.mark.parametrize("kind", MAKERS)
@pytest.mark.parametrize("mlp", [True, False])
def test_shapes_and_finite(kind, mlp):
    m = model(kind, layers=2, mlp=mlp)
    for T in (1, 5, 24):
        logits = m(torch.randint(0, 20, (3, T), generator=gen(T)))
        assert logits.shape == (3, T, 20) and logits.dtype == torch.float32
        assert torch.isfinite(logits).all()


@pytest.mark.parametrize("kind", MAKERS)
def test_input_errors(kind):
    m = model(kind)
    with pytest.raises(ValueError, match="context"):
        m(torch.zeros(1, 25, dtype=torch.long))                  # T > context
    with pytest.raises(ValueError, match="tokens"):
        m(torch.tensor([[0, 20]]))                               # id >= vocab
    with pytest.raises(ValueError, match="tokens"):
        m(torch.tensor([[-1, 0]]))
    with pytest.raises(TypeError, match="tokens"):
        m(torch.zeros(1, 3))                                     # float ids
    with pytest.raises(ValueError, match="tokens"):
        m(torch.zeros(3, dtype=torch.long))                      # not [B, T]
    with pytest.raises(ValueError, match="tokens"):
        m(torch.zeros(1, 0, dtype=torch.long))


def test_same_embedding_convention():
    """Both models share the tied embedding, its init and the final LayerNorm without bias."""
    g, m = model("gpt", seed=3), model("mosaic", seed=3)
    for net in (g, m):
        assert net.ln_f.bias is None and net.embedding.shape == (20, 16)
        names = {n for n, _ in net.named_parameters()}
        assert not any("bias" in n for n in names)
    torch.testing.assert_close(g.embedding, m.embedding)         # same draw first
    assert hasattr(g, "positions") and not hasattr(m, "positions")
    assert all(isinstance(b.mix, mm.ContextualMemory) and isinstance(b.mem, mm.PersistentMemory)
               for b in m.blocks)


def test_logits_are_tied_readout():
    m = model("mosaic")
    x = torch.randint(0, 20, (2, 7), generator=gen(1))
    h = m.embedding[x]
    for b in m.blocks:
        h = b(h)
    torch.testing.assert_close(m(x), m.ln_f(h) @ m.embedding.T / math.sqrt(16))


def test_mosaic_blocks_are_the_mosaics_units():
    m = lm.mosaic_lm(10, d=8, heads=2, context=30, generator=gen(0))
    assert type(m.blocks[0].mix) is mm.ContextualMemory and type(m.blocks[0].mem) is mm.PersistentMemory


# ============================================================================ causality

@FAST
@given(kind=st.sampled_from(list(MAKERS)), layers=st.sampled_from([1, 2]), mlp=st.booleans(),
       heads=st.sampled_from([1, 2, 4]), T=st.integers(2, 24), data=st.data(), seed=SEEDS)
def test_causal(kind, layers, mlp, heads, T, data, seed):
    """Changing token s leaves every logit before s bitwise unchanged (and does change logit s)."""
    m = model(kind, seed=seed % 1000, layers=layers, mlp=mlp, heads=heads)
    x = torch.randint(0, 20, (2, T), generator=gen(seed))
    s = data.draw(st.integers(0, T - 1))
    y = x.clone()
    y[:, s] = (y[:, s] + data.draw(st.integers(1, 19))) % 20
    a, b = m(x), m(y)
    assert torch.equal(a[:, :s], b[:, :s])
    assert not torch.equal(a[:, s], b[:, s])


@pytest.mark.parametrize("kind", MAKERS)
def test_causal_gradients(kind):
    """The gradient of the logits at t reaches no input position after t (train mode, dropout 0)."""
    m = model(kind, layers=2).train()
    x = torch.randint(0, 20, (1, 12), generator=gen(5))
    h0 = m._embed(x).detach().requires_grad_(True)
    h = h0
    for b in m.blocks:
        h = b(h)
    (g,) = torch.autograd.grad(m._readout(h)[0, 4].sum(), h0)
    assert torch.count_nonzero(g[0, 5:]) == 0 and torch.count_nonzero(g[0, 4]) > 0


# ============================================================================ parameter counts

@settings(max_examples=25, deadline=None, database=None)
@given(vocab=st.integers(2, 300), dh=st.sampled_from([4, 8, 16, 32]), heads=st.sampled_from([1, 2, 4, 8]),
       layers=st.integers(1, 4), context=st.integers(1, 512))
def test_parameter_parity(vocab, dh, heads, layers, context):
    d = dh * heads
    g = lm.gpt(vocab, d=d, layers=layers, heads=heads, context=context)
    m = lm.mosaic_lm(vocab, d=d, layers=layers, heads=heads, context=context)
    ng, nm = count_parameters(g), count_parameters(m)
    assert abs(ng - nm) <= 0.02 * ng
    assert abs(ng - nm) <= d * layers                             # only the rounding of N
    # the documented formula
    N = max(1, round(3.5 * d + context / (2 * layers) - 3.5 * heads / d))
    assert lm.parity_slots(vocab, d, layers, heads, context) == N == m.config.memory_slots


@pytest.mark.parametrize("mlp", [True, False])
@pytest.mark.parametrize("layers", [1, 2])
def test_parameter_counts_by_hand(mlp, layers):
    V, d, H, C = 45, 64, 4, 192
    N = lm.parity_slots(V, d, layers, H, C)
    gpt_count = V * d + C * d + layers * ((12 if mlp else 4) * d * d + (2 if mlp else 1) * d) + d
    mosaic_count = V * d + layers * (3 * d * d + 4 * H + (2 * d * d + 2 * N * d + 3 * H + 2 * d if mlp else d)) + d
    assert count_parameters(lm.gpt(V, layers=layers, mlp=mlp)) == gpt_count
    assert count_parameters(lm.mosaic_lm(V, layers=layers, mlp=mlp)) == mosaic_count
    assert N == (320 if layers == 1 else 272)


def test_parity_slots_validation():
    with pytest.raises(ValueError, match="heads"):
        lm.parity_slots(20, 10, 1, 4, 192)
    with pytest.raises(ValueError, match="context"):
        lm.parity_slots(20, 64, 1, 4, 0)
    with pytest.raises(TypeError, match="layers"):
        lm.parity_slots(20, 64, 1.0, 4, 192)


# ============================================================================ init and dropout

@pytest.mark.parametrize("kind", MAKERS)
def test_generator_reproducible(kind):
    a, b, c = model(kind, seed=1), model(kind, seed=1), model(kind, seed=2)
    for (n, p), (_, q), (_, r) in zip(a.named_parameters(), b.named_parameters(), c.named_parameters()):
        assert torch.equal(p, q), n
    assert not all(torch.equal(p, r) for p, r in zip(a.parameters(), c.parameters()))


@pytest.mark.parametrize("kind", MAKERS)
def test_dropout_only_in_training(kind):
    m = model(kind, dropout=0.5)
    x = torch.randint(0, 20, (2, 10), generator=gen(0))
    assert torch.equal(m.eval()(x), m(x))
    m.train()
    torch.manual_seed(0)
    assert not torch.equal(m(x), m.eval()(x))


# ============================================================================ generate

@pytest.mark.parametrize("kind", MAKERS)
def test_greedy_is_argmax_rollout(kind):
    m = model(kind, context=8)
    prompt = torch.randint(0, 20, (3, 5), generator=gen(2))
    out = lm.generate(m, prompt, 12, temperature=0)
    assert out.shape == (3, 17) and torch.equal(out[:, :5], prompt)
    assert torch.equal(out, lm.generate(m, prompt, 12, temperature=0.0, generator=gen(9)))
    seq = prompt
    for _ in range(12):                                           # the sliding window of 8 tokens
        nxt = m(seq[:, -8:])[:, -1].argmax(-1)
        seq = torch.cat([seq, nxt[:, None]], 1)
    assert torch.equal(out, seq)


def test_sliding_window_matters_for_gpt():
    """Past the context the window slides (GPT would reject a longer input)."""
    m = model("gpt", context=4)
    out = lm.generate(m, torch.zeros(1, 6, dtype=torch.long), 3, temperature=0)
    assert out.shape == (1, 9)


@pytest.mark.parametrize("kind", MAKERS)
def test_sampling(kind):
    m = model(kind).train()
    prompt = torch.randint(0, 20, (4, 3), generator=gen(1))
    a = lm.generate(m, prompt, 10, generator=gen(0))
    assert m.training                                             # mode restored
    assert torch.equal(a, lm.generate(m, prompt, 10, generator=gen(0)))
    assert a.min() >= 0 and a.max() < 20
    top1 = lm.generate(m, prompt, 10, top_k=1, generator=gen(4))
    assert torch.equal(top1, lm.generate(m, prompt, 10, temperature=0))
    assert torch.equal(lm.generate(m, prompt, 0), prompt)
    # top_k = 3: every sampled token is among the 3 largest logits of its step
    out = lm.generate(m, prompt, 6, top_k=3, temperature=2.0, generator=gen(5))
    with torch.no_grad():
        m.eval()
        for t in range(3, 9):
            top = m(out[:, :t][:, -24:])[:, -1].topk(3).indices
            assert (top == out[:, t:t + 1]).any(-1).all()


def test_generate_errors():
    m = model("mosaic")
    p = torch.zeros(1, 2, dtype=torch.long)
    for kw, err, name in [({"temperature": -1.0}, ValueError, "temperature"),
                          ({"top_k": 0}, ValueError, "top_k"), ({"top_k": 21}, ValueError, "top_k"),
                          ({"top_k": 2.0}, TypeError, "top_k"), ({"generator": 1}, TypeError, "generator")]:
        with pytest.raises(err, match=name):
            lm.generate(m, p, 3, **kw)
    with pytest.raises(ValueError, match="steps"):
        lm.generate(m, p, -1)
    with pytest.raises(ValueError, match="prompt"):
        lm.generate(m, torch.tensor([[25]]), 1)
    with pytest.raises(TypeError, match="prompt"):
        lm.generate(m, [[1, 2]], 1)
    with pytest.raises(TypeError, match="model"):
        lm.generate(torch.nn.Linear(2, 2), p, 1)
