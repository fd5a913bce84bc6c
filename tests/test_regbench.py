"""Tests of amtools.regbench: the automata, the examples, the splits, the batches and the two metrics."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amtools import regbench as rb

PROPS = settings(max_examples=40, deadline=None, database=None, derandomize=True,
                 suppress_health_check=list(HealthCheck))
A, B, C = 0, 1, 2          # letter ids of "a", "b", "c"


def tiny() -> rb.Automaton:
    """3 states over {a, b, c}: 0 -a-> 1, 0 -b-> 2, 1 -c-> 2, 2 -a-> 0, 2 -c-> 1."""
    T = torch.full((3, 18), -1, dtype=torch.long)
    T[0, A], T[0, B], T[1, C], T[2, A], T[2, C] = 1, 2, 2, 0, 1
    return rb.Automaton(3, (A, B, C), T)


def _edges(a: rb.Automaton) -> list[dict[int, int]]:
    return [{s: int(t) for s, t in enumerate(row) if t >= 0} for row in a.transitions.tolist()]


# ============================================================================ the automaton

def test_vocabulary_constants() -> None:
    assert rb.LETTERS == "abcdefghijklmnopqr" and len(rb.LETTERS) == rb.N_LETTERS == 18
    assert (rb.VOCAB, rb.SEP_ID, rb.PAD_ID) == (20, 18, 19)
    assert rb.decode(rb.encode("abr|.")) == "abr|."
    assert rb.encode("ab|.").tolist() == [0, 1, 18, 19]
    assert rb.decode([0, -100, 18]) == "a|"


def test_tiny_automaton_walks() -> None:
    a = tiny()
    assert a.accepts([]) and a.accepts([A, C, A]) and a.accepts([B, C, C, A])
    assert not a.accepts([C]) and not a.accepts([A, A]) and not a.accepts([A, rb.SEP_ID, B])
    assert a.valid_next([]) == (A, B)
    assert a.valid_next([A]) == (C,)
    assert a.valid_next([A, C]) == (A, C)
    assert a.valid_next([A, C, rb.SEP_ID]) == (A, B)        # a separator restarts from state 0
    assert a.valid_next([C]) == ()
    q = a.next_distribution(torch.tensor([B]))
    assert q.dtype == torch.float64 and q.shape == (20,)
    assert q[A] == q[C] == 0.5 and q.sum() == 1.0
    with pytest.raises(ValueError, match="prefix"):
        a.next_distribution([C])


@PROPS
@given(seed=st.integers(0, 2**32), states=st.tuples(st.integers(4, 12), st.integers(0, 8)),
       alphabet=st.tuples(st.integers(3, 18), st.integers(0, 18)),
       degree=st.tuples(st.integers(1, 3), st.integers(0, 2)))
def test_random_automaton_respects_the_ranges(seed: int, states: tuple[int, int], alphabet: tuple[int, int],
                                              degree: tuple[int, int]) -> None:
    d_lo, d_hi = degree[0], min(3, degree[0] + degree[1])
    s_range = (states[0], states[0] + states[1])
    a_range = (max(alphabet[0], d_hi), min(18, max(alphabet[0], d_hi) + alphabet[1]))
    a = rb.random_automaton(states=s_range, alphabet=a_range, out_degree=(d_lo, d_hi),
                            generator=torch.Generator().manual_seed(seed))
    assert s_range[0] <= a.n_states <= s_range[1]
    assert a_range[0] <= len(a.alphabet) <= a_range[1]
    assert a.transitions.shape == (a.n_states, 18)
    for s, edges in enumerate(_edges(a)):
        assert d_lo <= len(edges) <= d_hi                        # out-degree in range (so >= 1)
        assert s not in edges.values()                           # no self-loops
        assert len(set(edges.values())) == len(edges)            # distinct targets
        assert set(edges) <= set(a.alphabet)                     # letters of the alphabet only


@PROPS
@given(seed=st.integers(0, 2**32))
def test_every_emitted_string_is_accepted(seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    a = rb.random_automaton(generator=g)
    ex = rb.sample_example(a, generator=g)
    text = rb.decode(ex)
    assert not text.startswith("|") and not text.endswith("|") and "||" not in text
    strings = text.split("|")
    assert 10 <= len(strings) <= 19
    for s in strings:
        assert 1 <= len(s) <= 11
        assert a.accepts(rb.encode(s))


def test_sample_example_is_reproducible_and_ranges_are_inclusive() -> None:
    a = tiny()
    x = rb.sample_example(a, generator=torch.Generator().manual_seed(3))
    y = rb.sample_example(a, generator=torch.Generator().manual_seed(3))
    assert torch.equal(x, y)
    lengths = set()
    for seed in range(40):
        ex = rb.sample_example(a, strings=4, length=(2, 3), generator=torch.Generator().manual_seed(seed))
        parts = rb.decode(ex).split("|")
        assert len(parts) == 4
        lengths.update(len(p) for p in parts)
    assert lengths == {2, 3}


def test_the_pfa_is_uniform_over_out_edges() -> None:
    """After 'b' (state 2) the next letter is 'a' or 'c', each about half of the time."""
    ex = rb.sample_examples([tiny()] * 200, strings=19, length=2, generator=torch.Generator().manual_seed(0))
    text = "|".join(rb.decode(e) for e in ex)
    after_b = [s[1] for s in text.split("|") if s[0] == "b"]
    share = after_b.count("a") / len(after_b)
    assert set(after_b) == {"a", "c"} and abs(share - 0.5) < 0.06


# ============================================================================ canonical hash and splits

def test_the_key_ignores_state_names_and_unreachable_or_redundant_states() -> None:
    a = tiny()
    # swap states 1 and 2: the same language
    T = torch.full((3, 18), -1, dtype=torch.long)
    T[0, A], T[0, B], T[2, C], T[1, A], T[1, C] = 2, 1, 1, 0, 2
    assert rb.Automaton(3, (A, B, C), T) == a and rb.Automaton(3, (A, B, C), T).key == a.key
    # add an unreachable state 3
    T4 = torch.full((4, 18), -1, dtype=torch.long)
    T4[:3] = a.transitions
    T4[3, A] = 0
    assert rb.Automaton(4, (A, B, C), T4).key == a.key
    # two states with the same future merge: 0 -a-> 1, 0 -b-> 2, 1 -a-> 0, 2 -a-> 0 is the language of 0 -a|b-> 1 -a-> 0
    T5 = torch.full((3, 18), -1, dtype=torch.long)
    T5[0, A], T5[0, B], T5[1, A], T5[2, A] = 1, 2, 0, 0
    T6 = torch.full((2, 18), -1, dtype=torch.long)
    T6[0, A], T6[0, B], T6[1, A] = 1, 1, 0
    assert rb.Automaton(3, (A, B), T5).key == rb.Automaton(2, (A, B), T6).key
    # a different language
    T7 = a.transitions.clone()
    T7[1, C], T7[1, B] = -1, 2
    assert rb.Automaton(3, (A, B, C), T7).key != a.key
    assert len({a, rb.Automaton(3, (A, B, C), T), rb.Automaton(3, (A, B, C), T7)}) == 2


def test_splits_are_distinct_reproducible_and_disjoint() -> None:
    train = rb.make_split(300, seed=0)
    test = rb.make_split(200, seed=1, exclude=set(train))
    assert len(train) == 300 and len(test) == 200
    assert len({a.key for a in train}) == 300 and len({a.key for a in test}) == 200
    assert not {a.key for a in train} & {a.key for a in test}
    assert [a.key for a in rb.make_split(300, seed=0)] == [a.key for a in train]
    # exclude also takes keys
    again = rb.make_split(20, seed=0, exclude={a.key for a in train[:10]})
    assert not {a.key for a in again} & {a.key for a in train[:10]}


def test_a_split_too_large_for_its_ranges_is_refused() -> None:
    # 2 states, 1 letter, out-degree 1: one language per letter (x x x ...), 18 in all
    assert len(rb.make_split(18, seed=0, states=2, alphabet=1, out_degree=1)) == 18
    with pytest.raises(ValueError, match="n_automata"):
        rb.make_split(19, seed=0, states=2, alphabet=1, out_degree=1)


# ============================================================================ batches

@PROPS
@given(seed=st.integers(0, 2**32), n=st.integers(1, 6))
def test_targets_are_ignored_exactly_at_separators_and_pads(seed: int, n: int) -> None:
    g = torch.Generator().manual_seed(seed)
    automata = [rb.random_automaton(generator=g) for _ in range(n)]
    examples = rb.sample_examples(automata, strings=(2, 5), length=(1, 6), generator=g)
    inputs, targets = rb.batch(examples)
    assert inputs.shape == targets.shape == (n, max(e.numel() for e in examples) - 1)
    for b, e in enumerate(examples):
        L = e.numel() - 1
        assert torch.equal(inputs[b, :L], e[:-1])
        assert (inputs[b, L:] == rb.PAD_ID).all() and (targets[b, L:] == -100).all()
        nxt = e[1:]
        assert torch.equal(targets[b, :L] == -100, nxt == rb.SEP_ID)
        assert torch.equal(targets[b, :L][nxt != rb.SEP_ID], nxt[nxt != rb.SEP_ID])
    scored = targets != -100
    assert torch.equal(rb.scored_mask(inputs), scored)
    assert ((targets[scored] >= 0) & (targets[scored] < 18)).all()   # the scored targets are the letters


def test_batch_by_hand() -> None:
    inputs, targets = rb.batch([rb.encode("ac|b"), rb.encode("b|a")])
    assert rb.decode(inputs[0]) == "ac|" and rb.decode(inputs[1]) == "b|."
    assert targets.tolist() == [[C, -100, B], [-100, A, -100]]


# ============================================================================ metrics

def _logits_from(p: dict[tuple[int, int], dict[int, float]], shape: tuple[int, int]) -> torch.Tensor:
    """Logits log(p) for the given rows (exp(-60) ~ 1e-26 stands for 0); other positions get noise."""
    logits = torch.randn(*shape, 20, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    for (b, t), probs in p.items():
        row = torch.full((20,), -60.0, dtype=torch.float64)
        for v, pv in probs.items():
            row[v] = math.log(pv)
        logits[b, t] = row
    return logits


def test_metrics_equal_hand_computed_values() -> None:
    """Batch of "ac|b" and "b|a" on the tiny automaton; the scored positions are (0, 0), (0, 2), (1, 1).

    (0, 0): current string "a" (state 1), valid {c}: q = (c: 1).
            p = (c: 0.5, a: 0.25, |: 0.25); argmax c is valid (1); TVD = 1/2 (0.5 + 0.25 + 0.25) = 0.5.
    (0, 2): after "|", current string "" (state 0), valid {a, b}: q = (a: 0.5, b: 0.5).
            p = (c: 0.6, a: 0.2, b: 0.2); argmax c is not valid (0); TVD = 1/2 (0.6 + 0.3 + 0.3) = 0.6.
    (1, 1): after "|", valid {a, b}, q = (a: 0.5, b: 0.5).
            p = (b: 0.7, a: 0.3); argmax b is valid (1); TVD = 1/2 (0.2 + 0.2) = 0.2.
    (0, 1) (target "|"), (1, 0) (target "|") and (1, 2) (pad) are not scored: their logits (noise) do not count.
    Accuracy = (1 + 0 + 1) / 3 = 2/3; TVD = (0.5 + 0.6 + 0.2) / 3 = 1.3 / 3.
    """
    a = tiny()
    inputs, targets = rb.batch([rb.encode("ac|b"), rb.encode("b|a")])
    assert (targets != -100).nonzero().tolist() == [[0, 0], [0, 2], [1, 1]]
    logits = _logits_from({(0, 0): {C: 0.5, A: 0.25, rb.SEP_ID: 0.25},
                           (0, 2): {C: 0.6, A: 0.2, B: 0.2},
                           (1, 1): {B: 0.7, A: 0.3}}, tuple(inputs.shape))
    assert rb.accuracy(logits, inputs, [a, a]) == pytest.approx(2 / 3, abs=1e-12)
    assert rb.total_variation(logits, inputs, [a, a]) == pytest.approx(1.3 / 3, abs=1e-12)
    q = rb.true_distribution(inputs, [a, a])
    assert q[0, 0].tolist() == [0, 0, 1] + [0] * 17
    assert q[0, 2, :2].tolist() == [0.5, 0.5] and q[1, 1, :2].tolist() == [0.5, 0.5]
    mask = rb.valid_mask(inputs, [a, a])
    assert mask.shape == (2, 3, 20) and mask[0, 1].nonzero().flatten().tolist() == [A, C]   # after "ac": state 2


@PROPS
@given(seed=st.integers(0, 2**32), n=st.integers(1, 5))
def test_perfect_logits_score_one_and_zero(seed: int, n: int) -> None:
    g = torch.Generator().manual_seed(seed)
    automata = [rb.random_automaton(generator=g) for _ in range(n)]
    inputs, _ = rb.batch(rb.sample_examples(automata, generator=g))
    q = rb.true_distribution(inputs, automata)
    logits = torch.where(q > 0, q.log(), torch.full_like(q, -80.0))    # softmax = q (to 1e-30)
    assert rb.accuracy(logits, inputs, automata) == 1.0
    assert rb.total_variation(logits, inputs, automata) == pytest.approx(0.0, abs=1e-12)
    # against each row's own automaton q is a distribution over its valid letters
    scored = rb.scored_mask(inputs)
    assert torch.allclose(q[scored].sum(-1), torch.ones(int(scored.sum()), dtype=torch.float64))
    # the uniform model: TVD strictly between 0 and 1
    tvd = rb.total_variation(torch.zeros_like(logits), inputs, automata)
    assert 0.0 < tvd < 1.0


def test_the_mask_agrees_with_the_automaton_methods() -> None:
    g = torch.Generator().manual_seed(5)
    automata = rb.make_split(4, seed=3)
    examples = rb.sample_examples(automata, strings=3, length=(1, 4), generator=g)
    inputs, _ = rb.batch(examples)
    mask = rb.valid_mask(inputs, automata)
    for b, (a, e) in enumerate(zip(automata, examples)):
        for t in range(e.numel() - 1):
            allowed = tuple(mask[b, t].nonzero().flatten().tolist())
            assert allowed == a.valid_next(e[: t + 1])


def test_metrics_refuse_inconsistent_inputs() -> None:
    a = tiny()
    inputs, _ = rb.batch([rb.encode("ac|b")])
    logits = torch.zeros(1, 3, 20)
    with pytest.raises(ValueError, match="automata"):
        rb.accuracy(logits, inputs, [a, a])
    with pytest.raises(ValueError, match="logits"):
        rb.accuracy(logits[:, :2], inputs, [a])
    with pytest.raises(ValueError, match="inputs"):
        rb.total_variation(logits, rb.encode("cc|")[None], [a])       # "c" is not a string of the automaton
    with pytest.raises(ValueError, match="scored"):
        rb.accuracy(torch.zeros(1, 2, 20), torch.full((1, 2), rb.PAD_ID), [a])   # only padding: nothing scored
    with pytest.raises(TypeError, match="logits"):
        rb.accuracy(logits.long(), inputs, [a])


# ============================================================================ validation

def test_validation_errors() -> None:
    with pytest.raises(ValueError, match="out_degree"):
        rb.random_automaton(states=(3, 5), out_degree=(1, 3))
    with pytest.raises(ValueError, match="alphabet"):
        rb.random_automaton(alphabet=(2, 5))
    with pytest.raises(ValueError, match="states"):
        rb.random_automaton(states=(6, 4))
    with pytest.raises(TypeError, match="generator"):
        rb.random_automaton(generator=3)
    with pytest.raises(TypeError, match="automaton"):
        rb.sample_example("dfa")
    with pytest.raises(ValueError, match="length"):
        rb.sample_example(tiny(), length=(0, 3))
    with pytest.raises(TypeError, match="exclude"):
        rb.make_split(3, seed=0, exclude="abc")
    with pytest.raises(ValueError, match="examples"):
        rb.batch([torch.tensor([0])])
    T = tiny().transitions.clone()
    T[1, 1] = 1
    T[1, C] = -1
    rb.Automaton(3, (A, B, C), T)                                    # a self-loop is a valid DFA (not generated)
    T[1, B] = -1
    with pytest.raises(ValueError, match="out-edge"):
        rb.Automaton(3, (A, B, C), T)
    with pytest.raises(ValueError, match="alphabet"):
        rb.Automaton(3, (A, B), tiny().transitions)
    with pytest.raises(ValueError, match="transitions"):
        rb.Automaton(4, (A, B, C), tiny().transitions)
