"""book/finite-memory.ipynb: its main checks can fail.

The chapter's main claims about thresholding at P = d/8 (the paper's headline rate) are asserted in
two cells: the fitted slope against the exponent -(alpha-1), and the measured error against the
signal-to-noise prediction (1 - 1/M) x the mass beyond P. A wrong alpha in the theory target, or a
simulation that stores a different number of associations than the theory assumes (P = d/4 instead
of d/8, a wrong scheme), must make them fail; the unperturbed cells must pass.
"""

from __future__ import annotations

from editions import BOOK, run_cells

CHAPTER = BOOK / "finite-memory.ipynb"
SCHEMES_CELL = "schemes = {"          # the three schemes at N = 1000 (simulation + prediction)
SLOPES_CELL = "fits = {}"             # slopes vs the finite-size theory and the paper's exponents
MAIN_CELL = "def gap_thr(e):"         # thresholding error vs the signal-to-noise prediction
CELLS = [SCHEMES_CELL, SLOPES_CELL, MAIN_CELL]


def test_main_checks_pass_unperturbed():
    result = run_cells(CHAPTER, cells=CELLS)
    assert result.index is None, result


def test_slope_check_fails_with_a_wrong_alpha():
    result = run_cells(CHAPTER, cells=CELLS,
                       substitutions={"am.threshold_exponent(ALPHA), tol=0.02)": "am.threshold_exponent(1.5), tol=0.02)"})
    assert result.ename == "CheckFailed", result
    assert "the tail beyond d/8 has the exponent" in result.evalue


def test_main_check_fails_with_a_wrong_scheme():
    # the memory stores the top d/4 inputs while the prediction assumes d/8
    result = run_cells(CHAPTER, cells=CELLS,
                       substitutions={"top=lambda d: d // 8)": "top=lambda d: d // 4)"})
    assert result.ename == "CheckFailed", result
    assert "thresholding error = (1 - 1/M) x mass beyond P" in result.evalue, result


# The scan of the ratio c = P/d: the measured best c must lie within one grid step of the optimum of
# the signal-to-noise prediction. The scan cell needs N, ALPHA and p, which the (slow) three-scheme
# cell defines; they are set here instead.
SCAN_CELLS = ["cs = [1 / 32, 1 / 16", "nine-in-ten recall capacity"]
SCAN_SETUP = {"cs = [1 / 32, 1 / 16": "N, ALPHA = 1000, 2.0\np = am.zipf(N, ALPHA)\ncs = [1 / 32, 1 / 16"}


def test_ratio_scan_passes_unperturbed():
    result = run_cells(CHAPTER, cells=SCAN_CELLS, substitutions=SCAN_SETUP)
    assert result.index is None, result


def test_ratio_scan_fails_when_the_memory_stores_four_times_more():
    # the simulation stores P = 4 c d while the prediction assumes P = c d: its best c moves two grid steps
    result = run_cells(CHAPTER, cells=SCAN_CELLS,
                       substitutions={**SCAN_SETUP, "max(1, round(c * d)), trials=TRIALS_SWEEP":
                                      "max(1, round(4 * c * d)), trials=TRIALS_SWEEP"})
    assert result.ename == "CheckFailed", result
    assert "best c of the scan vs the predicted optimum" in result.evalue, result
