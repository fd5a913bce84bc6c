r"""RegBench-style in-context language learning: random probabilistic finite automata (PFAs).

After Akyürek, Wang, Kim & Andreas (2024), "In-context language learning: architectures and
algorithms" (the benchmark Memory Mosaics use in their Fig. 9), scaled down for a CPU.

**Vocabulary** (:data:`VOCAB` = 20 ids): the 18 letters ``a``-``r`` are ids 0-17 (:data:`LETTERS`),
the separator ``|`` is id 18 (:data:`SEP_ID`), the pad ``.`` is id 19 (:data:`PAD_ID`).

**One automaton** (:func:`random_automaton`): a DFA with ``n`` states (``n`` uniform in ``states``),
start state 0, every state accepting, over a random subset of ``k`` letters (``k`` uniform in
``alphabet``). Each state gets ``m`` out-edges (``m`` uniform in ``out_degree``) with ``m`` distinct
letters of the subset and ``m`` distinct target states, never itself (no self-loops); every state has
at least one out-edge, so a string can always continue. As a PFA, the next letter is **uniform over
the out-edges** of the current state. The DFA is not minimised (that does not change the language),
but splits are made disjoint by a canonical hash of the *minimised* automaton (:attr:`Automaton.key`).

**One example** (:func:`sample_example`): ``10-19`` strings of length ``1-11`` (the CPU setting; the
benchmark uses ``1-49``), each a walk from state 0, joined by ``|`` (no trailing separator).

**Batches** (:func:`batch`): ``inputs = example[:-1]``, ``targets = example[1:]``, padded with ``.``
(inputs) and ``-100`` (targets). A target is ``-100`` (ignored) where it is a separator or padding,
so **the scored positions are exactly those whose target is a letter**.

**Metrics** (:func:`accuracy`, :func:`total_variation`), at the scored positions: the current string
is the part of the input after the last separator (empty right after one). The accuracy is the
fraction of positions where the model's argmax next token is a letter the automaton allows after the
current string. The total variation distance is :math:`\tfrac12\sum_{v}|p_v - q_v|` between the
model's softmax :math:`p` over the 20 tokens and the true PFA law :math:`q` (uniform over the allowed
letters), averaged over the scored positions. The official RegBench code reports
:math:`\sum_v|p_v-q_v|` without the :math:`\tfrac12` (twice this number).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import torch

from ._validate import as_generator, as_int, as_tensor, as_token_ids, check_generator_device

__all__ = ["LETTERS", "SEP", "PAD", "VOCAB", "SEP_ID", "PAD_ID", "IGNORE", "N_LETTERS",
           "Automaton", "random_automaton", "sample_example", "sample_examples", "make_split", "batch",
           "scored_mask", "valid_mask", "true_distribution", "accuracy", "total_variation",
           "encode", "decode"]

LETTERS = "abcdefghijklmnopqr"  #: the letters, ids 0-17
SEP = "|"  #: the separator
PAD = "."  #: the pad
N_LETTERS = 18  #: number of letters
VOCAB = 20  #: vocabulary size (the letters, the separator and the pad)
SEP_ID = 18  #: id of the separator
PAD_ID = 19  #: id of the pad
IGNORE = -100            #: the ignored target (torch cross_entropy's ignore_index)
_CHARS = LETTERS + SEP + PAD


# ============================================================================ helpers

def _cpu_generator(generator: Any) -> torch.Generator | None:
    generator = as_generator(generator)
    check_generator_device(generator, torch.device("cpu"))
    return generator


def _as_range(value: Any, name: str, *, minimum: int, maximum: int | None = None) -> tuple[int, int]:
    """An inclusive range ``(lo, hi)`` of integers (a single integer ``n`` means ``(n, n)``)."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an inclusive range (lo, hi) of two integers, got {len(value)} entries")
        lo = as_int(value[0], f"{name}[0]", minimum=minimum, maximum=maximum)
        hi = as_int(value[1], f"{name}[1]", minimum=minimum, maximum=maximum)
        if lo > hi:
            raise ValueError(f"{name} must have lo <= hi, got ({lo}, {hi})")
        return lo, hi
    if isinstance(value, (str, bytes, dict, set)) or value is None:
        raise TypeError(f"{name} must be an integer or an inclusive range (lo, hi), got {type(value).__name__}")
    n = as_int(value, name, minimum=minimum, maximum=maximum)
    return n, n


