"""book/data-meets-capacity.ipynb: the main check (the d-slope of the paper's Figure 1 against the
count-ranked prediction) passes as written and fails when a key quantity is perturbed."""

from __future__ import annotations

import pytest

from editions import run_cells
from notebook_conventions import BOOK

NB = BOOK / "data-meets-capacity.ipynb"
FIG1 = "d_count, d_count_se = trial_slopes(d_wide, counted_term(p1, d_wide, 10**4, SAMPLES, env.seed + 1))"


def test_figure1_checks_pass_unperturbed():
    result = run_cells(NB, cells=[FIG1])
    assert result.index is None, (result.ename, result.evalue)


@pytest.mark.parametrize("old, new", [
    # a wrong scheme: frequency weighting instead of thresholding (slope near -1/4 instead of -1)
    ('Ts1, "threshold", **THRESHOLD, trials=TRIALS,', 'Ts1, "frequency", trials=TRIALS,'),
    # a wrong exponent in the prediction: alpha = 3 instead of the data's alpha = 2
    (FIG1, "d_count, d_count_se = trial_slopes(d_wide, counted_term(am.zipf(N1, 3.0), d_wide, 10**4, SAMPLES, "
           "env.seed + 1))"),
], ids=["wrong-scheme", "wrong-alpha"])
def test_figure1_check_fails_when_perturbed(old, new):
    result = run_cells(NB, cells=[FIG1], substitutions={old: new})
    assert result.ename == "CheckFailed", (result.ename, result.evalue)
    assert "d-slope at T = 10^4" in result.evalue
