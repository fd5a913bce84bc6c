"""book/zipf-data.ipynb: the chapter's main checks pass as written and fail when a key quantity is wrong."""

from __future__ import annotations

from editions import run_cells
from notebook_conventions import BOOK

CHAPTER = BOOK / "zipf-data.ipynb"
SIMULATION = "results[alpha] = dict(p=p, N=N"        # the cell that samples and checks D_T
UNSEEN = "def tail_mass(alpha, N):"                   # the cell that checks the unseen mass
SAMPLER = "tokens = am.sample_tokens(p, int(Ts[-1])"
THEORY = "table.append((alpha, am.data_exponent(alpha),"


def test_unseen_mass_checks_pass_as_written() -> None:
    result = run_cells(CHAPTER, cells=[SIMULATION, UNSEEN])
    assert result.index is None, result


def test_a_wrong_alpha_in_the_theory_target_fails() -> None:
    # the data exponent of alpha + 0.2 instead of alpha: -0.545 instead of -0.5 for alpha = 2
    result = run_cells(CHAPTER, cells=[SIMULATION, UNSEEN],
                       substitutions={THEORY: "table.append((alpha, am.data_exponent(alpha + 0.2),"})
    assert result.ename == "CheckFailed", result
    assert "exact vs -(1 - 1/alpha)" in result.evalue, result


def test_a_sampler_drawing_from_the_wrong_law_fails() -> None:
    # tokens drawn with exponent alpha + 0.1 while the exact expectation uses alpha
    result = run_cells(CHAPTER, cells=[SIMULATION],
                       substitutions={SAMPLER: "tokens = am.sample_tokens(am.zipf(N, alpha + 0.1), int(Ts[-1])"})
    assert result.ename == "CheckFailed", result
    assert "simulated vs exact exponent" in result.evalue, result