def _uniform_int(lo: int, hi: int, generator: torch.Generator | None) -> int:
    return int(torch.randint(lo, hi + 1, (1,), generator=generator).item())


def _as_string(value: Any, name: str) -> list[int]:
    """A sequence of token ids (list/tuple of ints or a 1-D integer tensor) as a list of ints in [0, VOCAB)."""
    if isinstance(value, torch.Tensor):
        as_tensor(value, name, ndim=(1,), integer=True)
        ids = value.tolist()
    elif isinstance(value, (list, tuple, range)):
        ids = [as_int(v, f"each entry of {name}") for v in value]
    else:
        raise TypeError(f"{name} must be a list of token ids or a 1-D integer tensor, got {type(value).__name__}")
    bad = [i for i in ids if not 0 <= i < VOCAB]
    if bad:
        raise ValueError(f"{name} must hold token ids in [0, {VOCAB}), got {bad[0]}")
    return ids


# ============================================================================ the automaton

def _canonical(edges: list[dict[int, int]]) -> str:
    """A canonical text of the minimised reachable automaton: equal for automata of the same language."""
    # reachable states from 0
    seen, order = {0}, [0]
    for s in order:
        for a in sorted(edges[s]):
            t = edges[s][a]
            if t not in seen:
                seen.add(t)
                order.append(t)
    # Moore partition refinement (every state accepting; a missing edge goes to the implicit dead state)
    block = {s: 0 for s in order}
    while True:
        sigs = {s: (block[s], tuple((a, block[t]) for a, t in sorted(edges[s].items()))) for s in order}
        ids: dict[Any, int] = {}
        new = {s: ids.setdefault(sigs[s], len(ids)) for s in order}
        if len(ids) == len(set(block.values())):
            break
        block = new
    # relabel the blocks breadth-first from the start block, letters in order
    rep = {}
    for s in order:
        rep.setdefault(block[s], s)
    label, queue = {block[0]: 0}, [block[0]]
    lines = []
    for b in queue:
        s = rep[b]
        out = []
        for a in sorted(edges[s]):
            tb = block[edges[s][a]]
            if tb not in label:
                label[tb] = len(label)
                queue.append(tb)
            out.append(f"{a}>{label[tb]}")
        lines.append(",".join(out))
    return ";".join(lines)


