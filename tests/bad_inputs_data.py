"""Bad-input specs for amtools.regbench and amtools.stories (loaded by tests/test_bad_inputs.py).

``specs(h)`` receives the test_bad_inputs module ``h`` (its ``Spec``, ``_ints``, ``_choice``, ...).
"""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st

from amtools import regbench as rb
from amtools import stories

_CACHE: dict[str, Any] = {}


def _automata() -> list[rb.Automaton]:
    if "automata" not in _CACHE:
        _CACHE["automata"] = rb.make_split(2, seed=0)
    return _CACHE["automata"]


def _examples() -> list[torch.Tensor]:
    return rb.sample_examples(_automata(), strings=(2, 3), length=(1, 3), generator=torch.Generator().manual_seed(0))


def _inputs() -> torch.Tensor:
    return rb.batch(_examples())[0]


def _logits() -> torch.Tensor:
    x = _inputs()
    return torch.randn(*x.shape, rb.VOCAB, generator=torch.Generator().manual_seed(1))


def _corpus() -> stories.Corpus:
    if "corpus" not in _CACHE:
        _CACHE["corpus"] = stories.make_corpus(train=20, validation=5, ood=5, seed=0)
    return _CACHE["corpus"]


def _story() -> stories.Story:
    return _corpus().train[0]


def _ranges(h: Any, minimum: int) -> st.SearchStrategy:
    """Values that are not an integer >= minimum nor an inclusive range (lo, hi) of such integers."""
    return st.one_of(h._ints(minimum).filter(lambda v: not (isinstance(v, (tuple, list)) and len(v) == 2)),
                     st.sampled_from([(5, 4), [minimum - 1, 5], (minimum, 10**400), (4,), (4, 5, 6), (4, 2.5),
                                      (4, None), ("4", 5), "4-12", {4: 12}, (True, 5), (4, math.nan), None,
                                      (4, torch.tensor(5.0)), b"45", {4, 5}]))


def _bad_examples() -> list[Any]:
    e = _examples()
    return [None, e[0], torch.stack([e[0][:3], e[1][:3]]), [], [e[0].double()], [e[0] > 0],
            [torch.tensor([0, 1, 20])], [torch.tensor([0, -1])], [torch.tensor([0, rb.PAD_ID])], [torch.tensor([3])],
            [e[0][None]], [e[0].tolist()], "ab|c", [e[0], None], {0: e[0]}]


def _bad_inputs() -> list[Any]:
    x = _inputs()
    return [None, x.tolist(), x.double(), x > 0, x[0], x[None], x[:, :0], x[:0], torch.full_like(x, 20),
            torch.full_like(x, -1), "ab|c", x.to(torch.complex64)]


def _bad_walk_inputs() -> list[Any]:
    """Bad inputs of valid_mask / true_distribution: the generic ones, a row count that does not match the
    automata, and a row that is not a string of its automaton."""
    x = _inputs()
    wrong = x.clone()
    wrong[0, 0] = [a for a in range(rb.N_LETTERS) if a not in _automata()[0].alphabet][0]
    return _bad_inputs() + [x[:1], wrong]


def _bad_metric_inputs() -> list[Any]:
    """Bad inputs of the metrics: also a length that does not match the logits."""
    return _bad_walk_inputs() + [_inputs()[:, :-1]]


def _bad_automata() -> list[Any]:
    a = _automata()
    return [None, a[0], [], [a[0]], [a[0], a[1], a[0]], [a[0], None], "aa", (a[0], 3), {0: a[0]},
            [a[0].transitions, a[1].transitions], torch.ones(2)]


def _bad_logits() -> list[Any]:
    return _bad_float(_logits())


def _bad_float(valid: torch.Tensor) -> list[Any]:
    nan, inf = valid.clone(), valid.clone()
    nan.view(-1)[0] = math.nan
    inf.view(-1)[-1] = math.inf
    return [None, valid.tolist(), valid.numpy(), "t", 1.0, nan, inf, valid.to(torch.complex64), valid > 0,
            torch.tensor(1.0), valid[None], valid.round().long(), valid[..., :-1], valid[:, :-1], valid[:1]]


def _bad_ids() -> list[Any]:
    return [None, "ab", 3, [0.5], [rb.VOCAB], [-5], [True], torch.tensor([0.5]), torch.tensor([[0, 1]]),
            torch.tensor([True]), b"ab", {0: 1}, [None], [10**400]]


def _bad_story() -> list[Any]:
    return [None, "Once upon a time", _story().text, 3, stories.Story("x y", ("",)), stories.Story(3, ("a",)),
            stories.Story("a b", ["a"]), _corpus(), {"text": "a", "names": ()}]


