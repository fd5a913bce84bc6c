"""book/learned-embeddings.ipynb: its main checks can fail.

Two claims carry the chapter. (1) The construction of dimension 2 (outputs on a circle,
e_x = u_{f(x)}, W = I) recalls every target map: a construction that gives each input the key of
x mod M instead of its target's must fail on the random maps. (2) On the paper's grid, the error
on unseen inputs is the data floor (1 - 1/M) m_T for every model, learned embeddings sit on it, and
every point agrees with the published grid: a floor without the factor (1 - 1/M), or a "learnable"
model that in fact learns W only, must fail. The unperturbed cells must pass.
"""

from __future__ import annotations

from editions import BOOK, run_cells

CHAPTER = BOOK / "learned-embeddings.ipynb"
CONSTRUCTION_CELL = "MS_ALL = list(range(2, N + 1))"
GRID_CELLS = ["grid = {}", "# 1. The split"]


def test_construction_passes_unperturbed():
    result = run_cells(CHAPTER, cells=[CONSTRUCTION_CELL])
    assert result.index is None, result


def test_construction_fails_when_inputs_ignore_their_target():
    result = run_cells(CHAPTER, cells=[CONSTRUCTION_CELL],
                       substitutions={"E = U[targets]": "E = U[torch.arange(N) % M]"})
    assert result.ename == "CheckFailed", result
    assert "construction: largest error" in result.evalue, result


def test_grid_checks_pass_unperturbed():
    result = run_cells(CHAPTER, cells=GRID_CELLS)
    assert result.index is None, result


def test_floor_check_fails_without_the_guessing_factor():
    # the floor m_T instead of (1 - 1/M) m_T: an unseen input is then assumed always wrong
    result = run_cells(CHAPTER, cells=GRID_CELLS,
                       substitutions={'FLOOR = (1 - 1 / GRID["M"]) * m_T': "FLOOR = m_T"})
    assert result.ename == "CheckFailed", result
    assert "error on unseen inputs vs (1 - 1/M) m_T" in result.evalue, result


def test_published_comparison_fails_when_embeddings_are_not_learned():
    # every model trains W only: the "learnable" curve is then far above the published one
    result = run_cells(CHAPTER, cells=GRID_CELLS,
                       substitutions={"d=d, model=model, seeds=SEEDS_GRID": 'd=d, model="matrix", seeds=SEEDS_GRID'})
    assert result.ename == "CheckFailed", result
    assert "learnable, d = 10: error vs the published grid" in result.evalue, result
