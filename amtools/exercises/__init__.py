"""Self-checks for the book's coding exercises, one submodule per chapter.

Each exercise is a triplet of cells: a **stub** (tagged ``exercise-stub``) that
defines the function the reader writes and raises ``NotImplementedError`` with a
hint; the reference answer in a gated **solution** (tagged ``solution``), which
``make student`` removes; and a visible **check** cell (tagged
``exercise-check``) that calls one ``check_*`` function below on the reader's
function. A check prints one ``✔`` line, or raises :class:`ExerciseFailed`
naming the failing case with expected vs got; the stub's
``NotImplementedError`` passes through unchanged.
"""

from ._core import ExerciseFailed, Feedback
from .zipf_data import *  # noqa: F401,F403
from .associative_memory_model import *  # noqa: F401,F403
from .finite_data import *  # noqa: F401,F403
from .finite_memory import *  # noqa: F401,F403
from .data_meets_capacity import *  # noqa: F401,F403
from .sgd_as_storage import *  # noqa: F401,F403
from .adam_and_layernorm import *  # noqa: F401,F403
from .learned_embeddings import *  # noqa: F401,F403
from .classical_hopfield import *  # noqa: F401,F403
from .dense_and_modern_hopfield import *  # noqa: F401,F403
from .beyond_scaling_laws import *  # noqa: F401,F403
from .kernel_regression_memories import *  # noqa: F401,F403
from .memory_units import *  # noqa: F401,F403
from .predictive_disentanglement import *  # noqa: F401,F403
from .in_context_learning import *  # noqa: F401,F403
from .tiny_language_model import *  # noqa: F401,F403
from .reproducing_the_grid import *  # noqa: F401,F403
from . import (adam_and_layernorm, associative_memory_model, beyond_scaling_laws, classical_hopfield,
               data_meets_capacity, dense_and_modern_hopfield, finite_data, finite_memory, in_context_learning,
               kernel_regression_memories, learned_embeddings, memory_units, predictive_disentanglement,
               reproducing_the_grid, sgd_as_storage, tiny_language_model, zipf_data)

__all__ = ["ExerciseFailed", "Feedback"]
for _module in (zipf_data, associative_memory_model, finite_data, finite_memory, data_meets_capacity,
                sgd_as_storage, adam_and_layernorm, learned_embeddings, classical_hopfield,
                dense_and_modern_hopfield, beyond_scaling_laws, kernel_regression_memories, memory_units,
                predictive_disentanglement, in_context_learning, tiny_language_model, reproducing_the_grid):
    __all__ += list(_module.__all__)
del _module