@dataclass(frozen=True, eq=False)
class Automaton:
    """A DFA over letter ids 0-17: start state 0, every state accepting, read as a uniform PFA.

    ``transitions[s, a]`` is the state reached from ``s`` by letter ``a`` (``-1``: no edge). Every state
    needs at least one out-edge, on letters of ``alphabet`` only. Two automata compare equal (and hash
    equal) when their minimised reachable parts coincide up to renaming states, i.e. when they define the
    same PFA; :attr:`key` is that canonical hash (a hex string).
    """

    n_states: int
    alphabet: tuple[int, ...]
    transitions: torch.Tensor
    key: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n = as_int(self.n_states, "n_states", minimum=1)
        if not isinstance(self.alphabet, (tuple, list)) or not self.alphabet:
            raise TypeError(f"alphabet must be a non-empty tuple of letter ids, got {type(self.alphabet).__name__}")
        alphabet = tuple(sorted(as_int(a, "each entry of alphabet", minimum=0, maximum=N_LETTERS - 1)
                                for a in self.alphabet))
        if len(set(alphabet)) != len(alphabet):
            raise ValueError(f"alphabet must hold distinct letter ids, got {alphabet}")
        T = as_tensor(self.transitions, "transitions", ndim=(2,), integer=True)
        if tuple(T.shape) != (n, N_LETTERS):
            raise ValueError(f"transitions must be [n_states, {N_LETTERS}] = [{n}, {N_LETTERS}], got {tuple(T.shape)}")
        T = T.detach().to("cpu", torch.long).clone()
        if bool(((T < -1) | (T >= n)).any()):
            raise ValueError(f"transitions must hold states in [0, {n}) or -1 (no edge)")
        off = [a for a in range(N_LETTERS) if a not in alphabet]
        if off and bool((T[:, off] >= 0).any()):
            raise ValueError("transitions has an edge on a letter outside the alphabet")
        if bool(((T >= 0).sum(1) == 0).any()):
            raise ValueError("transitions: every state needs at least one out-edge")
        edges = [{a: t for a, t in enumerate(row) if t >= 0} for row in T.tolist()]
        object.__setattr__(self, "n_states", n)
        object.__setattr__(self, "alphabet", alphabet)
        object.__setattr__(self, "transitions", T)
        object.__setattr__(self, "_edges", edges)
        object.__setattr__(self, "key", hashlib.sha256(_canonical(edges).encode()).hexdigest()[:32])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Automaton) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)

    def _state(self, ids: list[int]) -> int | None:
        """The state after reading the current string (after the last separator); ``None`` if rejected."""
        if SEP_ID in ids:
            ids = ids[len(ids) - ids[::-1].index(SEP_ID):]
        s = 0
        for a in ids:
            if a >= N_LETTERS:
                return None
            s = self._edges[s].get(a)
            if s is None:
                return None
        return s

    def accepts(self, string: Sequence[int]) -> bool:
        """True if the letters ``string`` (ids 0-17) lead from state 0 along existing edges (all states accept)."""
        ids = _as_string(string, "string")
        if SEP_ID in ids or PAD_ID in ids:
            return False
        return self._state(ids) is not None

    def valid_next(self, prefix: Sequence[int]) -> tuple[int, ...]:
        """The letters allowed after ``prefix`` (its part after the last separator, read from state 0).

        Empty if that part is not accepted.
        """
        s = self._state(_as_string(prefix, "prefix"))
        return () if s is None else tuple(sorted(self._edges[s]))

    def next_distribution(self, prefix: Sequence[int]) -> torch.Tensor:
        """The true PFA next-token law after ``prefix``: ``[VOCAB]`` float64, uniform over :meth:`valid_next`."""
        nxt = self.valid_next(prefix)
        if not nxt:
            raise ValueError("prefix is not accepted by the automaton (no next-letter distribution)")
        q = torch.zeros(VOCAB, dtype=torch.float64)
        q[list(nxt)] = 1.0 / len(nxt)
        return q

    def __repr__(self) -> str:
        letters = "".join(LETTERS[a] for a in self.alphabet)
        return f"Automaton(n_states={self.n_states}, alphabet={letters!r}, edges={int((self.transitions >= 0).sum())})"


def _automaton_ranges(states: Any, alphabet: Any, out_degree: Any) -> tuple[int, int, int, int, int, int]:
    """The validated inclusive ranges of :func:`random_automaton`: states, alphabet size, out-degree."""
    s_lo, s_hi = _as_range(states, "states", minimum=2, maximum=10_000)
    a_lo, a_hi = _as_range(alphabet, "alphabet", minimum=1, maximum=N_LETTERS)
    d_lo, d_hi = _as_range(out_degree, "out_degree", minimum=1, maximum=N_LETTERS)
    if d_hi > s_lo - 1:
        raise ValueError(f"out_degree max {d_hi} needs at least {d_hi + 1} states (no self-loops), "
                         f"but states can be {s_lo}")
    if d_hi > a_lo:
        raise ValueError(f"out_degree max {d_hi} exceeds the smallest alphabet {a_lo}")
    return s_lo, s_hi, a_lo, a_hi, d_lo, d_hi


