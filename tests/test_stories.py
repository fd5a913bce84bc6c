"""Tests of amtools.stories: the synthetic story corpus, its name mask and its batches."""

from __future__ import annotations

import random
import re
import time

import pytest
import torch

from amtools import stories
from amtools.stories import Story

NAME = re.compile(r"^[BDFGKLMNPRSTVZ][aeiou](?:[bdfgklmnprstvz][aeiou]){1,2}$")


@pytest.fixture(scope="module")
def corpus() -> stories.Corpus:
    return stories.make_corpus()


def test_default_sizes_and_generation_time() -> None:
    start = time.perf_counter()
    c = stories.make_corpus()
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0, f"make_corpus took {elapsed:.2f} s"
    assert (len(c.train), len(c.validation), len(c.ood)) == (4000, 300, 300)
    chars = sum(len(s.text) for s in c.train)
    assert 0.9e6 < chars < 1.5e6
    assert c.alphabet == "".join(sorted(set(c.alphabet))) and "\n" in c.alphabet
    assert set(c.alphabet) == set("".join(s.text for sp in stories.SPLITS for s in c.split(sp))) | {"\n"}
    assert c.vocab == len(c.alphabet) < 64


def test_determinism_by_seed() -> None:
    a = stories.make_corpus(train=50, validation=10, ood=10, seed=3)
    b = stories.make_corpus(train=50, validation=10, ood=10, seed=3)
    c = stories.make_corpus(train=50, validation=10, ood=10, seed=4)
    assert a == b
    assert [s.text for s in a.train] != [s.text for s in c.train]
    # the train split is drawn first from its own stream: a longer split starts with the same stories
    assert [s.text for s in a.train[:20]] == [s.text for s in stories.make_corpus(train=20, seed=3).train]


def test_each_story_introduces_two_fresh_names(corpus: stories.Corpus) -> None:
    seen: set[str] = set()
    for split in stories.SPLITS:
        for s in corpus.split(split):
            assert len(s.names) == 2 and s.names[0] != s.names[1]
            for name in s.names:
                assert NAME.match(name), name                      # 2-3 capitalized CV syllables
                assert len(re.findall(rf"(?<!\w){name}(?!\w)", s.text)) >= 2   # mentioned several times
            # names listed in order of first mention
            first = [re.search(rf"(?<!\w){n}(?!\w)", s.text).start() for n in s.names]
            assert first[0] < first[1]
            assert not seen & set(s.names)                          # fresh: never used before
            seen.update(s.names)
    train_names = {n for s in corpus.train for n in s.names}
    assert not train_names & {n for s in corpus.validation + corpus.ood for n in s.names}


def test_train_stories_follow_the_grammar(corpus: stories.Corpus) -> None:
    """An opening, then 6 template sentences: every train story is an opening and 6 filled templates."""
    def pattern(template: str) -> str:
        parts = re.split(r"\{\w+\}", template)
        return r"[A-Za-z]+".join(re.escape(p) for p in parts)
    openings = "|".join(pattern(o) for o in stories.OPENINGS)
    sentence = "|".join(pattern(t) for t in stories.TEMPLATES)
    story = re.compile(rf"(?:{openings})(?: (?:{sentence})){{{stories.SENTENCES}}}")
    for s in corpus.train[:300] + corpus.validation[:100]:
        assert story.fullmatch(s.text), s.text
    assert not any(story.fullmatch(s.text) for s in corpus.ood)


def test_ood_differs_from_train_in_templates(corpus: stories.Corpus) -> None:
    train = "\n".join(s.text for s in corpus.train)
    ood = "\n".join(s.text for s in corpus.ood)
    val = "\n".join(s.text for s in corpus.validation)
    # fixed parts of the train templates never appear in ood, and vice versa
    for phrase in ("said hello", "laughed and played all day", "best friends", "Once upon a time", "named"):
        assert phrase in train and phrase in val and phrase not in ood.replace("is named after", "")
    for phrase in ("was founded by", "is named after", "in honour of", "until old age", "The climate of"):
        assert phrase in ood and phrase not in train and phrase not in val
    # no template's literal text (between slots) is shared
    def pieces(templates: tuple[str, ...]) -> set[str]:
        return {p.strip() for t in templates for p in re.split(r"\{\w+\}", t) if len(p.strip()) > 12}
    assert not pieces(stories.TEMPLATES + stories.OPENINGS) & pieces(stories.OOD_TEMPLATES + stories.OOD_OPENINGS)
    # every ood character is a train character (the ood split is hard, not unreadable)
    assert set(ood) <= set(train)


