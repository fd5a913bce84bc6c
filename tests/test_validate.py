"""Tests of amtools._validate (the shared argument checks) and of amtools.require."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import amtools
from amtools._validate import as_int, as_real, as_tensor, as_token_ids, check_probability_vector

FAST = settings(max_examples=30, deadline=None, database=None)


# ----------------------------------------------------------------------------- as_int

@pytest.mark.parametrize("value", [0, 7, np.int64(7), np.int32(7), torch.tensor(7),
                                   torch.tensor(7, dtype=torch.int32)])
def test_as_int_accepts_integers(value):
    out = as_int(value, "n")
    assert out == int(value) and type(out) is int


@pytest.mark.parametrize("value", [2.5, 3.0, True, False, "3", None, torch.tensor(3.0),
                                   torch.tensor([3]), np.float64(3.0), [3]])
def test_as_int_rejects_non_integers_naming_the_argument(value):
    with pytest.raises(TypeError, match="size must be an integer"):
        as_int(value, "size")


@FAST
@given(value=st.integers(-1000, 1000), minimum=st.integers(-10, 10))
def test_as_int_minimum(value, minimum):
    if value >= minimum:
        assert as_int(value, "k", minimum=minimum) == value
    else:
        with pytest.raises(ValueError, match=f"k must be >= {minimum}, got {value}"):
            as_int(value, "k", minimum=minimum)


# ----------------------------------------------------------------------------- as_real

@pytest.mark.parametrize("value", [0, 1.5, -2, np.float32(0.25), np.int64(3), torch.tensor(0.5),
                                   torch.tensor(2)])
def test_as_real_accepts_reals(value):
    out = as_real(value, "a")
    assert type(out) is float and out == pytest.approx(float(value))


@pytest.mark.parametrize("value", ["1", None, True, 1 + 2j, [1.0], torch.ones(2)])
def test_as_real_rejects_non_reals(value):
    with pytest.raises(TypeError, match="alpha must be a real number"):
        as_real(value, "alpha")


def test_as_real_finite_minimum_strict_and_infinity():
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError, match="alpha must be finite"):
            as_real(bad, "alpha")
    assert as_real(math.inf, "alpha", allow_inf=True) == math.inf
    with pytest.raises(ValueError, match="alpha must be finite"):
        as_real(math.nan, "alpha", allow_inf=True)
    assert as_real(0.0, "alpha", minimum=0.0) == 0.0
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        as_real(-1e-9, "alpha", minimum=0.0)
    with pytest.raises(ValueError, match="alpha must be > 1"):
        as_real(1.0, "alpha", minimum=1.0, strict=True)
    assert as_real(1.5, "alpha", minimum=1.0, strict=True) == 1.5


# ----------------------------------------------------------------------------- as_tensor

def test_as_tensor_checks_type_ndim_and_dtype():
    t = torch.zeros(2, 3)
    assert as_tensor(t, "E", ndim=(2, 3), floating=True) is t
    with pytest.raises(TypeError, match="E must be a torch.Tensor, got list"):
        as_tensor([[0.0]], "E")
    with pytest.raises(TypeError, match="E must be a torch.Tensor, got ndarray"):
        as_tensor(np.zeros(3), "E")
    with pytest.raises(ValueError, match=r"E must have 2 or 3 dimensions, got shape \(6,\)"):
        as_tensor(torch.zeros(6), "E", ndim=(2, 3))
    with pytest.raises(TypeError, match="E must be a floating-point tensor"):
        as_tensor(torch.zeros(2, 3, dtype=torch.long), "E", floating=True)
    for dtype in (torch.float32, torch.bool, torch.complex64):
        with pytest.raises(TypeError, match="tokens must be an integer tensor"):
            as_tensor(torch.zeros(3, dtype=dtype), "tokens", integer=True)
    for dtype in (torch.uint8, torch.int16, torch.int32, torch.long):
        assert as_tensor(torch.zeros(3, dtype=dtype), "tokens", integer=True).dtype == dtype


# ----------------------------------------------------------------------------- probability vectors

@FAST
@given(n=st.integers(1, 50), seed=st.integers(0, 2**31 - 1),
       dtype=st.sampled_from([torch.float32, torch.float64]))
def test_probability_vector_accepts_normalized_laws(n, seed, dtype):
    w = np.random.default_rng(seed).random(n) + 1e-3
    p = torch.from_numpy(w / w.sum()).to(dtype)
    assert check_probability_vector(p) is p


@FAST
@given(n=st.integers(1, 50), scale=st.floats(0.0, 3.0), seed=st.integers(0, 2**31 - 1))
def test_probability_vector_rejects_wrong_totals(n, scale, seed):
    w = np.random.default_rng(seed).random(n) + 1e-3
    law = scale * w / w.sum()
    p = torch.from_numpy(law)
    if abs(math.fsum(law.tolist()) - 1.0) > 1e-6:      # the documented tolerance
        with pytest.raises(ValueError, match="law must sum to 1"):
            check_probability_vector(p, "law")
    else:
        check_probability_vector(p, "law")


@pytest.mark.parametrize("p, exc, msg", [
    ([0.5, 0.5], TypeError, "law must be a torch.Tensor"),
    (torch.tensor([1, 0]), TypeError, "law must be a floating-point tensor"),
    (torch.full((2, 2), 0.25), ValueError, "law must have 1 dimensions"),
    (torch.tensor([]), ValueError, "law must not be empty"),
    (torch.tensor([math.nan, 1.0]), ValueError, "law must contain only finite"),
    (torch.tensor([math.inf, 1.0]), ValueError, "law must contain only finite"),
    (torch.tensor([1.5, -0.5]), ValueError, "law must be non-negative"),
    (torch.tensor([0.5, 0.49]), ValueError, "law must sum to 1, sums to 0.99"),
])
def test_probability_vector_rejects_bad_laws(p, exc, msg):
    with pytest.raises(exc, match=msg):
        check_probability_vector(p, "law")


def test_probability_vector_tolerance_and_default_name():
    check_probability_vector(torch.tensor([0.5, 0.5 + 1e-7], dtype=torch.float64))
    with pytest.raises(ValueError, match="^p must sum to 1"):
        check_probability_vector(torch.tensor([0.5, 0.5 + 5e-6], dtype=torch.float64))
    with pytest.raises(ValueError, match="^p must sum to 1"):
        check_probability_vector(torch.tensor([0.5, 0.5 + 1e-3], dtype=torch.float64))
    check_probability_vector(torch.tensor([0.5, 0.5 + 1e-3], dtype=torch.float64), atol=1e-2)


# ----------------------------------------------------------------------------- package level

def test_require_version():
    amtools.require("0.1")
    amtools.require("0.1.0")
    amtools.require("0")
    with pytest.raises(RuntimeError, match="needs amtools >= 99.0"):
        amtools.require("99.0")
    with pytest.raises(TypeError, match="version"):
        amtools.require(0.1)
    with pytest.raises(ValueError, match="version"):
        amtools.require("zero.one")


def test_public_names_exist():
    for name in amtools.__all__:
        assert hasattr(amtools, name), name
    assert amtools.__version__.count(".") == 2


# ----------------------------------------------------------------------------- as_sizes on NumPy arrays

def test_as_sizes_treats_numpy_arrays_like_tensors_and_lists():
    from amtools._validate import as_sizes

    for values in (np.array([4, 8]), np.logspace(2, 3, 2, base=2), torch.tensor([4.0, 8.0]), [4, 8.0]):
        out = as_sizes(values, "ns")
        assert out == [4, 8] and all(type(v) is int for v in out)
    assert as_sizes(np.array([2.0, np.inf]), "Ts", allow_inf=True) == [2, math.inf]
    for bad, exc in ((np.array([2.5]), ValueError), (np.array([np.nan]), ValueError),
                     (np.array([np.inf]), ValueError), (np.array([[2, 3]]), TypeError),
                     (np.array([True]), TypeError), (np.array([1 + 2j]), TypeError),
                     (np.array(["3"]), TypeError), (np.array([0]), ValueError)):
        with pytest.raises(exc, match="ns"):
            as_sizes(bad, "ns")


@pytest.mark.parametrize("value", [2**63, 2**64, 10**400, -(10**400)])
def test_as_int_huge_ints_are_a_value_error_with_a_readable_message(value):
    with pytest.raises(ValueError, match="seed must be"):
        as_int(value, "seed", minimum=0 if value < 0 else None)


# ----------------------------------------------------------------------------- check_generator_device

def test_check_generator_device():
    from amtools._validate import check_generator_device

    gen = torch.Generator()
    check_generator_device(None, torch.device("cpu"))
    check_generator_device(gen, None)
    check_generator_device(gen, torch.device("cpu"))
    check_generator_device(gen, "cpu")
    with pytest.raises(ValueError, match=r"^gen is on cpu, but the draw is on cuda"):
        check_generator_device(gen, "cuda", "gen")


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_all_finite_sees_every_nan_and_inf(dtype):
    from amtools._validate import all_finite

    x = torch.linspace(-3, 3, 101, dtype=dtype)
    assert all_finite(x) and all_finite(torch.zeros(0, dtype=dtype)) and all_finite(torch.arange(5))
    for i in (0, 50, 100):
        for bad in (math.nan, math.inf, -math.inf):
            y = x.clone()
            y[i] = bad
            assert not all_finite(y), (dtype, i, bad)
    z = torch.zeros(3, dtype=torch.complex64)
    z[1] = complex(0, math.inf)
    assert not all_finite(z)


# ----------------------------------------------------------------------------- as_batched, devices, batches

def test_as_batched_accepts_leading_dimensions_and_checks_the_core():
    from amtools._validate import as_batched

    x = torch.ones(2, 3, 4)
    assert as_batched(x, "X", ("K", "d")) is x
    assert as_batched(torch.ones(4), "x", ("d",)).shape == (4,)
    with pytest.raises(ValueError, match=r"X must be \[\.\.\., K, d\] \(at least 2"):
        as_batched(torch.ones(4), "X", ("K", "d"))
    with pytest.raises(ValueError, match="X must be .* non-empty K, d"):
        as_batched(torch.ones(2, 0, 4), "X", ("K", "d"))
    assert as_batched(torch.ones(0, 3, 4), "X", ("K", "d")).shape == (0, 3, 4)    # an empty batch is fine
    with pytest.raises(TypeError, match="X must be a floating-point tensor"):
        as_batched(torch.ones(3, 4, dtype=torch.long), "X", ("K", "d"))
    with pytest.raises(ValueError, match="X must contain only finite"):
        as_batched(torch.tensor([[1.0, math.nan]]), "X", ("K", "d"))


@given(values=st.lists(st.sampled_from([-1.0, 1.0, 0.0, 0.5, -2.0]), min_size=1, max_size=8))
@FAST
def test_as_batched_binary(values):
    from amtools._validate import as_batched

    x = torch.tensor(values)
    if all(abs(v) == 1 for v in values):
        assert as_batched(x, "states", ("N",), binary=True) is x
    else:
        with pytest.raises(ValueError, match=r"states must hold only -1\.0 and \+1\.0"):
            as_batched(x, "states", ("N",), binary=True)
    as_batched(torch.empty(3, device="meta"), "states", ("N",), binary=True)       # no values to check


def test_check_same_device_and_broadcast_batch():
    from amtools._validate import broadcast_batch, check_same_device

    assert check_same_device(a=torch.ones(1), b=torch.ones(2)) == torch.device("cpu")
    with pytest.raises(ValueError, match="a and b must be on the same device, got a on cpu, b on meta"):
        check_same_device(a=torch.ones(1), b=torch.empty(1, device="meta"))
    assert broadcast_batch(W=(2, 1), states=(3,)) == (2, 3)
    assert broadcast_batch(W=(), states=(4, 5)) == (4, 5)
    with pytest.raises(ValueError, match=r"batch \(leading\) dimensions of W and states do not broadcast: "
                                         r"W \(2,\), states \(3,\)"):
        broadcast_batch(W=(2,), states=(3,))


def test_common_dtype_promotes_across_all_tensors():
    from amtools._validate import common_dtype

    assert common_dtype(torch.zeros(1)) == torch.float32
    assert common_dtype(torch.zeros(1), torch.zeros(1, dtype=torch.float64)) == torch.float64
    assert common_dtype(torch.zeros(1, dtype=torch.long), torch.zeros(1, dtype=torch.float16)) == torch.float16


# ----------------------------------------------------------------------------- as_token_ids

def test_as_token_ids_bounds_ignore_and_containers():
    assert as_token_ids([0, 4, -100], "ids", 5, ignore=-100) == [0, 4, -100]
    assert as_token_ids(torch.tensor([1, 2]), "ids", 3) == [1, 2]
    assert as_token_ids(range(3), "ids", 3) == [0, 1, 2]
    with pytest.raises(ValueError, match=r"ids must be token ids in \[0, 5\) \(or -100\), got 5"):
        as_token_ids([5], "ids", 5, ignore=-100)
    with pytest.raises(ValueError, match="got -100"):
        as_token_ids([-100], "ids", 5)                       # -100 only when it is the ignore id
    with pytest.raises(ValueError, match="got -1"):
        as_token_ids(torch.tensor([-1]), "ids", 5, ignore=-100)
    with pytest.raises(TypeError, match="ids"):
        as_token_ids("ab", "ids", 5)
    with pytest.raises(TypeError, match="ids"):
        as_token_ids(torch.tensor([0.5]), "ids", 5)
    with pytest.raises(ValueError, match="ids"):
        as_token_ids(torch.zeros(2, 2, dtype=torch.long), "ids", 5)