def random_automaton(*, states: int | tuple[int, int] = (4, 12), alphabet: int | tuple[int, int] = (4, 18),
                     out_degree: int | tuple[int, int] = (1, 3),
                     generator: torch.Generator | None = None) -> Automaton:
    """A random RegBench DFA. All ranges are inclusive and drawn uniformly.

    ``n`` states in ``states``; a random subset of ``k`` letters, ``k`` in ``alphabet`` (at most 18);
    for each state, ``m`` in ``out_degree`` out-edges with distinct letters of the subset and distinct
    targets other than the state itself. Needs ``out_degree`` max <= min(``states`` min - 1, ``alphabet`` min)
    and ``out_degree`` min >= 1.
    """
    s_lo, s_hi, a_lo, a_hi, d_lo, d_hi = _automaton_ranges(states, alphabet, out_degree)
    generator = _cpu_generator(generator)
    return _random_automaton(s_lo, s_hi, a_lo, a_hi, d_lo, d_hi, generator)


def _random_automaton(s_lo: int, s_hi: int, a_lo: int, a_hi: int, d_lo: int, d_hi: int,
                      generator: torch.Generator | None) -> Automaton:
    # one draw from the torch generator seeds a local Python RNG for this automaton (fast, reproducible)
    rng = random.Random(int(torch.randint(0, 2**62, (1,), generator=generator).item()))
    n = rng.randint(s_lo, s_hi)
    k = rng.randint(a_lo, a_hi)
    letters = sorted(rng.sample(range(N_LETTERS), k))
    T = [[-1] * N_LETTERS for _ in range(n)]
    for s in range(n):
        m = rng.randint(d_lo, d_hi)
        symbols = rng.sample(letters, m)
        targets = rng.sample([t for t in range(n) if t != s], m)
        for a, t in zip(symbols, targets):
            T[s][a] = t
    return Automaton(n, tuple(letters), torch.tensor(T, dtype=torch.long))


def _check_automaton(value: Any, name: str) -> Automaton:
    if not isinstance(value, Automaton):
        raise TypeError(f"{name} must be an amtools.regbench.Automaton, got {type(value).__name__}")
    return value


def _sample(automaton: Automaton, s_lo: int, s_hi: int, l_lo: int, l_hi: int,
            generator: torch.Generator | None) -> torch.Tensor:
    n_strings = _uniform_int(s_lo, s_hi, generator)
    lengths = torch.randint(l_lo, l_hi + 1, (n_strings,), generator=generator).tolist()
    u = torch.rand(sum(lengths), generator=generator).tolist()
    edges = [sorted(e.items()) for e in automaton._edges]
    out: list[int] = []
    i = 0
    for j, length in enumerate(lengths):
        if j:
            out.append(SEP_ID)
        s = 0
        for _ in range(length):
            e = edges[s]
            a, s = e[min(int(u[i] * len(e)), len(e) - 1)]
            out.append(a)
            i += 1
    return torch.tensor(out, dtype=torch.long)


def sample_example(automaton: Automaton, *, strings: int | tuple[int, int] = (10, 19),
                   length: int | tuple[int, int] = (1, 11), generator: torch.Generator | None = None) -> torch.Tensor:
    """One example: ``n`` strings (``n`` uniform in ``strings``) of the PFA, joined by :data:`SEP_ID`.

    Each string has a length uniform in ``length`` (inclusive) and is a walk from state 0 choosing the
    next letter uniformly among the out-edges, so every string is accepted. Returns a LongTensor ``[L]``
    (no trailing separator).
    """
    automaton = _check_automaton(automaton, "automaton")
    s_lo, s_hi = _as_range(strings, "strings", minimum=1, maximum=100_000)
    l_lo, l_hi = _as_range(length, "length", minimum=1, maximum=100_000)
    generator = _cpu_generator(generator)
    return _sample(automaton, s_lo, s_hi, l_lo, l_hi, generator)


def _check_automata(value: Any, name: str) -> list[Automaton]:
    if isinstance(value, Automaton) or not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be a list of Automaton, got {type(value).__name__}")
    if not value:
        raise ValueError(f"{name} must not be empty")
    for a in value:
        _check_automaton(a, f"each entry of {name}")
    return list(value)