def test_name_continuation_mask_by_hand() -> None:
    text = "Bo met Kalimo and Kali. Kali saw Bo, Bobo and Kali!"
    story = Story(text, ("Bo", "Kali"))
    # mentions of Bo: 0, 33 (Bobo is another word); of Kali: 18, 24, 46 (Kalimo is another word)
    expect = ["_"] * len(text)
    for start, name in ((33, "Bo"), (24, "Kali"), (46, "Kali")):
        assert text[start: start + len(name)] == name
        for i in range(start + 1, start + len(name)):
            expect[i] = "x"
    mask = stories.name_continuation_mask(story)
    assert mask.dtype == torch.bool and mask.shape == (len(text),)
    assert "".join("x" if m else "_" for m in mask.tolist()) == "".join(expect)
    assert mask.sum() == 1 + 3 + 3


def test_mask_on_the_corpus(corpus: stories.Corpus) -> None:
    for s in corpus.train[:50] + corpus.ood[:50]:
        mask = stories.name_continuation_mask(s)
        marked = "".join(c if m else " " for c, m in zip(s.text, mask.tolist())).split()
        tails = {n[1:] for n in s.names}
        assert set(marked) <= tails and marked                       # only name tails are marked
        assert mask.sum() == sum((len(re.findall(rf"(?<!\w){n}(?!\w)", s.text)) - 1) * (len(n) - 1)
                                 for n in s.names)


def test_encode_decode_round_trip(corpus: stories.Corpus) -> None:
    text = corpus.text("validation")[:5000]
    ids = corpus.encode(text)
    assert ids.dtype == torch.long and ids.shape == (len(text),)
    assert int(ids.max()) < corpus.vocab
    assert corpus.decode(ids) == text and corpus.decode(ids.tolist()) == text
    assert corpus.decode([-100] + ids[:3].tolist()) == text[:3]
    with pytest.raises(ValueError, match="alphabet"):
        corpus.encode("#")
    with pytest.raises(ValueError, match="ids"):
        corpus.decode([corpus.vocab])


def test_story_batches_shapes_shift_and_reproducibility(corpus: stories.Corpus) -> None:
    batches = stories.story_batches(corpus, context=64, batch_size=8, generator=torch.Generator().manual_seed(0))
    x, y = batches(0)
    assert x.shape == y.shape == (8, 64) and x.dtype == y.dtype == torch.long
    assert torch.equal(x[:, 1:], y[:, :-1])
    data = corpus.text("train")
    for row_x, row_y in zip(x, y):
        window = corpus.decode(row_x) + corpus.decode(row_y[-1:])
        assert window in data and corpus.decode(row_y) == window[1:]
    assert torch.equal(batches(0)[0], x) and not torch.equal(batches(1)[0], x)   # a pure function of step
    other = stories.story_batches(corpus, context=64, batch_size=8, generator=torch.Generator().manual_seed(0))
    assert torch.equal(other(5)[1], batches(5)[1])
    ood = stories.story_batches(corpus, context=32, batch_size=4, split="ood",
                                generator=torch.Generator().manual_seed(1))
    assert corpus.decode(ood(0)[0][0]) in corpus.text("ood")
    with pytest.raises(ValueError, match="step"):
        batches(-1)


def test_story_windows(corpus: stories.Corpus) -> None:
    x, y, m = stories.story_windows(corpus, context=192, split="validation", limit=10)
    assert x.shape == y.shape == m.shape == (10, 192)
    for i, s in enumerate(corpus.validation[:10]):
        assert corpus.decode(x[i]) == s.text[:192] and corpus.decode(y[i]) == s.text[1:193]
        assert torch.equal(m[i], stories.name_continuation_mask(s)[1:193])
    short = stories.make_corpus(train=2, validation=2, ood=2)
    x, y, m = stories.story_windows(short, context=1000)
    n = len(short.validation[0].text) - 1
    assert (y[0, n:] == -100).all() and (y[0, :n] != -100).all() and not m[0, n:].any()


def test_pseudo_name() -> None:
    rng = random.Random(0)
    names = [stories.pseudo_name(rng) for _ in range(500)]
    assert all(NAME.match(n) for n in names)
    assert {len(n) for n in names} == {4, 6}
    assert len(stories.CONSONANTS) == 14 and len(stories.VOWELS) == 5


def test_validation_errors(corpus: stories.Corpus) -> None:
    with pytest.raises(ValueError, match="train"):
        stories.make_corpus(train=0)
    with pytest.raises(TypeError, match="seed"):
        stories.make_corpus(seed=1.5)
    with pytest.raises(TypeError, match="story"):
        stories.name_continuation_mask("Bo met Kali")
    with pytest.raises(ValueError, match="split"):
        stories.story_batches(corpus, context=8, batch_size=2, split="test")
    with pytest.raises(ValueError, match="context"):
        stories.story_batches(corpus, context=10**8, batch_size=2)
    with pytest.raises(TypeError, match="generator"):
        stories.story_batches(corpus, context=8, batch_size=2, generator=0)
    with pytest.raises(TypeError, match="corpus"):
        stories.story_windows("corpus", context=8)
