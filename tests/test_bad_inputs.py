"""Bad-input harness: every public function of amtools, fed bad values one argument at a time.

For each public function (every function in ``amtools.__all__``, the public functions of
``amtools.explore``, ``amtools.plotting`` and ``amtools.hopfield``, and the ``fn`` argument of the
``amtools.exercises.check_*`` self-checks) a :class:`Spec` gives a valid call and, for each
argument, a hypothesis strategy of values that are wrong for it: wrong types (``None``, strings,
bools, complex numbers, lists, dicts, tensors of the wrong dtype or shape), NaN/inf, negative or
zero sizes, huge integers (``10**400``, ``2**64``), strings as dtypes or devices, and devices that
do not exist here (``"gpu"``; ``"cuda"`` without CUDA). The other arguments stay valid.

A call passes only if it raises a ``ValueError`` or ``TypeError`` whose innermost frame is in
``amtools`` (not deep inside torch or NumPy) and whose message names the argument (the user's
parameter name, as a word). Returning anything is a failure: the bad value was accepted silently.

:data:`SPECS` must cover every public function (:func:`test_every_public_function_has_a_spec`), so a
module added later (Parts II-IV) gets its bad-input test when it is exported.
"""

from __future__ import annotations

import inspect
import math
import random
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import amtools as am
from amtools import exercises, explore, hopfield, plotting
from amtools.published import published_grid, published_settings
from amtools import lm_training, models, mosaics, regbench, stories

matplotlib.use("Agg")

FAST = settings(max_examples=30, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))
PACKAGE = Path(am.__file__).resolve().parent
CUDA = torch.cuda.is_available()


# ============================================================================ bad values by kind

def _ints(minimum: int = 0, *, optional: bool = False) -> st.SearchStrategy:
    """Values that are not an integer ``>= minimum`` (``None`` is fine if ``optional``)."""
    fixed: list[Any] = ["3", b"3", True, False, 2.5, 3.0, 1 + 0j, [3], (3,), {"n": 3},
                        torch.tensor(True), torch.tensor(3.0), torch.tensor([3]), torch.tensor(3 + 0j),
                        np.float64(3.0), math.nan, math.inf, -math.inf, 10**400, 2**64, 2**63,
                        -(10**400), minimum - 1]
    if not optional:
        fixed.append(None)
    return st.one_of(st.sampled_from(fixed), st.integers(max_value=minimum - 1),
                     st.integers(min_value=2**63, max_value=2**200), st.floats())


def _reals(minimum: float | None = None, *, strict: bool = False, allow_inf: bool = False,
           extra: tuple = ()) -> st.SearchStrategy:
    """Values that are not a real ``>= minimum`` (``> minimum`` if ``strict``)."""
    fixed: list[Any] = [None, "2", b"2", True, False, 1j, 2 + 0j, [2.0], {"a": 1}, torch.tensor(True),
                        torch.tensor(2j), torch.ones(2), np.complex128(1), math.nan, 10**400, *extra]
    if not allow_inf:
        fixed += [math.inf, -math.inf]
    strategies = [st.sampled_from(fixed)]
    if minimum is not None:
        fixed.append(minimum - 1)
        strategies.append(st.floats(max_value=minimum, exclude_max=not strict, allow_nan=False,
                                    allow_infinity=False))
        if strict:
            fixed.append(minimum)
    return st.one_of(*strategies)


def _sizes(*, allow_inf: bool = False, minimum: int = 1) -> st.SearchStrategy:
    """Values that are not a list/1-D tensor of integers ``>= minimum`` (and inf where allowed)."""
    fixed: list[Any] = [None, "4", b"4", 4, 4.0, torch.tensor(4), [], [2.5], [math.nan], [True], [-1],
                        [minimum - 1], [10**400], [2**64], [4, "8"], [4, None], torch.tensor([[4]]),
                        torch.tensor([True]), torch.tensor([2.5]), torch.tensor([1j]), {4: 1}, [1j],
                        [-math.inf], np.array(["4"]), [[4]]]
    if not allow_inf:
        fixed += [[math.inf], torch.tensor([math.inf])]
    return st.one_of(st.sampled_from(fixed),
                     st.lists(st.floats().filter(lambda v: not (v.is_integer() and v >= minimum)
                                                 and not (allow_inf and v == math.inf)),
                              min_size=1, max_size=3))


def _reals_array(minimum: float = 0.0, *, allow_inf: bool = True, strict: bool = False) -> st.SearchStrategy:
    """Values that are not a real (or a 1-D array/list/tensor of reals) ``>= minimum``."""
    fixed: list[Any] = [None, "10", b"10", [10, "a"], [-1.0], -1.0, math.nan, [math.nan], 1j, [1j], True,
                        [True], torch.tensor([True]), torch.tensor([1j]), {"a": 1}, np.array(["a"]),
                        [[1.0], [2.0, 3.0]], minimum - 1]
    if strict:
        fixed += [minimum, [minimum]]
    if not allow_inf:
        fixed += [math.inf, [math.inf]]
    return st.one_of(st.sampled_from(fixed),
                     st.floats(max_value=minimum, exclude_max=not strict, allow_nan=False),
                     st.lists(st.floats(max_value=minimum, exclude_max=not strict, allow_nan=False),
                              min_size=1, max_size=3))


def _choice(valid: tuple[str, ...], *, optional: bool = False) -> st.SearchStrategy:
    """Values that are not one of the strings ``valid`` (``None`` is fine if ``optional``)."""
    fixed: list[Any] = ([] if optional else [None]) + [3, True, "", "nope", [valid[0]], (valid[0],), b"x", valid[0].upper() + "!"]
    return st.one_of(st.sampled_from(fixed),
                     st.text(max_size=8).filter(lambda s: s not in valid))


DTYPES_BAD = st.sampled_from(["float32", "torch.float32", "float64", torch.int64, torch.int32, torch.uint8,
                              torch.bool, torch.complex64, torch.complex128, 3, None, np.float32, float,
                              True])
DTYPES_BAD_GRID = st.sampled_from(["float32", "torch.float32", torch.int64, torch.bool, torch.complex64,
                                   torch.float16, torch.bfloat16, 3, None, np.float32, float])
_DEVICES_BAD = ["gpu", "GPU", "cuda:99", "float32", "meta", "", "cpu:x", "tpu", 0, 1, 1.5, True,
                torch.float32, ["cpu"], {"type": "cpu"}]
if not CUDA:
    _DEVICES_BAD += ["cuda", "cuda:0", torch.device("cuda")]
DEVICES_BAD = st.sampled_from(_DEVICES_BAD)
DEVICES_BAD_NOT_NONE = st.sampled_from(_DEVICES_BAD + [None])
GENERATORS_BAD = st.sampled_from(["gen", 3, True, np.random.default_rng(0), random.Random(0),
                                  torch.tensor(1), 0.5])
BOOLS_BAD = st.sampled_from([1, 0, "yes", "True", None, torch.tensor(True), 1.0, [True]])
NAMES_BAD = st.sampled_from([None, 3, b"claim", "", "   ", True, ["claim"], 1.5])
CALLABLES_BAD = st.sampled_from([None, 3, "fn", [], {}, torch.ones(2), True, 1.5, b"fn"])
AXES_BAD = st.sampled_from(["ax", 3, np.zeros(2), [1, 2], True, 1.5, plt, {"ax": 1}])
AXES_BAD_NOT_NONE = st.sampled_from(["ax", 3, np.zeros(2), [1, 2], True, 1.5, plt, {"ax": 1}, None])
OBJECTS_BAD = st.sampled_from([None, 3, "r", {"n_stored": 3}, torch.ones(3, 3), [1, 2]])
NUMBERS_BAD = st.sampled_from([None, "1", 1j, True, False, [1.0, 2.0], torch.ones(2), {}, math.nan,
                               torch.tensor(1j), torch.tensor(True), np.complex128(1), b"1"])


def _from(make: Callable[[], list[Any]]) -> st.SearchStrategy:
    """Bad values built fresh for every example (tensors are never shared between calls)."""
    n = len(make())
    return st.integers(0, n - 1).map(lambda i: make()[i])


# ---------------------------------------------------------------------------- bad tensors

def _p(n: int = 10) -> torch.Tensor:
    return am.zipf(n, 1.0)


