"""The finite-data chapter's main check fails when its key quantity is perturbed.

The main claim (book/finite-data.ipynb, section "Random embeddings"): a random-embedding memory that is
far from full has mean error (1 - 1/M) m_T, with m_T = sum_x p(x) (1 - p(x))^T the expected missing
mass, checked within 3 standard errors at T = 10^3 and 10^4, together with the log-log slope. The runs
keep alpha = 2 only, so each takes a few seconds of CPU.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from editions import run_cells
from notebook_conventions import BOOK

CHAPTER = BOOK / "finite-data.ipynb"
SIMULATE = "def simulate("
MAIN_CHECK = "The main claim: where the memory is far from full"
ONLY_ALPHA_2 = {"ALPHAS = (1.5, 2.0, 3.0)": "ALPHAS = (2.0,)"}
TARGET = "exact=(1 - 1 / M) * am.unseen_mass(p, Ts)"


def _run(extra: dict[str, str] | None = None):
    return run_cells(CHAPTER, cells=[SIMULATE, MAIN_CHECK], substitutions={**ONLY_ALPHA_2, **(extra or {})})


def _main_check_index() -> int:
    import json

    cells = json.loads(Path(CHAPTER).read_text())["cells"]
    hits = [i for i, c in enumerate(cells) if c["cell_type"] == "code" and MAIN_CHECK in c["source"]]
    assert len(hits) == 1
    return hits[0]


def test_main_check_passes_unperturbed() -> None:
    result = _run()
    assert result.index is None, f"the control run failed: {result}"


@pytest.mark.parametrize("perturbed", [
    "exact=am.unseen_mass(p, Ts)",                                               # the 1 - 1/M factor dropped
    'exact=(1 - 1 / M) * am.unseen_mass(am.zipf(s["N"], alpha + 0.1), Ts)',    # a wrong Zipf exponent
], ids=["no-guess-factor", "wrong-alpha"])
def test_main_check_fails_when_perturbed(perturbed: str) -> None:
    result = _run({TARGET: perturbed})
    assert result.index == _main_check_index(), f"expected the main check to fail, got {result}"
    assert result.ename == "CheckFailed", result
    assert "simulated mean error vs (1 - 1/M) m_T" in (result.evalue or ""), result.evalue
