"""Argument checks shared by every public function (private module).

Every public function of :mod:`amtools` validates its arguments with these
helpers, so that a wrong call fails at once with a short ``TypeError`` or
``ValueError`` that names the argument, instead of returning garbage or
crashing deep inside torch. The rules, the same everywhere:

- integers: Python ints, NumPy integers or 0-d integer tensors; never ``bool``
  (nor a bool tensor), never a float, at most ``2**63 - 1`` (what torch holds);
- reals: ints or floats (0-d real tensors too); never ``bool`` or complex;
  finite unless ``allow_inf``; a huge int that overflows a float is a ``ValueError``;
- tensors: a ``torch.Tensor`` of the stated number of dimensions and dtype kind;
  floating tensors must hold finite values when ``finite=True``;
- dtypes: a ``torch.dtype`` object (not a string), of the kind the function needs;
- devices: a ``str`` or ``torch.device`` naming a device torch has here (``"cuda"``
  without CUDA is a ``ValueError``); ``None`` means the default.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any, Sequence

import torch

__all__: list[str] = []

INT_MAX = 2**63 - 1
FLOAT_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)


def as_int(value: Any, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as an ``int``; raise if it is not an integer in ``[minimum, maximum]``."""
    if isinstance(value, torch.Tensor):
        if value.ndim != 0 or value.dtype == torch.bool or value.is_floating_point() or value.is_complex():
            raise TypeError(f"{name} must be an integer, got a tensor of dtype {value.dtype} "
                            f"and shape {tuple(value.shape)}")
        value = int(value.item())
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} ({value!r:.40})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    upper = INT_MAX if maximum is None else maximum
    if value > upper:
        shown = f"{value:.3g}" if value.bit_length() < 1000 else f"an integer of {len(str(value))} digits"
        raise ValueError(f"{name} must be <= {upper}, got {shown}")
    return value


def as_real(value: Any, name: str, *, minimum: float | None = None, maximum: float | None = None,
            strict: bool = False, allow_inf: bool = False) -> float:
    """Return ``value`` as a ``float``; raise if it is not a finite real >= ``minimum`` (> if ``strict``)."""
    if isinstance(value, torch.Tensor):
        if value.ndim != 0 or value.dtype == torch.bool or value.is_complex():
            raise TypeError(f"{name} must be a real number, got a tensor of dtype {value.dtype} "
                            f"and shape {tuple(value.shape)}")
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} ({value!r:.40})")
    try:
        value = float(value)
    except OverflowError:
        raise ValueError(f"{name} is too large for a float") from None
    if math.isnan(value) or (math.isinf(value) and not allow_inf):
        raise ValueError(f"{name} must be finite, got {value}")
    if minimum is not None:
        if strict and not value > minimum:
            raise ValueError(f"{name} must be > {minimum}, got {value}")
        if not strict and value < minimum:
            raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def all_finite(x: torch.Tensor) -> bool:
    """True if a tensor holds no NaN or inf, in one reduction pass (no mask the size of ``x``).

    NaN propagates through ``aminmax`` and an infinity shows up at one end, so checking the two
    ends is enough; it is about fifteen times faster than ``torch.isfinite(x).all()`` on large tensors.
    """
    if not (x.is_floating_point() or x.is_complex()) or x.numel() == 0:
        return True
    if x.is_complex():
        return all_finite(torch.view_as_real(x))
    if x.device.type == "meta":
        return True
    lo, hi = torch.aminmax(x)
    return bool(torch.isfinite(lo)) and bool(torch.isfinite(hi))


