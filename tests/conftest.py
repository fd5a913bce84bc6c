"""Shared test configuration: headless plotting and the per-notebook CPU time budget.

When notebooks run through nbval in the same pytest session as these tests
(``pytest tests book --nbval-lax --nbval-current-env``, as ``make test`` does), each
notebook's cells are timed and the notebook fails if its total exceeds the budget
declared in its metadata (``metadata.amtools.budget_seconds``, default 90 s).
The budget applies to the default profile only (``AMTOOLS_PROFILE=paper`` runs are
meant for GPUs and are not timed).
"""

from __future__ import annotations

import os
import time
from collections import defaultdict

import matplotlib
import pytest

matplotlib.use("Agg")

if os.environ.get("AMTOOLS_MUTATION"):
    # `make mutation`: mutmut forks workers from a process that has imported torch; a multi-threaded
    # torch pool does not survive fork (the workers hang), so keep torch single-threaded there.
    import torch

    torch.set_num_threads(1)

from notebook_conventions import budget_seconds, read  # noqa: E402


@pytest.fixture(scope="module")
def one_thread():
    """Tiny tensors: one torch thread avoids OpenMP spin-waits on a shared CPU (restored afterwards).

    Use with ``pytestmark = pytest.mark.usefixtures("one_thread")``.
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)

_elapsed: dict[str, float] = defaultdict(float)
_budgets: dict[str, float] = {}


def check_budget(name: str, elapsed: float, budget: float) -> None:
    """Raise if a notebook's cells took longer than its budget."""
    if elapsed > budget:
        raise pytest.fail.Exception(
            f"{name}: cells ran for {elapsed:.1f} s, over the notebook's CPU budget of {budget:.0f} s "
            "(metadata.amtools.budget_seconds). Shrink the default profile or raise the budget.")


def _wrap(item: pytest.Item, key: str, last: bool) -> None:
    run = item.runtest

    def timed_runtest() -> None:
        start = time.perf_counter()
        try:
            run()
        finally:
            _elapsed[key] += time.perf_counter() - start
        if last and os.environ.get("AMTOOLS_PROFILE", "default") != "paper":
            check_budget(key, _elapsed[key], _budgets[key])

    item.runtest = timed_runtest  # type: ignore[method-assign]


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    cells: dict[str, list[pytest.Item]] = defaultdict(list)
    for item in items:
        path = getattr(item, "path", None)
        if path is not None and path.suffix == ".ipynb":
            cells[str(path)].append(item)
    for key, nb_items in cells.items():
        _budgets[key] = budget_seconds(read(nb_items[0].path))
        for i, item in enumerate(nb_items):
            _wrap(item, key, last=i == len(nb_items) - 1)
            if hasattr(item, "output_timeout"):
                # nbval waits at most 5 s between two output messages of a cell; on a loaded 2-core
                # machine the progress-bar widget traffic of a long training cell can lag longer.
                item.output_timeout = 60


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _elapsed:
        return
    terminalreporter.section("notebook CPU budgets")
    for key, elapsed in sorted(_elapsed.items()):
        name = os.path.relpath(key)
        terminalreporter.write_line(f"{name:45s} {elapsed:7.1f} s of {_budgets[key]:.0f} s")