def specs(h: Any) -> list[Any]:
    Spec = h.Spec
    CORPUS_BAD = st.sampled_from([None, 3, "corpus", {"train": []}, torch.ones(3), [1, 2], _story()])
    return [
        # ------------------------------------------------------------------ regbench
        Spec(rb.random_automaton, lambda: dict(states=(4, 6), alphabet=(4, 8), out_degree=(1, 3), generator=None),
             dict(states=st.one_of(_ranges(h, 2), st.sampled_from([3, (2, 5), (3, 3)])),
                  alphabet=st.one_of(_ranges(h, 1), st.sampled_from([2, (1, 5), 19, (4, 19)])),
                  out_degree=st.one_of(_ranges(h, 1), st.sampled_from([4, (1, 5), (4, 4)])),
                  generator=h.GENERATORS_BAD),
             name="regbench.random_automaton"),
        Spec(rb.sample_example, lambda: dict(automaton=_automata()[0], strings=(2, 4), length=(1, 5), generator=None),
             dict(automaton=st.sampled_from([None, 3, "a", _automata(), torch.ones(2, 18), {"n_states": 4}]),
                  strings=_ranges(h, 1), length=_ranges(h, 1), generator=h.GENERATORS_BAD),
             name="regbench.sample_example"),
        Spec(rb.sample_examples, lambda: dict(automata=_automata(), strings=(2, 4), length=(1, 5), generator=None),
             dict(automata=h._from(lambda: [None, _automata()[0], [], [None], [_automata()[0], 3], "ab", 3,
                                            torch.ones(2)]),
                  strings=_ranges(h, 1), length=_ranges(h, 1), generator=h.GENERATORS_BAD),
             name="regbench.sample_examples"),
        Spec(rb.make_split, lambda: dict(n_automata=3, seed=0, exclude=None, states=(4, 12), alphabet=(4, 18),
                                         out_degree=(1, 3)),
             dict(n_automata=st.one_of(h._ints(1), st.sampled_from([10**8])),
                  seed=h._ints(0),
                  exclude=h._from(lambda: ["abc", 3, b"x", torch.ones(3), [3], {None}, {"a": 1}, [_automata()[0], 2.5],
                                           True, 1.5]),
                  states=st.one_of(_ranges(h, 2), st.sampled_from([3, (2, 5)])),
                  alphabet=st.one_of(_ranges(h, 1), st.sampled_from([2, (1, 5), 19])),
                  out_degree=st.one_of(_ranges(h, 1), st.sampled_from([4, (1, 5)]))),
             name="regbench.make_split"),
        Spec(rb.batch, lambda: dict(examples=_examples()), dict(examples=h._from(_bad_examples)),
             name="regbench.batch"),
        Spec(rb.scored_mask, lambda: dict(inputs=_inputs()), dict(inputs=h._from(_bad_inputs)),
             name="regbench.scored_mask"),
        Spec(rb.valid_mask, lambda: dict(inputs=_inputs(), automata=_automata()),
             dict(inputs=h._from(_bad_walk_inputs), automata=h._from(_bad_automata)),
             name="regbench.valid_mask"),
        Spec(rb.true_distribution, lambda: dict(inputs=_inputs(), automata=_automata()),
             dict(inputs=h._from(_bad_walk_inputs), automata=h._from(_bad_automata)),
             name="regbench.true_distribution"),
        Spec(rb.accuracy, lambda: dict(logits=_logits(), inputs=_inputs(), automata=_automata()),
             dict(logits=h._from(_bad_logits), inputs=h._from(_bad_metric_inputs), automata=h._from(_bad_automata)),
             name="regbench.accuracy"),
        Spec(rb.total_variation, lambda: dict(logits=_logits(), inputs=_inputs(), automata=_automata()),
             dict(logits=h._from(_bad_logits), inputs=h._from(_bad_metric_inputs), automata=h._from(_bad_automata)),
             name="regbench.total_variation"),
        Spec(rb.encode, lambda: dict(text="ab|r."),
             dict(text=st.sampled_from([None, 3, b"ab", "xyz", "A", "ab c", ["a"], torch.tensor([0])])),
             name="regbench.encode"),
        Spec(rb.decode, lambda: dict(ids=[0, 1, 18, 19, -100]), dict(ids=h._from(_bad_ids)),
             name="regbench.decode"),
        # ------------------------------------------------------------------ stories
        Spec(stories.make_corpus, lambda: dict(train=5, validation=2, ood=2, seed=0),
             dict(train=h._ints(1), validation=h._ints(1), ood=h._ints(1), seed=h._ints(0)),
             name="stories.make_corpus"),
        Spec(stories.name_continuation_mask, lambda: dict(story=_story()), dict(story=h._from(_bad_story)),
             name="stories.name_continuation_mask"),
        Spec(stories.story_batches,
             lambda: dict(corpus=_corpus(), context=16, batch_size=2, split="train", generator=None),
             dict(corpus=CORPUS_BAD, context=st.one_of(h._ints(1), st.sampled_from([10**6, 10**7])),
                  batch_size=h._ints(1), split=h._choice(stories.SPLITS), generator=h.GENERATORS_BAD),
             name="stories.story_batches"),
        Spec(stories.story_windows, lambda: dict(corpus=_corpus(), context=16, split="validation", limit=None),
             dict(corpus=CORPUS_BAD, context=h._ints(1), split=h._choice(stories.SPLITS),
                  limit=h._ints(1, optional=True)),
             name="stories.story_windows"),
        Spec(stories.pseudo_name, lambda: dict(rng=random.Random(0)),
             dict(rng=st.sampled_from([None, 3, "r", torch.Generator(), np.random.default_rng(0), random, 0.5])),
             name="stories.pseudo_name"),
    ]