def as_tensor(value: Any, name: str, *, ndim: tuple[int, ...] | None = None,
              floating: bool | None = None, integer: bool | None = None,
              finite: bool = False) -> torch.Tensor:
    """Return ``value`` as a tensor and check its dimensions, dtype kind and (optionally) finiteness."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if ndim is not None and value.ndim not in ndim:
        dims = " or ".join(str(n) for n in ndim)
        raise ValueError(f"{name} must have {dims} dimensions, got shape {tuple(value.shape)}")
    if floating and not value.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {value.dtype}")
    if integer and (value.is_floating_point() or value.is_complex() or value.dtype == torch.bool):
        raise TypeError(f"{name} must be an integer tensor (e.g. torch.long), got dtype {value.dtype}")
    if finite and value.is_floating_point() and not all_finite(value):
        raise ValueError(f"{name} must contain only finite numbers (found NaN or inf)")
    return value


def as_token_ids(value: Any, name: str, n: int, *, ignore: int | None = None) -> list[int]:
    """A list of token ids in ``[0, n)`` (``ignore`` also allowed) from a list/tuple/range or a 1-D integer tensor."""
    if isinstance(value, torch.Tensor):
        ids = as_tensor(value, name, ndim=(1,), integer=True).tolist()
    elif isinstance(value, (list, tuple, range)):
        ids = [as_int(v, f"each entry of {name}") for v in value]
    else:
        raise TypeError(f"{name} must be a list of token ids or a 1-D integer tensor, got {type(value).__name__}")
    bad = [i for i in ids if not (0 <= i < n or i == ignore)]
    if bad:
        extra = f" (or {ignore})" if ignore is not None else ""
        raise ValueError(f"{name} must be token ids in [0, {n}){extra}, got {bad[0]}")
    return ids


def as_dtype(value: Any, name: str = "dtype", *, allowed: Sequence[torch.dtype] = FLOAT_DTYPES) -> torch.dtype:
    """Check that ``value`` is one of the ``allowed`` torch dtypes (a dtype object, not a string)."""
    names = ", ".join(str(d).replace("torch.", "torch.") for d in allowed)
    if isinstance(value, str):
        raise TypeError(f"{name} must be a torch.dtype such as torch.float32, not the string {value!r}")
    if not isinstance(value, torch.dtype):
        raise TypeError(f"{name} must be a torch.dtype, got {type(value).__name__}")
    if value not in allowed:
        raise ValueError(f"{name} must be one of {names}, got {value}")
    return value


def as_device(value: Any, name: str = "device") -> torch.device | None:
    """Check that ``value`` names a device available here; ``None`` stays ``None``."""
    if value is None:
        return None
    if not isinstance(value, (str, torch.device)):
        raise TypeError(f"{name} must be a str, torch.device or None, got {type(value).__name__}")
    try:
        dev = torch.device(value)
    except (RuntimeError, ValueError):
        raise ValueError(f"{name} {value!r} is not a torch device (use 'cpu', 'cuda' or 'cuda:0')") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"{name} {value!r} asks for CUDA, which is not available here (use 'cpu')")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(f"{name} {value!r}: only {torch.cuda.device_count()} CUDA device(s) here")
    elif dev.type == "mps":
        if not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
            raise ValueError(f"{name} {value!r} asks for MPS, which is not available here (use 'cpu')")
    elif dev.type != "cpu":
        raise ValueError(f"{name} {value!r}: amtools runs on 'cpu', 'cuda' or 'mps'")
    return dev


def as_generator(value: Any, name: str = "generator") -> torch.Generator | None:
    """Check that ``value`` is a ``torch.Generator`` or ``None``."""
    if value is not None and not isinstance(value, torch.Generator):
        raise TypeError(f"{name} must be a torch.Generator or None, got {type(value).__name__}")
    return value


def check_generator_device(generator: torch.Generator | None, device: torch.device | None,
                           name: str = "generator") -> None:
    """Check that a ``generator`` (if any) lives on the device the numbers are drawn on."""
    if generator is None or device is None:
        return
    if generator.device.type != torch.device(device).type:
        raise ValueError(f"{name} is on {generator.device}, but the draw is on {device}: "
                         f"pass a torch.Generator(device={str(device)!r})")


def as_bool(value: Any, name: str) -> bool:
    """Check that ``value`` is a plain ``bool``."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")
    return value


