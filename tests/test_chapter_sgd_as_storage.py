"""book/sgd-as-storage.ipynb: its main checks can fail.

The chapter's claims are asserted in four places: the iterates f^n(0) against the closed form of the
ODE (the sandwich proposition), the fitted rho of q_gamma against the step size (the paper's
Figure 5), the scalar approximation against real SGD on the same tokens (the paper's Figure 4), and
the trained memories against the published grid (the step-size and batch-size figures). Each must
pass unperturbed and fail when its key quantity is wrong: a wrong conserved quantity, a step size
off by a factor 1000, a recursion run with a step size ten times too small, memories trained with
step sizes ten times too large.
"""

from __future__ import annotations

from editions import BOOK, run_cells

CHAPTER = BOOK / "sgd-as-storage.ipynb"
REGIMES_CELL = "M5 = 11"                         # f^n(0), the ODE, the sandwich and the linear regime
RHO_CELL = "counts5 = torch.floor"              # q_gamma for the Figure 5 counts, fitted rho
VALIDITY_RUN = "RECORD = 50"                    # SGD and the approximation on the same tokens
VALIDITY_CHECKS = "def paired_gap"              # where the approximation holds and where it fails
GRID_RUN = "LRS = [0.1, 1.0, 10.0, 100.0]"      # the step-size and batch-size sweeps
GRID_COMPARE = "def compare(name"               # against the published grid
GRID_CLAIMS = "mean_lr = err_lr.mean(1)"        # larger steps and smaller batches are better
# the grid at three dimensions only, to keep the test short
FEWER_D = {"D_GRID = [10, 20, 50, 100, 200, 500, 1000]": "D_GRID = [10, 50, 200]"}


def test_theory_checks_pass_unperturbed():
    result = run_cells(CHAPTER, cells=[REGIMES_CELL, RHO_CELL])
    assert result.index is None, result


def test_sandwich_fails_with_a_wrong_conserved_quantity():
    # Phi(q) = e^q + M q instead of e^q + (M - 1) q: the iterates no longer straddle the ODE
    result = run_cells(CHAPTER, cells=[REGIMES_CELL],
                       substitutions={"return torch.exp(q) + (M5 - 1) * q": "return torch.exp(q) + M5 * q"})
    assert result.ename == "CheckFailed", result
    assert "sandwich" in result.evalue, result


def test_rho_check_fails_with_smaller_step_sizes():
    # every step size 1000 times smaller: all four q_gamma are in the linear regime, rho ~ 1 for "gamma = 10"
    result = run_cells(CHAPTER, cells=[REGIMES_CELL, RHO_CELL],
                       substitutions={"am.q_gamma(counts5, gm, M5)": "am.q_gamma(counts5, gm * 1e-3, M5)"})
    assert result.ename == "CheckFailed", result
    assert "rho" in result.evalue, result


def test_validity_checks_pass_unperturbed():
    result = run_cells(CHAPTER, cells=[VALIDITY_RUN, VALIDITY_CHECKS])
    assert result.index is None, result


def test_validity_check_fails_with_a_wrong_recursion():
    # the recursion runs with a step size ten times smaller than SGD's: no longer a description of SGD at d = N
    result = run_cells(CHAPTER, cells=[VALIDITY_RUN, VALIDITY_CHECKS],
                       substitutions={"lr=lr, record_every=RECORD)": "lr=lr / 10, record_every=RECORD)"})
    assert result.ename == "CheckFailed", result
    assert "d = N = 100, gamma = 1, first 500 steps" in result.evalue, result


def test_grid_checks_pass_unperturbed():
    result = run_cells(CHAPTER, cells=[GRID_RUN, GRID_COMPARE, GRID_CLAIMS], substitutions=FEWER_D)
    assert result.index is None, result


def test_grid_check_fails_with_wrong_step_sizes():
    # memories trained with ten times the step size that the published curves they are compared with used
    result = run_cells(CHAPTER, cells=[GRID_RUN, GRID_COMPARE, GRID_CLAIMS],
                       substitutions={**FEWER_D, "batch_size=B_LR, lr=LRS,": "batch_size=B_LR, lr=[10 * lr for lr in LRS],"})
    assert result.ename == "CheckFailed", result
    assert "chi-square p-value" in result.evalue, result
