"""book/associative-memory-model.ipynb: its main check, the signal-to-noise prediction eps_M(z), can fail.

The chapter asserts that the measured error of the inputs in the transition matches eps_M(z(x)) of
prop-snr at four dimensions. Perturbing the key quantity, the advantage sqrt(M z) of the right score,
to the margin scale sqrt(M z / 2) (a factor 2 lost in the noise variance), must make that check fail;
the unperturbed cells must pass.
"""

from __future__ import annotations

from editions import BOOK, run_cells

CHAPTER = BOOK / "associative-memory-model.ipynb"
EPS_CELL = "def eps_M(z, M):"
COLLAPSE_CELL = "agreement[d] = ("


def test_signal_to_noise_check_passes_unperturbed():
    result = run_cells(CHAPTER, cells=[EPS_CELL, COLLAPSE_CELL])
    assert result.index is None, result


def test_signal_to_noise_check_fails_with_the_wrong_advantage():
    result = run_cells(CHAPTER, cells=[EPS_CELL, COLLAPSE_CELL],
                       substitutions={"predicted = eps_M(z, M)": "predicted = eps_M(z / 2, M)"})
    assert result.ename == "CheckFailed", result
    assert "transition inputs vs eps_M" in result.evalue


def test_signal_to_noise_check_fails_with_independent_margins():
    # the M - 1 margins treated as independent: 1 - (1 - Phi(-sqrt(M z / 2)))^(M - 1)
    wrong = "predicted = 1 - (1 - torch.special.ndtr(-torch.sqrt(M * z / 2))) ** (M - 1)"
    result = run_cells(CHAPTER, cells=[EPS_CELL, COLLAPSE_CELL],
                       substitutions={"predicted = eps_M(z, M)": wrong})
    assert result.ename == "CheckFailed", result
    assert "transition inputs vs eps_M" in result.evalue


def test_capacity_check_fails_if_capacity_were_d_over_log_d():
    # perturb the key quantity of the capacity check: the claimed exponent 1 of the average recall
    result = run_cells(CHAPTER, cells=["def crossing(ns, values, level):"],
                       substitutions={'"average-recall capacity grows like d (exponent)", fit_avg.exponent, 1.0,':
                                      '"average-recall capacity grows like d (exponent)", fit_avg.exponent, 0.8,'})
    assert result.ename == "CheckFailed", result
    assert "average-recall capacity" in result.evalue