def sample_examples(automata: Sequence[Automaton], *, strings: int | tuple[int, int] = (10, 19),
                    length: int | tuple[int, int] = (1, 11),
                    generator: torch.Generator | None = None) -> list[torch.Tensor]:
    """One :func:`sample_example` per automaton, in order (RegBench shows one fixed example per DFA)."""
    automata = _check_automata(automata, "automata")
    s_lo, s_hi = _as_range(strings, "strings", minimum=1, maximum=100_000)
    l_lo, l_hi = _as_range(length, "length", minimum=1, maximum=100_000)
    generator = _cpu_generator(generator)
    return [_sample(a, s_lo, s_hi, l_lo, l_hi, generator) for a in automata]


def _as_keys(value: Any, name: str) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, (str, bytes, dict)) or not isinstance(value, Iterable) or isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a set of Automaton (or their keys) or None, got {type(value).__name__}")
    keys = set()
    for v in value:
        if isinstance(v, Automaton):
            keys.add(v.key)
        elif isinstance(v, str):
            keys.add(v)
        else:
            raise TypeError(f"each entry of {name} must be an Automaton or its key (str), got {type(v).__name__}")
    return keys


def make_split(n_automata: int, *, seed: int, exclude: set | None = None,
               states: int | tuple[int, int] = (4, 12), alphabet: int | tuple[int, int] = (4, 18),
               out_degree: int | tuple[int, int] = (1, 3)) -> list[Automaton]:
    """``n_automata`` distinct random automata (:func:`random_automaton`) from ``torch.Generator().manual_seed(seed)``.

    Automata whose canonical hash (:attr:`Automaton.key`: same language) is already in the split or in
    ``exclude`` (Automaton objects or keys, e.g. the training split) are redrawn, so
    ``make_split(m, seed=1, exclude=set(train))`` is disjoint from ``train``. Raises ``ValueError`` if
    the ranges cannot supply that many distinct automata within ``100 * n_automata + 1000`` draws.
    """
    n = as_int(n_automata, "n_automata", minimum=1, maximum=10_000_000)
    seed = as_int(seed, "seed", minimum=0)
    keys = _as_keys(exclude, "exclude")
    s_lo, s_hi, a_lo, a_hi, d_lo, d_hi = _automaton_ranges(states, alphabet, out_degree)
    g = torch.Generator().manual_seed(seed)
    out: list[Automaton] = []
    for _ in range(100 * n + 1000):
        a = _random_automaton(s_lo, s_hi, a_lo, a_hi, d_lo, d_hi, g)
        if a.key not in keys:
            keys.add(a.key)
            out.append(a)
            if len(out) == n:
                return out
    raise ValueError(f"n_automata = {n}: could not draw that many distinct automata from these ranges "
                     f"(found {len(out)})")


# ============================================================================ batches