def _bad_prob(n: int = 10, *, length_matters: bool = False) -> list[Any]:
    p = _p(n)
    bad: list[Any] = [None, p.tolist(), p.numpy(), "p", 0.5, torch.tensor([1, 0, 0]),
                      torch.tensor([True, False]), p.to(torch.complex128), p.reshape(2, n // 2),
                      torch.tensor([], dtype=torch.float64), torch.tensor(1.0, dtype=torch.float64),
                      torch.tensor([1.5, -0.5], dtype=torch.float64), torch.tensor([0.2, 0.2], dtype=torch.float64),
                      torch.tensor([math.nan, 1.0], dtype=torch.float64),
                      torch.tensor([math.inf, 0.0], dtype=torch.float64)]
    if length_matters:
        bad += [_p(n + 1), _p(n - 1)]
    return bad


def _bad_float(valid: torch.Tensor, *, ints: bool = True, length_dim: int | None = -1,
               batched: bool = False) -> list[Any]:
    """Non-finite, complex, bool, wrong-rank and (optionally) wrong-length versions of ``valid``.

    ``batched``: leading batch dimensions are allowed, so extra dimensions are not bad.
    """
    nan, inf = valid.clone(), valid.clone()
    nan.view(-1)[0] = math.nan
    inf.view(-1)[-1] = math.inf
    bad: list[Any] = [None, valid.tolist(), valid.numpy(), "t", 1.0, nan, inf, valid.to(torch.complex64),
                      valid > 0, torch.tensor(1.0)]
    if not batched:
        bad.append(valid[None, None, None])
    if ints:
        bad.append(valid.round().long())
    if length_dim is not None:
        bad.append(valid.narrow(length_dim, 0, valid.shape[length_dim] - 1))
    return bad


def _bad_long(valid: torch.Tensor, high: int, *, length_dim: int | None = -1) -> list[Any]:
    """Float, bool, complex, out-of-range, wrong-rank and wrong-length versions of an index tensor."""
    neg, big = valid.clone(), valid.clone()
    neg.view(-1)[0] = -1
    big.view(-1)[-1] = high
    bad: list[Any] = [None, valid.tolist(), valid.numpy(), "t", 3, valid.double(), valid > 0,
                      valid.to(torch.complex64), neg, big, valid[None, None, None]]
    if length_dim is not None:
        bad.append(valid.narrow(length_dim, 0, valid.shape[length_dim] - 1))
    return bad


def _bad_arraylike(n: int = 4) -> list[Any]:
    good = [1.0, 2.0, 4.0, 8.0][:n]
    return [None, "abcd", b"ab", 5.0, {"a": 1}, [1.0, math.nan, 4.0, 8.0], [1.0, math.inf, 4.0, 8.0],
            [0.0, 2.0, 4.0, 8.0], [-1.0, 2.0, 4.0, 8.0], [1j, 2, 4, 8], [True, False, True, True],
            [[1.0, 2.0], [4.0, 8.0]], [1.0], good[:3], torch.tensor(good, dtype=torch.complex64),
            np.array(["1", "2", "4", "8"]), [1.0, "2", 4.0, 8.0], [10**400, 2, 4, 8]]


# ---------------------------------------------------------------------------- training, approximation, population

def _logits() -> torch.Tensor:
    """Logits of 2 trials x 4 inputs x 3 classes."""
    return torch.randn(2, 4, 3, generator=torch.Generator().manual_seed(2))


def _Ucols() -> torch.Tensor:
    """Output embeddings in the row convention of train_memory: ``[trials, d, M]``."""
    return _U().transpose(-1, -2).contiguous()


def _bad_p4() -> list[Any]:
    """Bad input laws of length N = 4: the generic ones plus a negative and an unnormalized one."""
    return _bad_prob(4, length_matters=True) + [torch.tensor([0.5, 0.5, 0.5, -0.5], dtype=torch.float64),
                                                torch.full((4,), 0.1, dtype=torch.float64)]


LRS_BAD = st.one_of(
    st.sampled_from([None, "1", b"1", True, False, 1j, 0.0, -1.0, math.nan, math.inf, -math.inf, 10**400,
                     {"lr": 1.0}, [], (), [1.0, -1.0], [1.0, 0.0], [1.0, math.nan], [math.inf], [True],
                     [1.0, "2"], [None], [[1.0]], [1j], torch.tensor(True), torch.tensor(2j),
                     torch.tensor([True]), torch.tensor([1j]), torch.tensor([[1.0]]), torch.tensor([]),
                     torch.tensor([1.0, math.nan]), torch.tensor([1.0, -1.0]), np.complex128(1)]),
    st.floats(max_value=0.0))
GAMMAS_BAD = st.one_of(
    _reals_array(0.0, allow_inf=False, strict=True),
    _from(lambda: [torch.tensor([], dtype=torch.float64), torch.tensor([[0.1]]), torch.tensor([0.1, math.nan]),
                   torch.tensor([0.1, math.inf]), torch.tensor([1, 2]), torch.tensor([True]), torch.tensor([1j]),
                   torch.tensor([0.1, -0.1]), torch.tensor(0.0), [], [0.1, None], [0.1, "1"], (0.1, 0.0)]))
SCHEDULES_BAD = st.sampled_from([3, "fn", [], {}, torch.ones(2), True, 1.5, b"fn",
                                 lambda s: -1.0, lambda s: math.nan, lambda s: math.inf, lambda s: "1",
                                 lambda s: None, lambda s: True, lambda s: 1j, lambda s: torch.ones(2),
                                 lambda s: 1.0 if s < 3 else -1.0])


# ============================================================================ the specs

@dataclass
class Spec:
    """A valid call of ``fn`` and, per argument, a strategy of values that are wrong for it."""

    fn: Callable[..., Any]
    valid: Callable[[], dict[str, Any]]
    bad: dict[str, st.SearchStrategy] = field(default_factory=dict)
    name: str = ""
    #: values a function may accept or refuse (a choice its docstring states), but never crash on
    odd: dict[str, st.SearchStrategy] = field(default_factory=dict)


def _ax() -> Any:
    _, ax = plt.subplots()
    return ax


_VIEW: list[Any] = []


def _view() -> Any:
    if not _VIEW:
        _VIEW.append(explore.scaling_view(2.0, "fill", 20, 30, N=30, M=3, trials=1, points=3))
    return _VIEW[0]


_HOPFIELD_VIEW: list[Any] = []


def _hopfield_view() -> Any:
    if not _HOPFIELD_VIEW:
        _HOPFIELD_VIEW.append(explore.hopfield_view(0.1, 20, trials=2, points=3, sweeps=2))
    return _HOPFIELD_VIEW[0]


def _tokens() -> torch.Tensor:
    return torch.tensor([[0, 1, 2, 9, 3], [4, 4, 5, 6, 7]])


def _E(n: int = 4) -> torch.Tensor:
    return am.random_embeddings(n, 8, 2, "gaussian", torch.Generator().manual_seed(0))


def _U() -> torch.Tensor:
    return am.random_embeddings(3, 8, 2, "gaussian", torch.Generator().manual_seed(1))


def _W() -> torch.Tensor:
    return am.memory_matrix(torch.ones(4), _E(), _U(), torch.arange(4) % 3)


CHECK_NUMBERS = NUMBERS_BAD


# ---------------------------------------------------------------------------- hopfield

def _hX() -> torch.Tensor:
    """Two binary patterns of N = 6 units (rows)."""
    return torch.tensor([[1.0, -1.0, 1.0, 1.0, -1.0, 1.0], [-1.0, -1.0, 1.0, 1.0, 1.0, -1.0]])


def _hs() -> torch.Tensor:
    """Two binary probes of N = 6 units."""
    return torch.tensor([[1.0, 1.0, 1.0, -1.0, -1.0, 1.0], [-1.0, 1.0, -1.0, 1.0, 1.0, 1.0]])


def _hW() -> torch.Tensor:
    return hopfield.hebbian(_hX())


def _hP() -> torch.Tensor:
    """Three continuous patterns in d = 4 (rows)."""
    return torch.randn(3, 4, generator=torch.Generator().manual_seed(5))


def _hx() -> torch.Tensor:
    return torch.randn(2, 4, generator=torch.Generator().manual_seed(6))


def _meta(t: torch.Tensor) -> torch.Tensor:
    return torch.empty(t.shape, device="meta")


def _bad_binary(valid: torch.Tensor, *clash: torch.Tensor) -> list[Any]:
    """Bad ``±1`` states/patterns: the generic bad tensors, non-binary values, an empty core, another device
    and the given ``clash`` values (batch dimensions that do not broadcast with the other argument's)."""
    half = valid.clone()
    half.view(-1)[0] = 0.5
    return (_bad_float(valid, batched=True) + [torch.zeros_like(valid), half, 2 * valid, valid[..., :0],
                                               _meta(valid), *clash])


def _bad_real(valid: torch.Tensor, *clash: torch.Tensor, length_dim: int | None = -1) -> list[Any]:
    """Bad real tensors with batch dimensions: the generic ones, an empty core, another device, ``clash``."""
    return _bad_float(valid, batched=True, length_dim=length_dim) + [valid[..., :0], _meta(valid), *clash]


LAYERS_BAD = _from(lambda: [None, "P", 3.0, [], (), {"a": _hP()}, [None], [_hP(), "x"], [_hP().tolist()],
                            [_hP(), _hP()[:, :3]], [_hP()[0]], _hP(), torch.stack([_hP()])[..., :3],
                            [_hP().to(torch.complex64)], [_hP().long()], [_hP() > 0],
                            [torch.full((3, 4), math.nan)], torch.full((2, 3, 4), math.inf),
                            [_hP(), torch.zeros(5, 3, 4)], [_meta(_hP())], [_hP()[:0]]])


# ---------------------------------------------------------------------------- mosaics

def _mK() -> torch.Tensor:
    """Two memories of n = 4 keys in dk = 3."""
    return torch.randn(2, 4, 3, generator=torch.Generator().manual_seed(7))


def _mV() -> torch.Tensor:
    """Their values, dv = 2."""
    return torch.randn(2, 4, 2, generator=torch.Generator().manual_seed(8))


def _mq() -> torch.Tensor:
    """One query per memory."""
    return torch.randn(2, 3, generator=torch.Generator().manual_seed(9))


def _mseq(d: int = 8) -> torch.Tensor:
    """Two sequences of T = 5 steps in d dimensions."""
    return torch.randn(2, 5, d, generator=torch.Generator().manual_seed(10))


_MOSAIC_NETS: dict[str, Any] = {}


def _mnet(kind: str) -> Any:
    if not _MOSAIC_NETS:
        g = torch.Generator().manual_seed(11)
        _MOSAIC_NETS.update(ctx=mosaics.ContextualMemory(8, 2, generator=g),
                            pmem=mosaics.PersistentMemory(8, 2, 3, generator=g),
                            moons=mosaics.ThreeMoonsNet(3, generator=g),
                            clin=mosaics.ComplexLinear(3, 3, generator=g))
    return _MOSAIC_NETS[kind]


def _bad_seq(d: int = 8) -> list[Any]:
    """Bad ``[B, T, d]`` inputs of a module: the generic ones, empty B or T, 2-D, another device or dtype."""
    s = _mseq(d)
    return _bad_float(s) + [s[:, :0], s[:0], s[0], _meta(s), s.double()]


INIT_STD_BAD = _reals(0.0, strict=True).filter(lambda v: v is not None)   # None is the official init
MODULES_BAD = st.sampled_from([None, 3, "net", torch.ones(3), [torch.nn.Linear(2, 2)], torch.nn.Linear, {}])
PERIODS_BAD = _from(lambda: [None, "0.5", b"1", 0.5, [], (), [0.25], [0.0], [-1.0], [math.nan], [math.inf],
                             [True], [1j], ["1"], [None], [10**400], [1e300], [0.5, "1"], {0.5: 1},
                             torch.tensor([[0.5]]), torch.tensor([0.25]), torch.tensor([True]),
                             torch.tensor([1j]), np.array([0.5, 1.0])])


def _specs() -> list[Spec]:
    specs = [
        # ------------------------------------------------------------------ runtime
        Spec(am.require, lambda: dict(version="0.1"),
             dict(version=st.sampled_from([None, 0.1, 3, True, "", "abc", "1..2", b"0.1", "0.x", ["0.1"]]))),
        Spec(am.setup, lambda: dict(seed=0, profile="default", device="cpu", style=False, quiet=True),
             dict(seed=_ints(0), profile=_choice(("default", "paper"), optional=True), device=DEVICES_BAD,
                  style=BOOLS_BAD, quiet=BOOLS_BAD)),
        Spec(am.seed_everything, lambda: dict(seed=0), dict(seed=_ints(0))),
        Spec(am.pick_device, lambda: dict(device="cpu"), dict(device=DEVICES_BAD)),
        Spec(am.environment_stamp, lambda: dict(seed=0, device="cpu", profile="default"),
             dict(seed=_ints(0), device=DEVICES_BAD_NOT_NONE, profile=_choice(("default", "paper")))),
        Spec(am.reproducibility_line, lambda: dict(seed=0, device="cpu", profile="default"),
             dict(seed=_ints(0), device=DEVICES_BAD_NOT_NONE, profile=_choice(("default", "paper")))),
        Spec(am.footer, lambda: dict(env=am.setup(quiet=True, style=False)),
             dict(env=st.sampled_from([None, "cpu", 0, {"seed": 0}]))),
        # ------------------------------------------------------------------ zipf
        Spec(am.zipf, lambda: dict(N=10, alpha=1.0, dtype=torch.float64, device="cpu"),
             dict(N=_ints(1), alpha=_reals(0.0), dtype=DTYPES_BAD, device=DEVICES_BAD)),
        Spec(am.sample_tokens, lambda: dict(p=_p(), T=5, trials=2, generator=torch.Generator().manual_seed(0)),
             dict(p=_from(_bad_prob), T=_ints(0), trials=_ints(1), generator=GENERATORS_BAD),
             odd=dict(p=_from(lambda: [am.zipf(10, 1.0).to(dt) for dt in (torch.float16, torch.bfloat16,
                                                                                torch.float32)]
                                      + [torch.tensor([1.0]), torch.tensor([0.0, 1.0])]),
                      T=st.sampled_from([0, 1]))),
        Spec(am.token_counts, lambda: dict(tokens=_tokens(), N=10),
             dict(tokens=_from(lambda: _bad_long(_tokens(), 10, length_dim=None)), N=_ints(1))),
        Spec(am.first_seen, lambda: dict(tokens=_tokens(), N=10),
             dict(tokens=_from(lambda: _bad_long(_tokens(), 10, length_dim=None)), N=_ints(1))),
        # ------------------------------------------------------------------ embeddings
        Spec(am.random_embeddings,
             lambda: dict(n=4, d=8, trials=2, kind="gaussian", generator=None, dtype=torch.float32, device="cpu"),
             dict(n=_ints(1), d=_ints(1), trials=_ints(1), kind=_choice(("gaussian", "sphere", "orthonormal")),
                  generator=GENERATORS_BAD, dtype=DTYPES_BAD, device=DEVICES_BAD)),
        # ------------------------------------------------------------------ memory
        Spec(am.memory_matrix, lambda: dict(q=torch.ones(4), E=_E(), U=_U(), targets=torch.arange(4) % 3),
             dict(q=_from(lambda: _bad_float(torch.ones(4), ints=False)),
                  E=_from(lambda: _bad_float(_E(), length_dim=1)),
                  # U's last dimension (d_out) is free: W is [d_out, d_in]; fewer rows than outputs is bad
                  U=_from(lambda: _bad_float(_U(), length_dim=-2)),
                  targets=_from(lambda: _bad_long(torch.arange(4) % 3, 3))),
             odd=dict(q=_from(lambda: [torch.ones(4, dtype=torch.long), torch.ones(4, dtype=torch.float64),
                                       torch.ones(2, 4), torch.zeros(4)]),
                      E=_from(lambda: [_E().double(), _E()[:1], _E()[0]]),
                      targets=_from(lambda: [(torch.arange(4) % 3).to(dt)
                                             for dt in (torch.int32, torch.uint8, torch.int16, torch.int8)]))),
        Spec(am.scores, lambda: dict(W=_W(), E=_E(), U=_U()),
             dict(W=_from(lambda: _bad_float(_W())), E=_from(lambda: _bad_float(_E())),
                  U=_from(lambda: _bad_float(_U()))),
             odd=dict(W=_from(lambda: [_W().double(), _W()[0]]), E=_from(lambda: [_E().double(), _E()[0]]))),
        Spec(am.decode, lambda: dict(W=_W(), E=_E(), U=_U()),
             dict(W=_from(lambda: _bad_float(_W())), E=_from(lambda: _bad_float(_E())),
                  U=_from(lambda: _bad_float(_U()))),
             odd=dict(W=_from(lambda: [_W().double(), _W()[0], torch.zeros(2, 8, 8)]),
                      U=_from(lambda: [_U().double(), _U()[0]]))),
        Spec(am.generalization_error,
             lambda: dict(pred=torch.tensor([[0, 1, 2, 0], [0, 0, 0, 0]]), targets=torch.arange(4) % 3, p=_p(4)),
             dict(pred=_from(lambda: _bad_long(torch.tensor([[0, 1, 2, 0], [0, 0, 0, 0]]), 10**6)[:-3]
                             + [torch.tensor([[0, 1, 2]])]),
                  targets=_from(lambda: [None, [0, 1, 2, 0], torch.tensor([0.0, 1.0, 2.0, 0.0]),
                                         torch.tensor([0, 1, 2]), torch.tensor([[0, 1, 2, 0]] * 3),
                                         torch.tensor([True, False, True, True]), "t"]),
                  p=_from(lambda: _bad_prob(4, length_matters=True))),
             odd=dict(pred=_from(lambda: [torch.tensor([0, 1, 2, 0], dtype=torch.int32), torch.tensor([0, 1, 2, 0])]),
                      p=_from(lambda: [_p(4).float(), _p(4).half()]))),
        # ------------------------------------------------------------------ fitting
        Spec(am.fit_power_law, lambda: dict(x=[1.0, 2.0, 4.0, 8.0], y=[1.0, 0.5, 0.25, 0.125]),
             dict(x=_from(_bad_arraylike), y=_from(_bad_arraylike))),
        # ------------------------------------------------------------------ storage
        Spec(am.error_grid,
             lambda: dict(N=20, M=3, alpha=1.5, ds=[4, 8], Ts=[10, math.inf], scheme="fill", rho=1.0,
                          trials=2, seed=0, embeddings="gaussian", device="cpu", dtype=torch.float32, chunk=8),
             dict(N=_ints(1), M=_ints(2), alpha=_reals(0.0), ds=_sizes(), Ts=_sizes(allow_inf=True),
                  scheme=_choice(am.SCHEMES), rho=_reals(0.0), trials=_ints(1), seed=_ints(0),
                  embeddings=_choice(("gaussian", "sphere")), device=DEVICES_BAD, dtype=DTYPES_BAD_GRID,
                  chunk=_ints(1)), name="error_grid"),
        Spec(am.error_grid,
             lambda: dict(N=20, M=3, alpha=1.5, ds=[4, 8], Ts=[10], scheme="threshold", top=2, trials=2),
             dict(top=st.one_of(_ints(0), st.sampled_from([lambda d: -1, lambda d: 2.5, lambda d: None]))),
             name="storage.error_grid[threshold]"),
        Spec(am.storage_weights,
             lambda: dict(counts_or_p=torch.tensor([3.0, 1.0, 0.0, 2.0]), scheme="threshold", rho=1.0, top=2,
                          population=False, generator=torch.Generator().manual_seed(0)),
             dict(counts_or_p=_from(lambda: _bad_float(torch.tensor([3.0, 1.0, 0.0, 2.0]), ints=False,
                                                       length_dim=None, batched=True)
                                    + [torch.tensor([-1.0, 1.0]), torch.tensor([], dtype=torch.float64)]),
                  scheme=_choice(am.SCHEMES), rho=_reals(0.0), top=_ints(0), population=BOOLS_BAD,
                  generator=GENERATORS_BAD)),
        # ------------------------------------------------------------------ theory
        Spec(am.zipf_constant, lambda: dict(alpha=1.5, N=100),
             dict(alpha=_reals(0.0), N=_ints(1, optional=True))),
        Spec(am.unseen_mass, lambda: dict(p=_p(), T=[1, 10]), dict(p=_from(_bad_prob), T=_reals_array(0.0))),
        Spec(am.expected_distinct, lambda: dict(p=_p(), T=[1, 10]),
             dict(p=_from(_bad_prob), T=_reals_array(0.0))),
        Spec(am.unseen_mass_asymptotic, lambda: dict(alpha=1.5, T=[10, 100], N=None),
             dict(alpha=_reals(1.0, strict=True), T=_reals_array(1.0), N=_ints(1, optional=True))),
        Spec(am.distinct_asymptotic, lambda: dict(alpha=1.5, T=[10, 100], N=None),
             dict(alpha=_reals(1.0, strict=True), T=_reals_array(0.0), N=_ints(1, optional=True))),
        Spec(am.signal_to_noise, lambda: dict(q=torch.tensor([1.0, 0.5, 0.25], dtype=torch.float64), d=8),
             dict(q=_from(lambda: _bad_float(torch.tensor([1.0, 0.5, 0.25], dtype=torch.float64), ints=False,
                                             length_dim=None, batched=True)
                          + [-torch.ones(3, dtype=torch.float64), torch.zeros(3, dtype=torch.float64)]),
                  d=_ints(1))),
        Spec(am.data_exponent, lambda: dict(alpha=2.0), dict(alpha=_reals())),
        Spec(am.threshold_exponent, lambda: dict(alpha=2.0), dict(alpha=_reals())),
        Spec(am.power_exponent, lambda: dict(alpha=2.0, rho=1.0),
             dict(alpha=_reals(1.0, strict=True), rho=_reals())),
        Spec(am.balanced_dimension, lambda: dict(T=[10, 100], alpha=2.0),
             dict(T=_reals_array(0.0), alpha=_reals(1.0, strict=True))),
        Spec(am.argmax_error, lambda: dict(z=[0.0, 1.0], M=3, nodes=16),
             dict(z=_reals_array(0.0), M=_ints(2), nodes=_ints(2))),
        Spec(am.predicted_error,
             lambda: dict(q=torch.ones(4, dtype=torch.float64), p=_p(4), ds=[4, 8], M=3,
                          targets=torch.arange(4) % 3, nodes=16),
             dict(q=_from(lambda: _bad_float(torch.ones(4, dtype=torch.float64), ints=False)
                          + [-torch.ones(4, dtype=torch.float64)]),
                  p=_from(lambda: _bad_prob(4, length_matters=True)),
                  ds=_reals_array(0.0, allow_inf=False, strict=True), M=_ints(2), nodes=_ints(2),
                  targets=_from(lambda: _bad_long(torch.arange(4) % 3, 3)[1:]))),   # None is the default
        # ------------------------------------------------------------------ training
        Spec(am.train_memory,
             lambda: dict(N=10, M=3, d=4, T=20, alpha=2.0, batch_size=2, lr=1.0, optimizer="sgd", model="matrix",
                          layernorm=False, init="random", schedule=None, seeds=1, seed=0, record_every=None,
                          progress=False, device="cpu"),
             dict(N=_ints(1), M=_ints(2), d=_ints(1), T=_ints(1), alpha=_reals(0.0),
                  batch_size=st.one_of(_ints(1), st.sampled_from([21, 2**62])), lr=LRS_BAD,
                  optimizer=_choice(("sgd", "signgd", "adam", "ngd")),
                  model=_choice(("matrix", "learnable", "exponential")), layernorm=BOOLS_BAD,
                  init=_choice(("random", "zero")), schedule=SCHEDULES_BAD, seeds=_ints(1), seed=_ints(0),
                  record_every=_ints(1, optional=True), progress=BOOLS_BAD, device=DEVICES_BAD),
             odd=dict(lr=_from(lambda: [[1.0, 2.0], (0.5,), torch.tensor([1.0, 2.0]), torch.tensor(1.0),
                                        np.float64(1.0), 1, np.array([1.0, 2.0])]),
                      schedule=st.sampled_from([lambda s: 0.0, lambda s: 1, lambda s: torch.tensor(0.5)]))),
        Spec(am.population_error, lambda: dict(logits=_logits(), p=_p(4), targets=torch.arange(4) % 3),
             dict(logits=_from(lambda: _bad_float(_logits(), length_dim=-2, batched=True)
                               + [torch.zeros(4, 0), torch.zeros(4), _logits()[..., :0, :]]),
                  p=_from(_bad_p4), targets=_from(lambda: _bad_long(torch.arange(4) % 3, 3))),
             odd=dict(logits=_from(lambda: [_logits().double(), _logits().half(), _logits()[0], _logits()[None]]),
                      targets=_from(lambda: [(torch.arange(4) % 3).to(dt) for dt in (torch.int32, torch.uint8)]),
                      p=_from(lambda: [_p(4).float()]))),
        Spec(am.layer_norm, lambda: dict(z=torch.randn(3, 4, generator=torch.Generator().manual_seed(3))),
             dict(z=_from(lambda: _bad_float(torch.randn(3, 4, generator=torch.Generator().manual_seed(3)),
                                             length_dim=None, batched=True))),
             odd=dict(z=_from(lambda: [torch.randn(3, 4).double(), torch.randn(3, 4).half(), torch.zeros(3, 4),
                                       torch.zeros(0, 4), torch.zeros(3, 0), torch.randn(5)]))),
        # ------------------------------------------------------------------ approximation
        Spec(am.sgd_map, lambda: dict(q=torch.zeros(3, dtype=torch.float64), gamma=0.5, M=3),
             dict(q=_from(lambda: [None, "q", b"q", True, False, 1j, math.nan, math.inf, -math.inf, 10**400,
                                   {"q": 1}, [0.0, None], [0.0, "1"], [True], [1j], [math.nan], [0.0, math.inf],
                                   [10**400], np.array(["a"]), np.array([1j]), np.array([math.nan]),
                                   torch.tensor([True]), torch.tensor([1j]), torch.tensor([0, 1]),
                                   torch.tensor([0.0, math.nan]), torch.tensor([math.inf]),
                                   torch.tensor(True), np.complex128(1)]),
                  gamma=_reals(0.0, strict=True), M=_ints(2)),
             odd=dict(q=_from(lambda: [0, 1.5, np.float64(0.5), [0.0, 1.0], (0.0,), [[0.0], [1.0]],
                                       np.zeros(3), np.zeros((2, 2), dtype=np.int64), torch.zeros(3),
                                       torch.zeros(2, 2).half(), torch.zeros(0), torch.tensor(1.0), [],
                                       -1e300, 1e300]))),
        Spec(am.sgd_iterates, lambda: dict(n=5, gamma=[0.1, 1.0], M=3),
             dict(n=_ints(0), gamma=GAMMAS_BAD, M=_ints(2)),
             odd=dict(gamma=_from(lambda: [0.5, (0.5,), [1, 2], torch.tensor(0.5), torch.tensor([0.5]).float(),
                                           np.array([0.1, 1.0]), np.float64(0.5)]))),
        Spec(am.q_gamma, lambda: dict(counts=torch.tensor([0, 3, 1, 5]), gamma=0.5, M=3),
             dict(counts=_from(lambda: [None, "c", b"c", 1.5, math.nan, {"a": 1}, torch.tensor([0.0, 1.0]),
                                        torch.tensor([True]), torch.tensor([1j]), torch.tensor([-1, 2]), [-1, 2],
                                        [1.5], [None], ["1"], [10**400], [1j], np.array([1.5]), np.array(["1"]),
                                        True, -1, torch.tensor(1.0)]),
                  gamma=_reals(0.0, strict=True), M=_ints(2)),
             odd=dict(counts=_from(lambda: [[0, 3], 3, (1, 2), [[1], [2]], np.array([1, 2]),
                                            torch.tensor([1, 2], dtype=torch.int32), torch.tensor([], dtype=torch.long),
                                            torch.tensor(4), torch.tensor([1, 2], dtype=torch.uint8)]))),
        Spec(am.approx_sgd, lambda: dict(tokens=_tokens(), N=10, M=3, lr=1.0, batch_size=2, record_every=2),
             dict(tokens=_from(lambda: _bad_long(_tokens(), 10, length_dim=None)
                               + [torch.tensor([0, 1, 2]), torch.tensor(3)]),
                  N=st.one_of(_ints(1), st.sampled_from([5, 9])), M=_ints(2), lr=_reals(0.0, strict=True),
                  batch_size=st.one_of(_ints(1), st.sampled_from([6, 100, 2**62])),
                  record_every=_ints(1, optional=True)),
             odd=dict(tokens=_from(lambda: [_tokens().int(), _tokens().to(torch.uint8)]),
                      record_every=st.sampled_from([1, 10**6]))),
        Spec(am.approx_error, lambda: dict(q=torch.ones(4, dtype=torch.float64), E=_E(), U=_Ucols(), p=_p(4),
                                           targets=torch.arange(4) % 3),
             dict(q=_from(lambda: _bad_float(torch.ones(4, dtype=torch.float64), batched=True)
                          + [torch.ones(3, 4, dtype=torch.float64)]),
                  E=_from(lambda: _bad_float(_E(), length_dim=-2, batched=True)
                          + [_E().narrow(-1, 0, 7), _E()[0, 0], torch.cat([_E(), _E()[:1]])]),
                  U=_from(lambda: _bad_float(_Ucols(), length_dim=-2, batched=True)
                          + [_Ucols().narrow(-1, 0, 2), _Ucols()[0, 0], torch.cat([_Ucols(), _Ucols()[:1]])]),
                  p=_from(_bad_p4), targets=_from(lambda: _bad_long(torch.arange(4) % 3, 3))),
             odd=dict(q=_from(lambda: [torch.ones(4), torch.ones(2, 4), torch.ones(5, 1, 4), -torch.ones(4),
                                       torch.zeros(4)]),
                      E=_from(lambda: [_E()[0], _E().double(), _E()[:1]]),
                      U=_from(lambda: [_Ucols()[0], _Ucols().double(), torch.cat([_Ucols(), _Ucols()], dim=-1)]),
                      targets=_from(lambda: [(torch.arange(4) % 3).int()]), p=_from(lambda: [_p(4).float()]))),
        # ------------------------------------------------------------------ population
        Spec(am.population_dynamics,
             lambda: dict(N=10, M=3, d=4, alpha=2.0, steps=3, lr=1.0, optimizer="gd", trials=2, seed=0,
                          init="zero", keep_history=False, device="cpu"),
             dict(N=_ints(1), M=_ints(2), d=_ints(1), alpha=_reals(0.0), steps=_ints(0),
                  lr=_reals(0.0, strict=True), optimizer=_choice(("gd", "signgd", "ngd")), trials=_ints(1),
                  seed=_ints(0), init=_choice(("zero", "random")), keep_history=BOOLS_BAD, device=DEVICES_BAD),
             odd=dict(device=st.sampled_from([None, "cpu", torch.device("cpu")]),
                      optimizer=st.sampled_from(["ngd"]), steps=st.sampled_from([0, 1]))),
        Spec(am.population_dynamics,
             lambda: dict(N=10, M=3, d=4, steps=2, optimizer="ngd", trials=2),
             dict(d=st.one_of(_ints(1), st.just(1))),      # g / std(g) needs two entries
             name="population.population_dynamics[ngd]"),
        # ------------------------------------------------------------------ checks
        Spec(am.check_close, lambda: dict(name="claim", value=1.0, target=1.0, atol=0.1, rtol=0.0),
             dict(name=NAMES_BAD, value=CHECK_NUMBERS, target=CHECK_NUMBERS, atol=_reals(0.0), rtol=_reals(0.0))),
        Spec(am.check_exponent, lambda: dict(name="claim", fitted=1.0, theory=1.0, tol=0.1),
             dict(name=NAMES_BAD, fitted=CHECK_NUMBERS, theory=CHECK_NUMBERS, tol=_reals(0.0, strict=True))),
        Spec(am.check_less, lambda: dict(name="claim", value=1.0, bound=2.0),
             dict(name=NAMES_BAD, value=CHECK_NUMBERS, bound=CHECK_NUMBERS)),
        Spec(am.check_between, lambda: dict(name="claim", value=1.0, low=0.0, high=2.0),
             dict(name=NAMES_BAD, value=CHECK_NUMBERS, low=CHECK_NUMBERS, high=CHECK_NUMBERS)),
        Spec(am.check_true, lambda: dict(name="claim", condition=True, detail=""),
             dict(name=NAMES_BAD, condition=st.sampled_from([None, "yes", 1, 1.0, torch.ones(2), [True], np.ones(2)]),
                  detail=st.sampled_from([None, 3, b"x", ["x"]]))),
        Spec(am.check_within_spread, lambda: dict(name="claim", value=1.0, target=1.0, spread=0.1, k=3.0),
             dict(name=NAMES_BAD, value=CHECK_NUMBERS, target=CHECK_NUMBERS, spread=_reals(0.0, strict=True),
                  k=_reals(0.0, strict=True))),
        Spec(am.check_identity, lambda: dict(name="claim", value=1.0, target=1.0, rtol=1e-9),
             dict(name=NAMES_BAD, value=CHECK_NUMBERS, target=CHECK_NUMBERS,
                  rtol=_reals(0.0, strict=True, extra=(0.5,)))),
        # ------------------------------------------------------------------ prose
        Spec(am.glued, lambda: dict(key="zipf-x", spec=".2f", values={"zipf-x": 1.0}),
             dict(key=st.sampled_from([None, 1, b"k", ["k"]]), spec=st.sampled_from([None, 2, b".2f", "d"]),
                  values=st.sampled_from([1, "zipf-x", [("zipf-x", 1.0)]]))),
        Spec(am.glue, lambda: dict(key="zipf-x", value=1.0),
             dict(key=st.sampled_from([None, 3, "Zipf", "", "a b", "zipf_x", b"zipf-x", True, "-zipf"]),
                  value=st.sampled_from([None, math.nan, math.inf, -math.inf, True, 1j, [1.0], torch.zeros(2), {},
                                         torch.tensor(1j), np.array([1.0, 2.0]), np.complex128(1),
                                         torch.tensor(math.nan)]))),
        # ------------------------------------------------------------------ explore
        Spec(explore.stored_recall, lambda: dict(n_stored=4, d=8, M=3, trials=2, seed=0, kind="gaussian"),
             dict(n_stored=_ints(1), d=_ints(1), M=_ints(2), trials=_ints(1), seed=_ints(0),
                  kind=_choice(("gaussian", "sphere", "orthonormal")))),
        Spec(explore.recall_grid,
             lambda: dict(ns=[2, 4], ds=[4, 8], M=3, trials=2, seed=0, kind="gaussian", statistic="mean"),
             dict(ns=_sizes(), ds=_sizes(), M=_ints(2), trials=_ints(1), seed=_ints(0),
                  kind=_choice(("gaussian", "sphere", "orthonormal")), statistic=_choice(("mean", "perfect")))),
        Spec(explore.plot_recall, lambda: dict(result=explore.stored_recall(4, 8, M=3, trials=2), ax=_ax()),
             dict(result=OBJECTS_BAD, ax=AXES_BAD)),
        Spec(explore.capacity_explorer, lambda: dict(M=3, trials=2), dict(M=_ints(2), trials=_ints(1))),
        Spec(explore.scaling_view,
             lambda: dict(alpha=2.0, scheme="fill", d=20, T=30, N=30, M=3, trials=1, seed=0, points=3),
             dict(alpha=_reals(0.0), scheme=_choice(explore.SCALING_SCHEMES), d=_ints(1), T=_ints(1),
                  N=_ints(1), M=_ints(2), trials=_ints(1), seed=_ints(0), points=_ints(2))),
        Spec(explore.plot_scaling_view, lambda: dict(view=_view(), axes=None),
             dict(view=OBJECTS_BAD, axes=st.sampled_from(["ab", 3, [1, 2], np.zeros(2), True, {"a": 1}, plt]))),
        Spec(explore.scaling_explorer, lambda: dict(N=30, M=3, trials=2),
             dict(N=_ints(1), M=_ints(2), trials=_ints(1))),
        Spec(explore.hopfield_view,
             lambda: dict(load=0.1, N=20, bias=0.0, flips=0.0, trials=2, seed=0, points=3, max_load=0.3, sweeps=2),
             dict(load=st.one_of(_reals(0.0, strict=True), st.sampled_from([1.5, 2, 10**6])), N=_ints(2),
                  bias=st.one_of(_reals(0.0), st.sampled_from([1.0, 1.5])),
                  flips=st.one_of(_reals(0.0), st.sampled_from([1.01, 2.0])), trials=_ints(1), seed=_ints(0),
                  points=st.one_of(_ints(2), st.sampled_from([10**6])),
                  max_load=st.one_of(_reals(0.0, strict=True), st.sampled_from([1.5])),
                  sweeps=st.one_of(_ints(0), st.sampled_from([10**6])))),
        Spec(explore.plot_hopfield_view, lambda: dict(view=_hopfield_view(), ax=_ax()),
             dict(view=OBJECTS_BAD, ax=AXES_BAD)),
        Spec(explore.hopfield_explorer, lambda: dict(trials=2), dict(trials=_ints(1))),
        Spec(explore.leak_view, lambda: dict(leak=0.5, T=4, d=3, trials=2, seed=0),
             dict(leak=st.one_of(_reals(0.0), st.sampled_from([1.01, 2.0])), T=_ints(1), d=_ints(1),
                  trials=_ints(1), seed=_ints(0))),
        Spec(explore.plot_leak_view, lambda: dict(view=explore.leak_view(0.5, T=4, d=3, trials=2), ax=_ax()),
             dict(view=OBJECTS_BAD, ax=AXES_BAD)),
        Spec(explore.leak_explorer, lambda: dict(T=4, trials=2), dict(T=_ints(1), trials=_ints(1))),
        Spec(explore.bandwidth_view, lambda: dict(beta=10.0, n=5, noise=0.2, seed=0, points=4),
             dict(beta=_reals(0.0), n=st.one_of(_ints(1), st.sampled_from([10**8])), noise=_reals(0.0),
                  seed=_ints(0), points=_ints(2))),
        Spec(explore.plot_bandwidth_view, lambda: dict(view=explore.bandwidth_view(10.0, 5, points=4), ax=_ax()),
             dict(view=OBJECTS_BAD, ax=AXES_BAD)),
        Spec(explore.bandwidth_explorer, lambda: dict(noise=0.2), dict(noise=_reals(0.0))),
        Spec(explore.forecast_view,
             lambda: dict(net=mosaics.ThreeMoonsNet(1), context=3, T=8, horizon=2, split="validation", system=None,
                          trials=2, seed=0),
             dict(net=OBJECTS_BAD, context=st.one_of(_ints(1), st.sampled_from([8, 10**6])), T=_ints(2),
                  horizon=st.one_of(_ints(1), st.sampled_from([7, 10**6])),
                  split=_choice(("train", "validation")), system=st.sampled_from([-1, 1, 2.5, "0", True]),
                  trials=st.one_of(_ints(1), st.sampled_from([10**6])), seed=_ints(0))),
        Spec(explore.plot_forecast_view,
             lambda: dict(view=explore.forecast_view(mosaics.ThreeMoonsNet(1), 3, T=8, horizon=2, trials=2),
                          axes=None),
             dict(view=OBJECTS_BAD, axes=AXES_BAD)),
        Spec(explore.forecast_explorer, lambda: dict(nets={"a": mosaics.ThreeMoonsNet(1)}, T=8, horizon=2, trials=2),
             dict(nets=st.sampled_from([{}, None, [1], {"a": torch.nn.Linear(6, 6)}, {"a": 3}]), T=_ints(2),
                  horizon=st.one_of(_ints(1), st.sampled_from([9, 10**6])),
                  trials=st.one_of(_ints(1), st.sampled_from([10**6])))),
        # ------------------------------------------------------------------ published
        Spec(published_grid,
             lambda: dict(model="matrix", optimizer="sgd", lr=1.0, batch_size=16, T=10240, layernorm=False),
             dict(model=_choice(("matrix", "learnable", "exponential")),
                  optimizer=st.one_of(_choice(("sgd", "signgd")), st.sampled_from(["Adam", "adam", "SGD"])),
                  lr=st.one_of(st.sampled_from([None, "0.1", "Tuned", "", b"tuned", 0.5, 3, -1.0, 0.0, True, 1j,
                                                math.nan, math.inf, -math.inf, 10**400, [1.0], {"lr": 1.0},
                                                torch.ones(2), torch.tensor(True), np.complex128(1)]),
                               st.floats().filter(lambda v: not any(math.isclose(v, g, rel_tol=1e-6)
                                                                    for g in (0.1, 1.0, 10.0, 100.0)))),
                  batch_size=st.one_of(_ints(1), st.integers().filter(lambda v: v not in (16, 64, 256, 1024))),
                  T=st.one_of(_ints(1), st.integers().filter(lambda v: v not in (1024, 10240, 102400))),
                  layernorm=BOOLS_BAD)),
        Spec(published_settings, lambda: dict(), dict()),
        # ------------------------------------------------------------------ hopfield
        Spec(hopfield.hebbian, lambda: dict(patterns=_hX()),
             dict(patterns=_from(lambda: _bad_real(_hX(), length_dim=None)[:-1] + [torch.zeros(0, 6)])),
             odd=dict(patterns=_from(lambda: [_hX().double(), _hX()[0], torch.randn(2, 3, 6), _meta(_hX())]))),
        Spec(hopfield.energy, lambda: dict(W=_hW(), states=_hs()),
             dict(W=_from(lambda: _bad_real(_hW(), torch.ones(3, 6, 6)) + [_hW()[:5, :5]]),
                  states=_from(lambda: _bad_real(_hs()))),
             odd=dict(states=_from(lambda: [torch.randn(2, 6), _hs().double(), _hs()[0]]),
                      W=_from(lambda: [torch.randn(6, 6), torch.stack([_hW(), _hW()])]))),
        Spec(hopfield.recall, lambda: dict(W=_hW(), states=_hs(), sweeps=2, generator=None, return_energy=False),
             dict(W=_from(lambda: _bad_real(_hW(), torch.ones(3, 6, 6)) + [_hW()[:5, :5]]),
                  states=_from(lambda: _bad_binary(_hs())),
                  sweeps=_ints(0), generator=GENERATORS_BAD, return_energy=BOOLS_BAD),
             odd=dict(W=_from(lambda: [torch.randn(6, 6), _hW().double(), torch.zeros(6, 6)]),
                      generator=st.sampled_from([torch.Generator().manual_seed(0)]))),
        Spec(hopfield.overlap, lambda: dict(states=_hs(), patterns=_hX()),
             dict(states=_from(lambda: _bad_real(_hs(), torch.ones(3, 6))),
                  patterns=_from(lambda: _bad_real(_hX(), torch.ones(3, 6)))),
             odd=dict(states=_from(lambda: [_hs()[:, None, :], _hs()[0], torch.randn(6).double()]))),
        Spec(hopfield.flip_probability, lambda: dict(load=0.1),
             dict(load=st.one_of(_reals_array(0.0, allow_inf=False, strict=True),
                                 _from(lambda: [torch.tensor([0.1, -1.0]), torch.tensor([0.1, 0.0]), torch.tensor(0.0),
                                                torch.tensor([1, 2]), torch.tensor(3), torch.tensor([True]),
                                                torch.tensor([1j]), torch.tensor([0.1, math.nan]),
                                                torch.tensor(math.inf), np.array([0.1])]))),
             odd=dict(load=_from(lambda: [torch.tensor([]), np.float64(0.1), 1, torch.tensor(0.1), 1e-300, 1e300,
                                          torch.tensor([[0.1, 1.0]])]))),
        Spec(hopfield.dense_energy, lambda: dict(patterns=_hX(), states=_hs(), kind="poly", a=3),
             dict(patterns=_from(lambda: _bad_binary(_hX(), torch.ones(3, 2, 6))),
                  states=_from(lambda: _bad_binary(_hs())),
                  kind=_choice(hopfield.DENSE_KINDS), a=_ints(1))),
        Spec(hopfield.dense_log_energy, lambda: dict(patterns=_hX(), states=_hs()),
             dict(patterns=_from(lambda: _bad_binary(_hX(), torch.ones(3, 2, 6))),
                  states=_from(lambda: _bad_binary(_hs())))),
        Spec(hopfield.dense_recall,
             lambda: dict(patterns=_hX(), states=_hs(), kind="exp", a=3, sweeps=1, generator=None),
             dict(patterns=_from(lambda: _bad_binary(_hX(), torch.ones(3, 2, 6))),
                  states=_from(lambda: _bad_binary(_hs())),
                  kind=_choice(hopfield.DENSE_KINDS), a=_ints(1), sweeps=_ints(0), generator=GENERATORS_BAD),
             odd=dict(sweeps=st.sampled_from([0, 1, 5]), kind=st.sampled_from(["poly"]))),
        Spec(hopfield.modern_update, lambda: dict(X=_hP(), xi=_hx(), beta=1.0),
             dict(X=_from(lambda: _bad_real(_hP(), torch.ones(3, 3, 4))), xi=_from(lambda: _bad_real(_hx())),
                  beta=_reals(0.0, strict=True)),
             odd=dict(beta=st.sampled_from([1e-300, 1e300, 1, np.float32(2.0)]))),
        Spec(hopfield.modern_energy, lambda: dict(X=_hP(), xi=_hx(), beta=1.0),
             dict(X=_from(lambda: _bad_real(_hP(), torch.ones(3, 3, 4))), xi=_from(lambda: _bad_real(_hx())),
                  beta=_reals(0.0, strict=True))),
        Spec(hopfield.separation, lambda: dict(X=_hP()),
             dict(X=_from(lambda: _bad_real(_hP(), length_dim=None)[:-1] + [_hP()[:1]]))),
        Spec(hopfield.distance_energy, lambda: dict(P=_hP(), x=_hx()),
             dict(P=_from(lambda: _bad_real(_hP(), torch.ones(3, 3, 4))), x=_from(lambda: _bad_real(_hx())))),
        Spec(hopfield.nearest_distance, lambda: dict(P=_hP(), x=_hx()),
             dict(P=_from(lambda: _bad_real(_hP(), torch.ones(3, 3, 4))), x=_from(lambda: _bad_real(_hx())))),
        Spec(hopfield.distance_update, lambda: dict(P=_hP(), x=_hx()),
             dict(P=_from(lambda: _bad_real(_hP(), torch.ones(3, 3, 4))), x=_from(lambda: _bad_real(_hx())))),
        Spec(hopfield.global_energy, lambda: dict(layer_patterns=[_hP(), _hP()[:2]], x=_hx()),
             dict(layer_patterns=LAYERS_BAD, x=_from(lambda: _bad_real(_hx()))),
             odd=dict(layer_patterns=_from(lambda: [(_hP(),), torch.stack([_hP(), _hP()]), [_hP().double(), _hP()],
                                                    [torch.zeros(2, 3, 4), _hP()]]))),
        # ------------------------------------------------------------------ plotting
        Spec(plotting.band, lambda: dict(ax=_ax(), x=[1.0, 2.0, 3.0], values=[[1.0, 2.0, 3.0], [2.0, 3.0, 4.0]],
                                         label=None, color=None),
             dict(ax=AXES_BAD_NOT_NONE,
                  x=_from(lambda: [None, "abc", 3.0, [1.0, math.nan, 3.0], [1.0, 2.0], [[1.0, 2.0, 3.0]],
                                   [1j, 2j, 3j], {"a": 1}, [1.0, "2", 3.0], torch.tensor([True, False, True])]),
                  values=_from(lambda: [None, "abc", 3.0, [[1.0, math.nan, 3.0]], [1.0, math.inf, 3.0],
                                        np.ones((2, 2, 3)), [[1.0, 2.0], [1.0]], torch.ones(2, 3, dtype=torch.complex64),
                                        [1.0, 2.0], {"a": 1}, [[10**400, 1, 2]]]),
                  label=st.sampled_from([3, ["a"], b"a", 1.5]),
                  color=st.sampled_from(["not-a-colour", 5, "#12", ["red"], 1.5]))),
        Spec(plotting.band_caption, lambda: dict(trials=3, randomness="data"),
             dict(trials=_ints(1), randomness=st.sampled_from([None, 3, b"data", "", "   ", ["data"]]))),
        Spec(plotting.guide_line, lambda: dict(ax=_ax(), x=[1.0, 2.0, 4.0], exponent=-1.0, prefactor=1.0,
                                               label=None, color="#555555"),
             dict(ax=AXES_BAD_NOT_NONE,
                  x=_from(lambda: [None, "abc", 3.0, [1.0, math.nan], [0.0, 1.0], [-1.0, 2.0], [[1.0, 2.0]],
                                   [1j, 2j], {"a": 1}]),
                  exponent=_reals(), prefactor=_reals(),
                  label=st.sampled_from([3, ["a"], b"a"]), color=st.sampled_from(["not-a-colour", 5, None, ["red"]]))),
        Spec(plotting.plain_log_ticks, lambda: dict(ax=_ax(), x=[1.0, 10.0], y=[0.1, 1.0]),
             dict(ax=AXES_BAD_NOT_NONE,
                  x=_from(lambda: ["10", 5, [], [0, 1], [-1.0], [1, math.nan], [1, math.inf], [[1, 2]], [1j],
                                   {1: 2}, torch.tensor([True]), [1, "a"]]),
                  y=_from(lambda: ["10", 5, [], [0, 1], [-1.0], [1, math.nan], [[1, 2]], [1j], {1: 2}]))),
        # ------------------------------------------------------------------ mosaics
        Spec(mosaics.kernel_weights, lambda: dict(keys=_mK(), query=_mq(), beta=1.0),
             dict(keys=_from(lambda: _bad_real(_mK(), torch.ones(3, 4, 3))),
                  query=_from(lambda: _bad_real(_mq(), torch.ones(3, 3))), beta=_reals(0.0)),
             odd=dict(beta=st.sampled_from([0, 0.0, 1e-300, 1e300, np.float32(2.0), torch.tensor(1.0)]),
                      query=_from(lambda: [_mq().double(), _mq()[0], torch.zeros(5, 1, 3)]))),
        Spec(mosaics.kernel_regression, lambda: dict(keys=_mK(), values=_mV(), query=_mq(), beta=1.0),
             dict(keys=_from(lambda: _bad_real(_mK(), torch.ones(3, 4, 3))),
                  values=_from(lambda: _bad_real(_mV(), torch.ones(3, 4, 2), length_dim=-2)),
                  query=_from(lambda: _bad_real(_mq(), torch.ones(3, 3))), beta=_reals(0.0)),
             odd=dict(values=_from(lambda: [_mV().double(), _mV()[0], _mV()[..., :1]]))),
        Spec(mosaics.leaky_average, lambda: dict(x=_mseq(3), leak=0.5),
             dict(x=_from(lambda: _bad_real(_mseq(3), length_dim=None)[:-1]),
                  leak=st.one_of(_reals(0.0), st.sampled_from([1.5, 2, 10**6]))),
             odd=dict(leak=st.sampled_from([0, 1, 0.0, 1.0]), x=_from(lambda: [_mseq(3)[0], _mseq(3).double()]))),
        Spec(mosaics.causal_weights, lambda: dict(keys=_mseq(3), beta=1.0, strict=True),
             dict(keys=_from(lambda: _bad_real(_mseq(3), length_dim=None)[:-1]), beta=_reals(0.0),
                  strict=BOOLS_BAD)),
        Spec(mosaics.causal_readout, lambda: dict(keys=_mseq(3), values=_mseq(2), beta=1.0, strict=True),
             dict(keys=_from(lambda: _bad_real(_mseq(3), torch.ones(3, 5, 3), length_dim=-2)),
                  values=_from(lambda: _bad_real(_mseq(2), torch.ones(3, 5, 2), length_dim=-2)),
                  beta=_reals(0.0), strict=BOOLS_BAD),
             odd=dict(values=_from(lambda: [_mseq(2).double(), _mseq(2)[0], _mseq(2)[..., :1]]))),
        Spec(mosaics.count_parameters, lambda: dict(module=torch.nn.Linear(2, 2)), dict(module=MODULES_BAD)),
        Spec(mosaics.full_period, lambda: dict(periods=(0.5, 1.0, 2.0)), dict(periods=PERIODS_BAD),
             odd=dict(periods=_from(lambda: [[1], (3.5,), torch.tensor([1, 2]), [0.1, 0.2, 0.30000000000000004],
                                             torch.tensor([0.5], dtype=torch.float32)]))),
        Spec(mosaics.three_moons_time_step, lambda: dict(T=240), dict(T=_ints(1))),
        Spec(mosaics.three_moons,
             lambda: dict(T=10, batch=2, split="train", system=None, generator=None, dtype=torch.float32,
                          device="cpu"),
             dict(T=st.one_of(_ints(1), st.sampled_from([5000, 10**6])), batch=_ints(1),
                  split=_choice(mosaics.SPLITS), system=st.one_of(_ints(0, optional=True), st.sampled_from([8, 2**62])),
                  generator=GENERATORS_BAD, dtype=DTYPES_BAD, device=DEVICES_BAD),
             odd=dict(T=st.sampled_from([1, 2, 4999]), system=st.sampled_from([0, 7]),
                      dtype=st.sampled_from([torch.float16, torch.bfloat16, torch.float64]),
                      device=st.sampled_from([None, torch.device("cpu")]),
                      generator=st.sampled_from([torch.Generator()]))),
        Spec(mosaics.three_moons, lambda: dict(T=10, batch=2, split="validation", system=None),
             dict(system=st.one_of(_ints(0, optional=True), st.sampled_from([1, 7, 8]))),
             name="mosaics.three_moons[validation]"),
        Spec(mosaics.ContextualMemory,
             lambda: dict(d=4, heads=2, leaky=True, peek=True, strict=True, generator=None),
             dict(d=st.one_of(_ints(1), st.sampled_from([3, 5])), heads=st.one_of(_ints(1), st.sampled_from([3, 8])),
                  leaky=BOOLS_BAD, peek=BOOLS_BAD, strict=BOOLS_BAD, generator=GENERATORS_BAD),
             name="mosaics.ContextualMemory"),
        Spec(mosaics.PersistentMemory, lambda: dict(d=4, heads=2, slots=3, leaky=True, generator=None),
             dict(d=st.one_of(_ints(1), st.sampled_from([3, 5])), heads=st.one_of(_ints(1), st.sampled_from([3, 8])),
                  slots=_ints(1), leaky=BOOLS_BAD, generator=GENERATORS_BAD),
             name="mosaics.PersistentMemory"),
        Spec(mosaics.ComplexLinear, lambda: dict(n_in=3, n_out=2, init_std=None, generator=None),
             dict(n_in=_ints(1), n_out=_ints(1), init_std=INIT_STD_BAD, generator=GENERATORS_BAD),
             name="mosaics.ComplexLinear"),
        Spec(mosaics.ThreeMoonsNet, lambda: dict(heads=3, beta=50.0, init_std=None, generator=None),
             dict(heads=st.one_of(_ints(1), st.sampled_from([2, 4, 6])), beta=_reals(0.0), init_std=INIT_STD_BAD,
                  generator=GENERATORS_BAD),
             name="mosaics.ThreeMoonsNet"),
        Spec(_mnet("ctx").forward, lambda: dict(x=_mseq()), dict(x=_from(_bad_seq)),
             name="mosaics.ContextualMemory.forward"),
        Spec(_mnet("ctx").attention, lambda: dict(x=_mseq()), dict(x=_from(_bad_seq)),
             name="mosaics.ContextualMemory.attention"),
        Spec(_mnet("ctx").keys, lambda: dict(x=_mseq()), dict(x=_from(_bad_seq)),
             name="mosaics.ContextualMemory.keys"),
        Spec(_mnet("ctx").values, lambda: dict(x=_mseq()), dict(x=_from(_bad_seq)),
             name="mosaics.ContextualMemory.values"),
        Spec(_mnet("pmem").forward, lambda: dict(x=_mseq()), dict(x=_from(_bad_seq)),
             name="mosaics.PersistentMemory.forward"),
        Spec(_mnet("pmem").attention, lambda: dict(x=_mseq()), dict(x=_from(_bad_seq)),
             name="mosaics.PersistentMemory.attention"),
        Spec(_mnet("clin").forward, lambda: dict(x=_mseq(6)), name="mosaics.ComplexLinear.forward", bad=
             dict(x=_from(lambda: _bad_float(_mseq(6), batched=True) + [_meta(_mseq(6)), _mseq(6).double()]))),
        Spec(_mnet("moons").forward, lambda: dict(x=_mseq(6)), dict(x=_from(lambda: _bad_seq(6))),
             name="mosaics.ThreeMoonsNet.forward"),
        Spec(_mnet("moons").attention, lambda: dict(x=_mseq(6)), dict(x=_from(lambda: _bad_seq(6))),
             name="mosaics.ThreeMoonsNet.attention"),
        Spec(_mnet("moons").generate, lambda: dict(context=_mseq(6), steps=2),
             dict(context=_from(lambda: _bad_seq(6)), steps=_ints(0)),
             odd=dict(steps=st.sampled_from([0, 1])), name="mosaics.ThreeMoonsNet.generate"),
    ]
    # the exercise self-checks: only their fn argument (the reader's answer)
    for name in dir(exercises):
        fn = getattr(exercises, name)
        if name.startswith("check_") and inspect.isfunction(fn):
            specs.append(Spec(fn, lambda: dict(fn=lambda *a, **k: None), dict(fn=CALLABLES_BAD),
                              name=f"exercises.{name}"))
    for spec in specs:
        if not spec.name:
            spec.name = f"{spec.fn.__module__.replace('amtools.', '')}.{spec.fn.__name__}"
    return specs


def _module_specs() -> list[Spec]:
    """Specs kept next to their module's tests: ``tests/bad_inputs_<module>.py`` defines ``specs(h)``, where
    ``h`` is this module (for ``Spec``, the strategies ``_ints``, ``_reals``, ``_choice``, ``OBJECTS_BAD`` ...)."""
    import importlib
    import sys

    found = []
    for path in sorted(Path(__file__).parent.glob("bad_inputs_*.py")):
        found += importlib.import_module(path.stem).specs(sys.modules[__name__])
    return found


SPECS = _specs() + _module_specs()
CASES = [(spec, arg) for spec in SPECS for arg in spec.bad]
ODD_CASES = [(spec, arg) for spec in SPECS for arg in spec.odd]


# ============================================================================ the verdict

def _innermost_file(err: BaseException) -> str:
    tb = err.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code.co_filename if tb is not None else ""


def verdict(spec: Spec, arg: str, bad: Any, *, may_accept: bool = False) -> str | None:
    """``None`` if ``spec.fn`` refuses ``bad`` for ``arg`` properly, else what went wrong.

    With ``may_accept`` (an odd but possibly valid value) returning a result is fine too.
    """
    kwargs = spec.valid()
    kwargs[arg] = bad
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = spec.fn(**kwargs)
    except (ValueError, TypeError) as err:
        where = Path(_innermost_file(err)).resolve()
        if PACKAGE not in where.parents:
            return f"{type(err).__name__} raised inside {where.name}, not by amtools: {err}"
        if not re.search(rf"(?<![A-Za-z0-9_]){re.escape(arg)}(?![A-Za-z0-9_])", str(err)):
            return f"{type(err).__name__} does not name {arg!r}: {err}"
        return None
    except Exception as err:  # noqa: BLE001 - everything else is the finding
        return f"raw {type(err).__name__}: {str(err)[:200]}"
    finally:
        plt.close("all")
    if may_accept:
        return None
    return f"accepted silently, returned {type(result).__name__}"


def _case_id(case: tuple[Spec, str]) -> str:
    return f"{case[0].name}-{case[1]}"


@pytest.mark.parametrize("spec, arg", CASES, ids=[_case_id(c) for c in CASES])
def test_bad_value_is_refused_naming_the_argument(spec: Spec, arg: str) -> None:
    @FAST
    @given(bad=spec.bad[arg])
    def run(bad: Any) -> None:
        problem = verdict(spec, arg, bad)
        assert problem is None, f"{spec.name}({arg}={bad!r:.80}): {problem}"

    run()


@pytest.mark.parametrize("spec, arg", ODD_CASES, ids=[_case_id(c) for c in ODD_CASES])
def test_odd_value_is_handled_or_refused_naming_the_argument(spec: Spec, arg: str) -> None:
    """Values a function may accept (e.g. an int32 index tensor): a result, or a clear refusal; never a crash."""
    @FAST
    @given(odd=spec.odd[arg])
    def run(odd: Any) -> None:
        problem = verdict(spec, arg, odd, may_accept=True)
        assert problem is None, f"{spec.name}({arg}={odd!r:.80}): {problem}"

    run()


# ============================================================================ coverage and sanity

def _public_functions() -> dict[str, Callable[..., Any]]:
    found = {}
    for mod, names in ((am, am.__all__), (explore, explore.__all__), (plotting, plotting.__all__),
                       (hopfield, hopfield.__all__),
                       (mosaics, mosaics.__all__),
                       (models, models.__all__), (lm_training, lm_training.__all__),
                       (regbench, regbench.__all__), (stories, stories.__all__),
                       (exercises, [n for n in dir(exercises) if n.startswith("check_")])):
        for n in names:
            obj = getattr(mod, n)
            if inspect.isfunction(obj):
                found[f"{obj.__module__}.{n}"] = obj
    return found


def test_every_public_function_has_a_spec() -> None:
    covered = {s.fn for s in SPECS}
    missing = [n for n, fn in _public_functions().items() if fn not in covered and fn is not plotting.use_style]
    assert not missing, f"add a Spec (valid call + bad values) to tests/test_bad_inputs.py for: {sorted(missing)}"


def test_every_argument_has_bad_values() -> None:
    """Each spec perturbs every parameter of its function (except **kwargs and the no-argument use_style)."""
    missing = []
    by_fn: dict[Any, set[str]] = {}
    for spec in SPECS:
        by_fn.setdefault(spec.fn, set()).update(spec.bad)
    for fn, covered in by_fn.items():
        params = [p.name for p in inspect.signature(fn).parameters.values()
                  if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
        if fn.__name__.startswith("check_") and fn.__module__.startswith("amtools.exercises"):
            params = ["fn"]
        missing += [f"{fn.__name__}.{p}" for p in params if p not in covered]
    assert not missing, f"arguments without bad values: {missing}"


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_the_valid_call_is_valid(spec: Spec) -> None:
    """The harness's reference call works, so every refusal is due to the one bad argument."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            spec.fn(**spec.valid())
    except Exception as err:  # exercise checks reject the dummy answer: that is not the harness's concern
        if not spec.name.startswith("exercises."):
            raise
        assert isinstance(err, am.CheckFailed) or isinstance(err, AssertionError), err
    finally:
        plt.close("all")


def test_the_verdict_can_fail() -> None:
    """The harness itself: silent acceptance, a raw error, an unnamed argument and a foreign frame all fail."""
    def silent(n: int) -> int:
        return n

    def raw(n: int) -> int:
        raise ZeroDivisionError("boom")

    def unnamed(n: int) -> int:
        from amtools._validate import as_int

        return as_int(-1, "size", minimum=0)                       # raised in amtools, names "size"

    def foreign(n: int) -> int:
        return int(np.asarray("x" if n else "y", dtype=float))   # ValueError raised inside NumPy

    for fn, words in ((silent, "accepted silently"), (raw, "raw ZeroDivisionError"),
                      (unnamed, "does not name"), (foreign, "not by amtools")):
        assert words in (verdict(Spec(fn, lambda: dict(n=1)), "n", 5) or "")
    assert verdict(Spec(am.seed_everything, lambda: dict(seed=0)), "seed", -1) is None


def summary(max_examples: int = 60) -> dict[str, list[str]]:
    """Every distinct failure per function and argument (for a report: ``python tests/test_bad_inputs.py``)."""
    found: dict[str, list[str]] = {}
    for spec, arg, odd in [(s, a, False) for s, a in CASES] + [(s, a, True) for s, a in ODD_CASES]:
        seen: dict[str, str] = {}
        strategy = (spec.odd if odd else spec.bad)[arg]

        @settings(max_examples=max_examples, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(bad=strategy)
        def collect(bad: Any) -> None:
            problem = verdict(spec, arg, bad, may_accept=odd)
            if problem is not None:
                key = re.sub(r"\d+(\.\d+)?", "#", problem)[:90]
                seen.setdefault(key, f"{arg}={bad!r:.60}: {problem[:160]}")

        collect()
        if seen:
            found[f"{spec.name}({arg})"] = list(seen.values())
    return found


if __name__ == "__main__":
    for case, problems in summary().items():
        print(case)
        for line in problems:
            print("   ", line)
