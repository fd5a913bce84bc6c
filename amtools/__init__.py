"""amtools: the companion package of the book *Associative Memories, Executably*.

Small, tested, vectorized torch helpers: Zipf data, random embeddings,
outer-product memories, exact errors, power-law fits, check helpers that turn
every reproduced claim into an assertion, one figure style, and explorers.
"""

__version__ = "0.3.0"  #: the installed version; a chapter checks it with :func:`require`

from .checks import (CheckFailed, check_between, check_close, check_exponent, check_identity,
                     check_less, check_true, check_within_spread)
from .embeddings import random_embeddings
from .fitting import PowerLawFit, fit_power_law
from .memory import decode, generalization_error, memory_matrix, scores
from .storage import SCHEMES, error_grid, storage_weights
from .runtime import Setup, environment_stamp, footer, pick_device, reproducibility_line, seed_everything, setup
from .theory import (argmax_error, balanced_dimension, data_exponent, distinct_asymptotic,
                     expected_distinct, power_exponent, predicted_error, signal_to_noise,
                     threshold_exponent, unseen_mass, unseen_mass_asymptotic, zipf_constant)
from .prose import glue, glued
from .published import PublishedCurve, published_grid, published_settings
from . import exercises, explore, hopfield, lm_training, models, mosaics, plotting, regbench, stories
from .training import (TrainResult, layer_norm, population_error, train_memory)
from .approximation import ApproxResult, approx_error, approx_sgd, q_gamma, sgd_iterates, sgd_map
from .population import DynamicsResult, population_dynamics
from .zipf import first_seen, sample_tokens, token_counts, zipf

__all__ = [
    "__version__", "require",
    "setup", "Setup", "seed_everything", "pick_device", "environment_stamp", "reproducibility_line", "footer",
    "zipf", "sample_tokens", "token_counts", "first_seen",
    "random_embeddings",
    "memory_matrix", "scores", "decode", "generalization_error",
    "fit_power_law", "PowerLawFit",
    "error_grid", "storage_weights", "SCHEMES",
    "zipf_constant", "unseen_mass", "expected_distinct", "unseen_mass_asymptotic",
    "distinct_asymptotic", "signal_to_noise", "data_exponent", "threshold_exponent",
    "power_exponent", "balanced_dimension", "argmax_error", "predicted_error",
    "CheckFailed", "check_close", "check_exponent", "check_less", "check_between", "check_true",
    "check_within_spread", "check_identity", "glue", "glued", "exercises",
    "train_memory", "TrainResult", "population_error", "layer_norm",
    "sgd_map", "sgd_iterates", "q_gamma", "approx_sgd", "approx_error", "ApproxResult",
    "population_dynamics", "DynamicsResult",
    "published_grid", "published_settings", "PublishedCurve",
]


def require(version: str) -> None:
    """Fail loudly if the installed amtools is older than the ``version`` a notebook needs."""
    if not isinstance(version, str):
        raise TypeError(f"version must be a string like '0.1', got {type(version).__name__}")
    try:
        want = tuple(int(v) for v in version.split("."))
        have = tuple(int(v) for v in __version__.split(".")[: len(want)])
    except ValueError:
        raise ValueError(f"version must look like '0.1' or '0.1.0', got {version!r}") from None
    if have < want:
        raise RuntimeError(f"this notebook needs amtools >= {version}, found {__version__}; "
                           "reinstall it (see the README)")


def __getattr__(name: str):
    """``am.sweep`` and ``am.paper_grid`` on first use: they need the optional ``sweep`` extra, and
    importing them here would make ``python -m amtools.sweep`` import its module twice."""
    if name in ("sweep", "paper_grid"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'amtools' has no attribute {name!r}")
