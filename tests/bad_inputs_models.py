"""Bad-input specs for amtools.models and amtools.lm_training (loaded by tests/test_bad_inputs.py).

``specs(h)`` receives the test_bad_inputs module ``h`` (its ``Spec``, ``_ints``, ``_reals``, ...).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st

from amtools import lm_training as tr
from amtools import models as lm

VOCAB, D, HEADS, CONTEXT = 12, 8, 2, 6
_CACHE: dict[str, Any] = {}


def _model(kind: str = "mosaic") -> torch.nn.Module:
    if kind not in _CACHE:
        make = lm.mosaic_lm if kind == "mosaic" else lm.gpt
        _CACHE[kind] = make(VOCAB, d=D, heads=HEADS, context=CONTEXT, generator=torch.Generator().manual_seed(0))
    return _CACHE[kind]


def _tokens(T: int = 5) -> torch.Tensor:
    return torch.randint(0, VOCAB, (2, T), generator=torch.Generator().manual_seed(1))


def _targets() -> torch.Tensor:
    t = _tokens().roll(-1, 1)
    t[:, -1] = -100
    return t


def _batches(step: int) -> tuple[torch.Tensor, torch.Tensor]:
    return _tokens(), _targets()


def _bad_tokens(h: Any, *, length_matters: bool = True) -> list[Any]:
    """Bad ``[B, T]`` token tensors: float, bool, complex, out of range, wrong rank, empty, too long, meta."""
    valid = _tokens()
    bad = h._bad_long(valid, VOCAB, length_dim=-1 if length_matters else None)
    return bad + [valid[:, :0], valid[:0], valid[0], _tokens(CONTEXT + 1), torch.empty(2, 5, dtype=torch.long,
                                                                                    device="meta")]


def _bad_targets(h: Any) -> list[Any]:
    valid = _targets()
    return h._bad_long(valid, VOCAB) + [torch.full((2, 5), -1), torch.full((2, 5), -101),
                                       torch.empty(2, 5, dtype=torch.long, device="meta")]


MODELS_BAD = st.sampled_from([None, 3, "net", torch.ones(3), [torch.nn.Linear(2, 2)], torch.nn.Linear, {},
                              lm.LMConfig(VOCAB), torch.nn.Sequential()])
GENERATE_MODELS_BAD = st.sampled_from([None, 3, "net", torch.ones(3), torch.nn.Linear(2, 2), torch.nn.Linear,
                                       {}, lm.LMConfig(VOCAB), torch.nn.Sequential()])
CONFIGS_BAD = st.sampled_from([None, 3, "cfg", {"vocab": VOCAB}, lm.LMConfig, tr.LMTrainConfig(3), [VOCAB]])
TRAIN_CONFIGS_BAD = st.sampled_from([None, 3, "cfg", {"steps": 2}, tr.LMTrainConfig, lm.LMConfig(VOCAB), [2]])
BETAS_BAD = st.sampled_from([None, 0.9, "ab", (0.9,), (0.9, 0.95, 0.99), (0.9, 1.0), (1.0, 0.9), (-0.1, 0.9),
                             ("a", 0.9), (0.9, math.nan), (True, 0.9), {0.9, 0.95}, (0.9, 1j), torch.ones(2)])
PROGRESS_BAD = st.sampled_from([None, 0, 1, 1.5, b"x", ["a"], {}, torch.tensor(True)])
EVALUATES_BAD = st.sampled_from([3, "fn", [], {}, torch.ones(2), True, 1.5, b"fn",
                                 lambda m: 0.5, lambda m: None, lambda m: [1.0], lambda m: {"a": "x"},
                                 lambda m: {"a": 1j}, lambda m: {1: 0.5}, lambda m: {"a": True},
                                 lambda m: {"a": torch.ones(2)}, lambda m: {"a": None}])


def _bad_batches(h: Any) -> st.SearchStrategy:
    def returning(pair: Any) -> Any:
        return lambda step: pair

    made = [lambda step: None, lambda step: _tokens(), lambda step: (_tokens(),),
            lambda step: (_tokens(), _targets(), _targets()), lambda step: "ab",
            lambda step: (_tokens().float(), _targets()), lambda step: (_tokens(), _targets().float()),
            lambda step: (_tokens(), _targets()[:, :3]), lambda step: (_tokens(CONTEXT + 1), _tokens(CONTEXT + 1)),
            lambda step: (_tokens() + VOCAB, _targets()), lambda step: (_tokens(), torch.full((2, 5), VOCAB)),
            lambda step: (_tokens()[0], _targets()[0]), lambda step: (_tokens().tolist(), _targets()),
            lambda step: (torch.empty(2, 5, dtype=torch.long, device="meta"), _targets())]
    return st.one_of(h.CALLABLES_BAD, st.sampled_from(made))


def specs(h: Any) -> list[Any]:
    Spec = h.Spec
    size = dict(vocab=h._ints(1), d=h._ints(1), layers=h._ints(1), heads=h._ints(1), context=h._ints(1))
    odd_heads = st.sampled_from([3, 5, 16, 7])                 # valid integers that do not divide d = 8
    dropout = st.one_of(h._reals(0.0), st.sampled_from([1.0, 1.5, 2]))
    lm_kw = dict(d=D, layers=1, heads=HEADS, context=CONTEXT, mlp=True, dropout=0.0, generator=None)
    gen_bad = st.one_of(h.GENERATORS_BAD, st.sampled_from([None]).filter(lambda v: False))
    found = [
        # ------------------------------------------------------------------ models
        Spec(lm.gpt, lambda: dict(vocab=VOCAB, **lm_kw),
             dict(size, heads=st.one_of(h._ints(1), odd_heads), mlp=h.BOOLS_BAD, dropout=dropout,
                  generator=gen_bad)),
        Spec(lm.mosaic_lm, lambda: dict(vocab=VOCAB, slots=None, **lm_kw),
             dict(size, heads=st.one_of(h._ints(1), odd_heads), mlp=h.BOOLS_BAD, dropout=dropout,
                  slots=h._ints(1, optional=True), generator=gen_bad)),
        Spec(lm.parity_slots, lambda: dict(vocab=VOCAB, d=D, layers=1, heads=HEADS, context=CONTEXT),
             dict(size, heads=st.one_of(h._ints(1), odd_heads))),
        Spec(lm.LMConfig, lambda: dict(vocab=VOCAB, d=D, layers=1, heads=HEADS, context=CONTEXT, mlp=True,
                                       slots=None, dropout=0.0),
             dict(size, heads=st.one_of(h._ints(1), odd_heads), mlp=h.BOOLS_BAD, dropout=dropout,
                  slots=h._ints(1, optional=True)), name="models.LMConfig"),
        Spec(lm.GPT, lambda: dict(config=lm.LMConfig(VOCAB, d=D, heads=HEADS, context=CONTEXT), generator=None),
             dict(config=CONFIGS_BAD, generator=gen_bad), name="models.GPT"),
        Spec(lm.MosaicLM, lambda: dict(config=lm.LMConfig(VOCAB, d=D, heads=HEADS, context=CONTEXT),
                                       generator=None),
             dict(config=CONFIGS_BAD, generator=gen_bad), name="models.MosaicLM"),
        Spec(_model("gpt").forward, lambda: dict(tokens=_tokens()),
             dict(tokens=h._from(lambda: _bad_tokens(h, length_matters=False))), name="models.GPT.forward"),
        Spec(_model("mosaic").forward, lambda: dict(tokens=_tokens()),
             dict(tokens=h._from(lambda: _bad_tokens(h, length_matters=False))), name="models.MosaicLM.forward"),
        Spec(lm.generate, lambda: dict(model=_model(), prompt=_tokens(), steps=2, temperature=1.0, top_k=None,
                                       generator=torch.Generator().manual_seed(0)),
             dict(model=GENERATE_MODELS_BAD,
                  prompt=h._from(lambda: [p for p in _bad_tokens(h, length_matters=False)
                                          if not (isinstance(p, torch.Tensor) and p.ndim == 2
                                                  and p.shape[1] == CONTEXT + 1)]),
                  steps=h._ints(0), temperature=h._reals(0.0),
                  top_k=st.one_of(h._ints(1, optional=True), st.sampled_from([VOCAB + 1, 1000])),
                  generator=gen_bad),
             odd=dict(steps=st.sampled_from([0, 1]), temperature=st.sampled_from([0.0, 1e-30, 1e30]),
                      top_k=st.sampled_from([1, VOCAB, np.int64(2)]),
                      prompt=h._from(lambda: [_tokens(CONTEXT + 3), _tokens(1), _tokens().int()]))),
        # ------------------------------------------------------------------ lm_training
        Spec(tr.LMTrainConfig, lambda: dict(steps=2, batch_size=2, lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1,
                                            warmup=0.1, min_lr_ratio=0.1, grad_clip=1.0, eval_every=0,
                                            eval_at_start=False),
             dict(steps=h._ints(1), batch_size=h._ints(1), lr=h._reals(0.0, strict=True), betas=BETAS_BAD,
                  weight_decay=h._reals(0.0), warmup=st.one_of(h._reals(0.0), st.sampled_from([1.5, 2])),
                  min_lr_ratio=st.one_of(h._reals(0.0), st.sampled_from([1.5, 2])), grad_clip=h._reals(0.0),
                  eval_every=h._ints(0), eval_at_start=h.BOOLS_BAD), name="lm_training.LMTrainConfig"),
        Spec(tr.learning_rate, lambda: dict(step=0, config=tr.LMTrainConfig(5)),
             dict(step=st.one_of(h._ints(0), st.sampled_from([5, 6, 100])), config=TRAIN_CONFIGS_BAD)),
        Spec(tr.lm_loss, lambda: dict(model=_model(), inputs=_tokens(), targets=_targets()),
             dict(model=MODELS_BAD, inputs=h._from(lambda: _bad_tokens(h)), targets=h._from(lambda: _bad_targets(h))),
             odd=dict(targets=h._from(lambda: [torch.full((2, 5), -100), _targets().int()]))),
        Spec(tr.token_losses, lambda: dict(model=_model("gpt"), inputs=_tokens(), targets=_targets()),
             dict(model=MODELS_BAD, inputs=h._from(lambda: _bad_tokens(h)), targets=h._from(lambda: _bad_targets(h))),
             odd=dict(targets=h._from(lambda: [torch.full((2, 5), -100), _targets().int()]))),
        Spec(tr.train_lm, lambda: dict(model=lm.gpt(VOCAB, d=D, heads=HEADS, context=CONTEXT, mlp=False),
                                       batches=_batches, config=tr.LMTrainConfig(1), evaluate=None,
                                       progress=False, generator=None),
             dict(model=MODELS_BAD, batches=_bad_batches(h), config=TRAIN_CONFIGS_BAD, evaluate=EVALUATES_BAD,
                  progress=PROGRESS_BAD, generator=gen_bad),
             odd=dict(evaluate=st.sampled_from([lambda m: {}, lambda m: {"a": math.nan},
                                                lambda m: {"a": torch.tensor(0.5)}, lambda m: {"a": np.float32(1)}]),
                      progress=st.sampled_from(["", "desc"]))),
    ]
    for spec in found:
        if not spec.name:
            spec.name = f"{spec.fn.__module__.replace('amtools.', '')}.{spec.fn.__name__}"
    return found