def as_choice(value: Any, name: str, choices: Sequence[str]) -> str:
    """Check that ``value`` is one of the strings ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r:.40}")
    return value


def as_sizes(values: Any, name: str, *, allow_inf: bool = False, minimum: int = 1) -> list[float | int]:
    """A non-empty list of integers >= ``minimum`` (and ``math.inf`` where allowed).

    Accepts a list/tuple or a 1-D tensor; the same rule for both: integral values
    (``3`` or ``3.0``) become ints, ``inf`` is kept only with ``allow_inf``, and
    anything else (NaN, 2.5, a bool, a string) is rejected.
    """
    if isinstance(values, torch.Tensor):
        if values.ndim != 1 or values.dtype == torch.bool or values.is_complex():
            raise TypeError(f"{name} must be a 1-D real tensor or a list, got dtype {values.dtype} "
                            f"and shape {tuple(values.shape)}")
        items = values.tolist()
    elif type(values).__module__ == "numpy" and type(values).__name__ == "ndarray":
        # a NumPy array (e.g. a log-spaced grid): the same rule as a tensor
        if values.ndim != 1 or values.dtype.kind not in "iuf":
            raise TypeError(f"{name} must be a 1-D real array or a list, got dtype {values.dtype} "
                            f"and shape {tuple(values.shape)}")
        items = values.tolist()
    elif isinstance(values, (list, tuple, range)):
        items = list(values)
    else:
        raise TypeError(f"{name} must be a list of integers" + (" or math.inf" if allow_inf else "")
                        + f", got {type(values).__name__}")
    if not items:
        raise ValueError(f"{name} must not be empty")
    out: list[float | int] = []
    for v in items:
        if isinstance(v, float) and not isinstance(v, bool):
            if math.isinf(v) and v > 0 and allow_inf:
                out.append(math.inf)
                continue
            if not math.isfinite(v) or v != int(v):
                raise ValueError(f"each entry of {name} must be an integer"
                                 + (" or math.inf" if allow_inf else "") + f", got {v}")
            v = int(v)
        out.append(as_int(v, f"each entry of {name}", minimum=minimum))
    return out


def check_probability_vector(p: Any, name: str = "p", *, atol: float = 1e-6) -> torch.Tensor:
    """Check that ``p`` is a 1-D floating tensor of non-negative numbers summing to 1."""
    p = as_tensor(p, name, ndim=(1,), floating=True)
    if p.numel() == 0:
        raise ValueError(f"{name} must not be empty")
    if not all_finite(p):
        raise ValueError(f"{name} must contain only finite numbers")
    if (p < 0).any():
        raise ValueError(f"{name} must be non-negative (smallest entry {p.min().item():.3g})")
    total = p.double().sum().item()
    if abs(total - 1.0) > atol:
        raise ValueError(f"{name} must sum to 1, sums to {total:.9g}")
    return p


def as_batched(value: Any, name: str, core: Sequence[str], *, binary: bool = False) -> torch.Tensor:
    """A floating tensor ``[..., *core]`` of finite numbers: at least ``len(core)`` dimensions, the core ones
    non-empty (the leading ones are batch dimensions and may be anything). With ``binary`` every entry must
    be ``-1.0`` or ``+1.0`` (binary states and patterns).
    """
    shape = "[..., " + ", ".join(core) + "]"
    value = as_tensor(value, name, floating=True)
    if value.ndim < len(core):
        raise ValueError(f"{name} must be {shape} (at least {len(core)} dimension(s)), "
                         f"got shape {tuple(value.shape)}")
    if any(n == 0 for n in value.shape[value.ndim - len(core):]):
        raise ValueError(f"{name} must be {shape} with non-empty {', '.join(core)}, got shape {tuple(value.shape)}")
    if not all_finite(value):
        raise ValueError(f"{name} must contain only finite numbers (found NaN or inf)")
    if binary and value.numel() and value.device.type != "meta" and bool((value.abs() != 1).any()):
        raise ValueError(f"{name} must hold only -1.0 and +1.0 (binary states), "
                         f"found e.g. {value[value.abs() != 1].flatten()[0].item():.3g}")
    return value


def check_same_device(**tensors: torch.Tensor) -> torch.device:
    """Check that the named tensors share one device and return it."""
    devices = {name: t.device for name, t in tensors.items()}
    if len(set(devices.values())) > 1:
        listed = ", ".join(f"{name} on {dev}" for name, dev in devices.items())
        raise ValueError(f"{' and '.join(devices)} must be on the same device, got {listed}")
    return next(iter(devices.values()))


def broadcast_batch(**shapes: Sequence[int]) -> torch.Size:
    """Broadcast the named batch shapes (leading dimensions) together; raise naming them if they clash."""
    try:
        return torch.broadcast_shapes(*shapes.values())
    except RuntimeError:
        listed = ", ".join(f"{name} {tuple(s)}" for name, s in shapes.items())
        raise ValueError(f"the batch (leading) dimensions of {' and '.join(shapes)} do not broadcast: "
                         f"{listed}") from None


def common_dtype(*tensors: torch.Tensor) -> torch.dtype:
    """The dtype the ``tensors`` promote to together (``torch.promote_types`` over all of them)."""
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    return dtype