def batch(examples: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Stack examples into ``(inputs, targets)``, both LongTensor ``[B, T]``, ``T`` = longest length - 1.

    ``inputs[b] = example[:-1]`` then :data:`PAD_ID`; ``targets[b] = example[1:]`` then ``-100``;
    ``targets`` is also ``-100`` where the next token is a separator. So the scored positions (target
    not ``-100``) are exactly those whose target is a letter (0-17), including the first letter of each
    string after a separator input.
    """
    if isinstance(examples, torch.Tensor) or not isinstance(examples, (list, tuple)):
        raise TypeError(f"examples must be a list of 1-D LongTensors, got {type(examples).__name__}")
    if not examples:
        raise ValueError("examples must not be empty")
    for e in examples:
        as_tensor(e, "each entry of examples", ndim=(1,), integer=True)
        if e.numel() < 2:
            raise ValueError(f"each entry of examples needs at least 2 tokens, got {e.numel()}")
        if bool(((e < 0) | (e >= VOCAB) | (e == PAD_ID)).any()):
            raise ValueError(f"examples must hold letter or separator ids in [0, {SEP_ID}]")
    T = max(e.numel() for e in examples) - 1
    inputs = torch.full((len(examples), T), PAD_ID, dtype=torch.long)
    targets = torch.full((len(examples), T), IGNORE, dtype=torch.long)
    for b, e in enumerate(examples):
        e = e.to("cpu", torch.long)
        inputs[b, : e.numel() - 1] = e[:-1]
        targets[b, : e.numel() - 1] = e[1:]
    targets[targets == SEP_ID] = IGNORE
    return inputs, targets


def _check_inputs(inputs: Any) -> torch.Tensor:
    inputs = as_tensor(inputs, "inputs", ndim=(2,), integer=True)
    if inputs.shape[0] == 0 or inputs.shape[1] == 0:
        raise ValueError(f"inputs must be [B, T] with B, T >= 1, got {tuple(inputs.shape)}")
    if inputs.device.type != "meta" and bool(((inputs < 0) | (inputs >= VOCAB)).any()):
        raise ValueError(f"inputs must hold token ids in [0, {VOCAB})")
    return inputs


def _scored(inputs: torch.Tensor) -> torch.Tensor:
    nxt = torch.cat([inputs[:, 1:], torch.full_like(inputs[:, :1], PAD_ID)], dim=1)
    return (inputs != PAD_ID) & (nxt != SEP_ID)


def scored_mask(inputs: torch.Tensor) -> torch.Tensor:
    """BoolTensor ``[B, T]``: the positions whose target is a letter, read from :func:`batch`'s ``inputs``.

    A position is scored if its input is not padding and the next input is not a separator (the last
    real position's target is the example's last letter, as examples never end with a separator).
    Equal to ``targets != -100`` for a batch made by :func:`batch`.
    """
    return _scored(_check_inputs(inputs))


def _states(inputs: torch.Tensor, automata: list[Automaton]) -> tuple[torch.Tensor, torch.Tensor]:
    """Walk all rows at once: the stacked tables ``[B, S + 1, 18]`` (state ``S`` = dead) and the state
    after each input ``[B, T]``."""
    B, T = inputs.shape
    S = max(a.n_states for a in automata)
    table = torch.full((B, S + 1, N_LETTERS), S, dtype=torch.long)
    for b, a in enumerate(automata):
        tr = a.transitions
        table[b, : a.n_states] = torch.where(tr >= 0, tr, torch.full_like(tr, S))
    x = inputs.to("cpu", torch.long)
    rows = torch.arange(B)
    state = torch.zeros(B, dtype=torch.long)
    states = torch.empty(B, T, dtype=torch.long)
    for t in range(T):
        tok = x[:, t]
        letter = tok < N_LETTERS
        step = table[rows, state, tok.clamp(max=N_LETTERS - 1)]
        state = torch.where(letter, step, torch.where(tok == SEP_ID, torch.zeros_like(state), state))
        states[:, t] = state
    return table, states


def _valid(inputs: torch.Tensor, automata: Any) -> tuple[torch.Tensor, torch.Tensor]:
    inputs = _check_inputs(inputs)
    automata = _check_automata(automata, "automata")
    if len(automata) != inputs.shape[0]:
        raise ValueError(f"automata has {len(automata)} entries but inputs has {inputs.shape[0]} rows")
    table, states = _states(inputs, automata)
    B, T = states.shape
    S = table.shape[1] - 1
    dead = states == S
    real = inputs.cpu() != PAD_ID
    if bool((dead & real).any()):
        b, t = (dead & real).nonzero()[0].tolist()
        raise ValueError(f"inputs row {b} is not a string of automata[{b}] (no edge at position {t})")
    nxt = table[torch.arange(B)[:, None], states]                  # [B, T, 18]
    mask = torch.zeros(B, T, VOCAB, dtype=torch.bool)
    mask[..., :N_LETTERS] = nxt != S
    return mask.to(inputs.device), _scored(inputs)


def valid_mask(inputs: torch.Tensor, automata: Sequence[Automaton]) -> torch.Tensor:
    """BoolTensor ``[B, T, VOCAB]``: True at the letters row ``b``'s automaton allows after position ``t``.

    The current string is the input after the last separator (state 0 right after a separator); the
    mask walks each row's states once (a loop over time, vectorized over rows). Raises ``ValueError`` if
    a row is not made of strings of its automaton.
    """
    return _valid(inputs, automata)[0]


def true_distribution(inputs: torch.Tensor, automata: Sequence[Automaton]) -> torch.Tensor:
    """The true PFA next-token law ``q`` ``[B, T, VOCAB]`` (float64): uniform over :func:`valid_mask`."""
    mask, _ = _valid(inputs, automata)
    q = mask.double()
    return q / q.sum(-1, keepdim=True).clamp_min(1.0)


def _check_logits(logits: Any, inputs: torch.Tensor) -> torch.Tensor:
    logits = as_tensor(logits, "logits", ndim=(3,), floating=True, finite=True)
    if logits.shape[-1] != VOCAB or tuple(logits.shape[:2]) != tuple(inputs.shape):
        raise ValueError(f"logits must be [B, T, {VOCAB}] matching inputs {tuple(inputs.shape)}, "
                         f"got {tuple(logits.shape)}")
    if logits.device != inputs.device:
        raise ValueError(f"logits is on {logits.device} but inputs is on {inputs.device}")
    return logits


def _metric_inputs(logits: Any, inputs: Any, automata: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    inputs = _check_inputs(inputs)
    logits = _check_logits(logits, inputs)
    mask, scored = _valid(inputs, automata)
    if not bool(scored.any()):
        raise ValueError("inputs has no scored position (no target is a letter)")
    return logits, mask, scored


def accuracy(logits: torch.Tensor, inputs: torch.Tensor, automata: Sequence[Automaton]) -> float:
    r"""RegBench accuracy: the fraction of scored positions where :math:`\arg\max_v` logits is a valid next letter.

    ``logits`` ``[B, T, VOCAB]`` (the model's next-token scores), ``inputs`` ``[B, T]`` from :func:`batch`,
    ``automata[b]`` the automaton of row ``b``. Scored positions: those whose target is a letter
    (:func:`scored_mask`). Valid: the automaton has an edge on that letter after the current string
    (an argmax on the separator or the pad counts as wrong).
    """
    logits, mask, scored = _metric_inputs(logits, inputs, automata)
    hit = mask.gather(-1, logits.argmax(-1, keepdim=True)).squeeze(-1)
    return float(hit[scored].double().mean())


def total_variation(logits: torch.Tensor, inputs: torch.Tensor, automata: Sequence[Automaton]) -> float:
    r"""Mean total variation distance :math:`\tfrac12\sum_v |p_v - q_v|` over the scored positions.

    :math:`p = \mathrm{softmax}(\text{logits})` over all 20 tokens (float64), :math:`q` the true PFA law
    (:func:`true_distribution`, uniform over the valid letters). In ``[0, 1]``; ``0`` iff the model puts
    exactly mass ``1/m`` on each of the ``m`` valid letters. The official RegBench code reports the sum
    :math:`\sum_v|p_v-q_v|` without the :math:`\tfrac12`, i.e. twice this number.
    """
    logits, mask, scored = _metric_inputs(logits, inputs, automata)
    p = torch.softmax(logits.double(), dim=-1)
    q = mask.double()
    q = q / q.sum(-1, keepdim=True).clamp_min(1.0)
    tvd = 0.5 * (p - q).abs().sum(-1)
    return float(tvd[scored].mean())


# ============================================================================ text

def encode(text: str) -> torch.Tensor:
    """Characters ``a``-``r``, ``|``, ``.`` to ids (LongTensor ``[len(text)]``)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    bad = [c for c in text if c not in _CHARS]
    if bad:
        raise ValueError(f"text may only hold the letters a-r, '|' and '.', got {bad[0]!r}")
    return torch.tensor([_CHARS.index(c) for c in text], dtype=torch.long)


def decode(ids: Sequence[int] | torch.Tensor) -> str:
    """Ids (a list or 1-D integer tensor) to text; ignored targets (-100) are skipped."""
    ids = as_token_ids(ids, "ids", VOCAB, ignore=IGNORE)
    return "".join(_CHARS[i] for i in ids if i != IGNORE)
