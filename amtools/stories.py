r"""A synthetic story corpus for character-level language models (BabiStories in spirit).

BabiStories (Memory Mosaics, Appendix B) prompts a language model with a first name and opening
words, so every story has its own protagonists. Here a seeded grammar does the same at toy scale,
offline and in well under a second:

**Train and validation stories** (same distribution, independent random streams). Each story
introduces two **fresh pseudo-names**, each 2-3 consonant-vowel syllables from a 14 x 5 alphabet
(consonants ``bdfgklmnprstvz``, vowels ``aeiou``), capitalized (``"Dokuza"``, ``"Rebi"``); no name
is used twice in the whole corpus. A story is an opening phrase (one of :data:`OPENINGS`) followed by
an introduction of both names, then 6 sentences drawn from :data:`TEMPLATES` (fairy-tale register,
past tense), each mentioning one or both names, filled with words from small lexicons. A name's
later mentions can only be predicted by copying it from earlier in the same story (an induction task).

**Out-of-distribution stories** (``ood``): short encyclopedia-like entries about an invented place
and the invented person who founded it. Their openings (:data:`OOD_OPENINGS`) and 6 sentences
(:data:`OOD_TEMPLATES`) share no template with the train split; they are in the present tense, in a
descriptive register, with their own lexicons (geography, trades, buildings), and the two fresh
names play different roles (a place and a person). They still repeat the names, so in-context copying
still helps, while the surrounding text is differently distributed. Every character of the ood split
also occurs in the train split.

Character level: :attr:`Corpus.alphabet` is the sorted set of characters of all three splits;
:meth:`Corpus.encode` / :meth:`Corpus.decode` map text to ids and back. Stories are joined by ``"\n"``
when concatenated (:func:`story_batches`).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import torch

from ._validate import as_choice, as_generator, as_int, as_token_ids, check_generator_device

__all__ = ["Story", "Corpus", "make_corpus", "name_continuation_mask", "story_batches", "story_windows",
           "pseudo_name", "CONSONANTS", "VOWELS", "OPENINGS", "TEMPLATES", "OOD_OPENINGS", "OOD_TEMPLATES",
           "SPLITS", "SENTENCES", "IGNORE"]

CONSONANTS = "bdfgklmnprstvz"      #: the 14 consonants of the pseudo-names
VOWELS = "aeiou"                   #: the 5 vowels of the pseudo-names
SENTENCES = 6                      #: template sentences per story (after the opening)
SPLITS = ("train", "validation", "ood")  #: the splits of a :class:`Corpus`
IGNORE = -100  #: the ignored target (torch cross_entropy's ignore_index)

# ---------------------------------------------------------------------------- train / validation grammar
#: Opening phrases of the train and validation stories.
OPENINGS = (
    "Once upon a time, there was a {kindA} named {A} and a {kindB} named {B}.",
    "One sunny morning, a {kindA} called {A} met a {kindB} called {B}.",
    "Long ago, in a small village, lived a {kindA} named {A} and a {kindB} named {B}.",
    "One day, a little {kindA} named {A} went out to find {B} the {kindB}.",
    "On a rainy afternoon, {A} the {kindA} knocked on the door of {B} the {kindB}.",
    "In a big green forest, there lived a {kindA} called {A} and a {kindB} called {B}.",
    "Every summer, {A} the {kindA} visited a {kindB} named {B}.",
    "Not long ago, a {kindA} named {A} made friends with a {kindB} named {B}.",
)
#: Sentence templates of the train and validation stories.
TEMPLATES = (
    "{A} gave the {thing} to {B}.",
    "{B} smiled at {A} and said hello.",
    "{A} and {B} went to the {place} together.",
    "{A} found a {adj} {thing} near the {place}.",
    "{B} said, \"{A}, look at the {adj} {thing}!\"",
    "{A} was {feeling} because {B} lost the {thing}.",
    "Then {B} and {A} ate {food} by the {place}.",
    "{A} asked {B} to play in the {place}.",
    "{B} hugged {A} and said thank you.",
    "{A} told {B} a story about a {adj} {animal}.",
    "After a while, {B} felt {feeling} again.",
    "{A} helped {B} carry the {thing} home.",
    "{B} ran to the {place}, and {A} followed {B}.",
    "\"Let us share the {food},\" said {A} to {B}.",
    "{A} and {B} laughed and played all day.",
    "{B} looked for the {thing}, but {A} had it.",
    "{A} was very {feeling}, so {B} sang a song.",
    "The next day, {B} brought {food} for {A}.",
    "{B} wanted the {thing}, but {A} said no.",
    "In the end, {A} and {B} were best friends.",
)
LEXICON = {
    "kindA": ("cat", "dog", "bunny", "bear", "fox", "bird", "frog", "mouse", "duck", "girl", "boy", "puppy"),
    "thing": ("ball", "kite", "box", "hat", "book", "cup", "drum", "key", "boat", "flower", "stone", "shell"),
    "place": ("park", "garden", "river", "hill", "beach", "forest", "kitchen", "school", "barn", "pond"),
    "feeling": ("happy", "sad", "proud", "scared", "tired", "excited", "calm", "angry", "sleepy"),
    "food": ("apples", "bread", "cake", "soup", "berries", "cookies", "carrots", "pie"),
    "adj": ("red", "big", "little", "shiny", "old", "soft", "blue", "funny", "tiny", "green"),
}
LEXICON["kindB"] = LEXICON["kindA"]
LEXICON["animal"] = LEXICON["kindA"]

# ---------------------------------------------------------------------------- out-of-distribution grammar
#: Opening phrases of the out-of-distribution split.
OOD_OPENINGS = (
    "{P} is a {size} {town} on the {side} bank of the {water}.",
    "{P} is a {size} {town} in the {side} hills, founded by {Q}.",
    "According to old records, the {town} of {P} was founded by {Q}.",
    "{P} is known as the oldest {town} of the {side} valley.",
    "The {town} of {P} lies between two {water}s.",
    "{Q} is remembered as the founder of {P}, a {size} {town}.",
)
#: Sentence templates of the out-of-distribution split.
OOD_TEMPLATES = (
    "It was founded by {Q}, a {job} from the {side}.",
    "The people of {P} grow {crop} and keep {herd}.",
    "{Q} built the first {building} in {P}.",
    "Today {P} is known for its {product}.",
    "Every year the {town} holds a festival in honour of {Q}.",
    "The main street of {P} is named after {Q}.",
    "Most visitors to {P} come to see the {building} that {Q} designed.",
    "According to local records, {Q} lived in {P} until old age.",
    "The climate of {P} is {climate}, with {climate} winters.",
    "Its population is small, and most families work as {job}s.",
    "A statue of {Q} stands near the {building} of {P}.",
    "Many songs about {Q} are still sung in {P}.",
    "The {water} near {P} is used for fishing and trade.",
    "Some historians say that {Q} never lived in {P} at all.",
)
OOD_LEXICON = {
    "size": ("small", "large", "peaceful", "busy", "remote", "walled"),
    "town": ("town", "village", "city", "port", "settlement"),
    "side": ("north", "south", "east", "west"),
    "water": ("river", "lake", "canal", "stream", "bay"),
    "job": ("farmer", "miller", "weaver", "trader", "mason", "sailor", "potter"),
    "crop": ("wheat", "barley", "grapes", "beans", "olives", "flax"),
    "herd": ("goats", "sheep", "cattle", "bees", "horses"),
    "building": ("bridge", "mill", "library", "tower", "market", "harbour", "temple"),
    "product": ("cheese", "wool", "pottery", "wine", "salt", "rope", "glass"),
    "climate": ("mild", "dry", "wet", "cold", "warm", "windy"),
}

_SLOT = re.compile(r"\{(\w+)\}")


def pseudo_name(rng: random.Random) -> str:
    """A capitalized pseudo-name of 2 or 3 consonant-vowel syllables (from a local ``random.Random``)."""
    if not isinstance(rng, random.Random):
        raise TypeError(f"rng must be a random.Random, got {type(rng).__name__}")
    n = rng.randint(2, 3)
    return "".join(rng.choice(CONSONANTS) + rng.choice(VOWELS) for _ in range(n)).capitalize()


# ============================================================================ data classes

@dataclass(frozen=True)
class Story:
    """One story: its ``text`` and the fresh ``names`` it introduces (in order of first mention)."""

    text: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class Corpus:
    """The three splits and the character alphabet (sorted characters of all splits)."""

    train: list[Story]
    validation: list[Story]
    ood: list[Story]
    alphabet: str
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.alphabet, str) or not self.alphabet:
            raise TypeError("alphabet must be a non-empty str")
        object.__setattr__(self, "_index", {c: i for i, c in enumerate(self.alphabet)})

    @property
    def vocab(self) -> int:
        """The number of distinct characters (the model's vocabulary size)."""
        return len(self.alphabet)

    def split(self, name: str) -> list[Story]:
        """The stories of split ``name`` (``"train"``, ``"validation"`` or ``"ood"``)."""
        return getattr(self, as_choice(name, "split", SPLITS))

    def text(self, split: str = "train") -> str:
        """The stories of ``split`` joined by ``"\\n"``."""
        return "\n".join(s.text for s in self.split(split))

    def encode(self, text: str) -> torch.Tensor:
        """Character ids of ``text``: LongTensor ``[len(text)]`` (each character's index in :attr:`alphabet`)."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        try:
            return torch.tensor([self._index[c] for c in text], dtype=torch.long)
        except KeyError as err:
            raise ValueError(f"text holds a character outside the corpus alphabet: {err.args[0]!r}") from None

    def decode(self, ids: Sequence[int] | torch.Tensor) -> str:
        """The text of character ids (a list or 1-D integer tensor); ignored targets (-100) are skipped."""
        ids = as_token_ids(ids, "ids", len(self.alphabet), ignore=IGNORE)
        return "".join(self.alphabet[i] for i in ids if i != IGNORE)


# ============================================================================ generation

def _fill(template: str, rng: random.Random, names: dict[str, str], lexicon: dict[str, tuple[str, ...]]) -> str:
    return _SLOT.sub(lambda m: names[m.group(1)] if m.group(1) in names else rng.choice(lexicon[m.group(1)]),
                     template)


def _fresh_names(rng: random.Random, used: set[str], k: int) -> list[str]:
    out = []
    while len(out) < k:
        name = pseudo_name(rng)
        if name not in used:
            used.add(name)
            out.append(name)
    return out


def _story(rng: random.Random, used: set[str]) -> Story:
    a, b = _fresh_names(rng, used, 2)
    names = {"A": a, "B": b}
    sentences = [_fill(rng.choice(OPENINGS), rng, names, LEXICON)]
    sentences += [_fill(t, rng, names, LEXICON) for t in rng.sample(TEMPLATES, SENTENCES)]
    return Story(" ".join(sentences), (a, b))


def _mentions(text: str, name: str) -> list[int]:
    """Start indices of the whole-word occurrences of ``name`` in ``text``."""
    return [m.start() for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text)]


def _ood_story(rng: random.Random, used: set[str]) -> Story:
    p, q = _fresh_names(rng, used, 2)
    names = {"P": p, "Q": q}
    opening = _fill(rng.choice(OOD_OPENINGS), rng, names, OOD_LEXICON)
    while True:    # redraw the sentences until both names are mentioned at least twice
        text = " ".join([opening] + [_fill(t, rng, names, OOD_LEXICON)
                                     for t in rng.sample(OOD_TEMPLATES, SENTENCES)])
        if len(_mentions(text, p)) >= 2 and len(_mentions(text, q)) >= 2:
            break
    return Story(text, tuple(sorted((p, q), key=lambda n: _mentions(text, n)[0])))


def make_corpus(*, train: int = 4000, validation: int = 300, ood: int = 300, seed: int = 0) -> Corpus:
    """Generate the corpus: ``train`` + ``validation`` stories of the story grammar, ``ood`` encyclopedia entries.

    Each split draws from its own ``random.Random`` seeded by ``(seed, split)`` (disjoint streams; the same
    ``seed`` gives the same corpus). Names are fresh across the whole corpus (train, then validation, then
    ood). A story is an opening with both names, then :data:`SENTENCES` = 6 distinct templates. With the
    defaults: about 1 M training characters, generated in a fraction of a second.
    """
    n_train = as_int(train, "train", minimum=1, maximum=1_000_000)
    n_val = as_int(validation, "validation", minimum=1, maximum=1_000_000)
    n_ood = as_int(ood, "ood", minimum=1, maximum=1_000_000)
    seed = as_int(seed, "seed", minimum=0)
    used: set[str] = set()
    splits = {}
    for name, n, make in (("train", n_train, _story), ("validation", n_val, _story), ("ood", n_ood, _ood_story)):
        rng = random.Random(f"amtools.stories:{seed}:{name}")
        splits[name] = [make(rng, used) for _ in range(n)]
    chars = set("\n")
    for stories in splits.values():
        for s in stories:
            chars.update(s.text)
    return Corpus(splits["train"], splits["validation"], splits["ood"], "".join(sorted(chars)))


# ============================================================================ masks and batches

def _check_story(story: Any) -> Story:
    if not isinstance(story, Story):
        raise TypeError(f"story must be an amtools.stories.Story, got {type(story).__name__}")
    if not isinstance(story.text, str) or not isinstance(story.names, tuple):
        raise TypeError("story must have a str text and a tuple of names")
    return story


def name_continuation_mask(story: Story) -> torch.Tensor:
    """BoolTensor ``[len(story.text)]``: True at the 2nd and later characters of each name's 2nd and later mentions.

    A mention is a whole-word occurrence of the name. These are the characters only in-context copying
    can predict: the first character of a mention could be any capital letter, the rest of a first
    mention is a fresh name, and the rest of a later mention is determined by the earlier one.
    """
    story = _check_story(story)
    mask = torch.zeros(len(story.text), dtype=torch.bool)
    for name in story.names:
        if not isinstance(name, str) or not name:
            raise ValueError("story.names must be non-empty strings")
        for s in _mentions(story.text, name)[1:]:
            mask[s + 1: s + len(name)] = True
    return mask


def _check_corpus(corpus: Any) -> Corpus:
    if not isinstance(corpus, Corpus):
        raise TypeError(f"corpus must be an amtools.stories.Corpus, got {type(corpus).__name__}")
    return corpus


def story_batches(corpus: Corpus, *, context: int, batch_size: int, split: str = "train",
                  generator: torch.Generator | None = None) -> Callable[[int], tuple[torch.Tensor, torch.Tensor]]:
    """A function ``step -> (inputs, targets)`` of random windows of the concatenated ``split``.

    The split's stories are joined by ``"\\n"`` and encoded once (``N`` characters). ``batches(step)``
    draws ``batch_size`` starts ``s`` uniform in ``[0, N - context - 1]`` and returns LongTensors
    ``inputs[i] = x[s_i : s_i + context]``, ``targets[i] = x[s_i + 1 : s_i + context + 1]`` (``[batch_size,
    context]``, targets shifted by one). The starts come from ``torch.Generator().manual_seed(base + step)``,
    ``base`` drawn once from ``generator`` (the global generator if ``None``), so a step's batch is
    reproducible and does not depend on the order of calls.
    """
    corpus = _check_corpus(corpus)
    context = as_int(context, "context", minimum=1, maximum=10_000_000)
    batch_size = as_int(batch_size, "batch_size", minimum=1, maximum=10_000_000)
    split = as_choice(split, "split", SPLITS)
    generator = as_generator(generator)
    check_generator_device(generator, torch.device("cpu"))
    data = corpus.encode(corpus.text(split))
    if data.numel() < context + 1:
        raise ValueError(f"context = {context} is too long for the {split} split ({data.numel()} characters)")
    high = data.numel() - context          # starts in [0, high)
    base = int(torch.randint(0, 2**62, (1,), generator=generator).item())
    offsets = torch.arange(context + 1)

    def batches(step: int) -> tuple[torch.Tensor, torch.Tensor]:
        step = as_int(step, "step", minimum=0, maximum=2**62)
        g = torch.Generator().manual_seed(base + step)
        starts = torch.randint(0, high, (batch_size,), generator=g)
        windows = data[starts[:, None] + offsets]
        return windows[:, :-1], windows[:, 1:]

    return batches


def story_windows(corpus: Corpus, *, context: int, split: str = "validation",
                  limit: int | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Each story of ``split`` from its start, for evaluation: ``(inputs, targets, name_mask)``, ``[S, context]``.

    Row ``i`` holds story ``i``'s first ``context + 1`` characters: ``inputs`` its characters ``0..context-1``,
    ``targets`` its characters ``1..context`` (``-100`` past the story's end, where ``inputs`` repeats the
    last character), ``name_mask`` True where the *target* is a name-continuation character
    (:func:`name_continuation_mask`). ``limit`` keeps the first ``limit`` stories.
    """
    corpus = _check_corpus(corpus)
    context = as_int(context, "context", minimum=1, maximum=10_000_000)
    split = as_choice(split, "split", SPLITS)
    stories = corpus.split(split)
    if limit is not None:
        stories = stories[: as_int(limit, "limit", minimum=1)]
    S = len(stories)
    inputs = torch.zeros(S, context, dtype=torch.long)
    targets = torch.full((S, context), IGNORE, dtype=torch.long)
    mask = torch.zeros(S, context, dtype=torch.bool)
    for i, st in enumerate(stories):
        x = corpus.encode(st.text[: context + 1])
        m = name_continuation_mask(st)[: context + 1]
        n = x.numel() - 1
        inputs[i, :n] = x[:-1]
        inputs[i, n:] = x[-1]
        targets[i, :n] = x[1:]
        mask[i, :n] = m[1:]
    return inputs, targets, mask
