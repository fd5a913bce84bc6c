"""book/beyond-scaling-laws.ipynb: its main checks can fail.

The chapter's claims, and the perturbations that must break them:

- Proposition 2 of the paper compares E with 2 E^MCHN at beta = 2: at beta = 1 the bound fails.
- Attention is *half* a gradient step on the distance energy: a full step fails the autodiff check.
- Weight-tied layers descend the global energy on every trajectory because each layer's step is a
  majorization-minimization step: replacing it by a longer gradient step (which overshoots the
  pattern) must make some trajectory rise.
- The paper's Table 3 ratios are recomputed from its N and D*: a wrong D* fails.
- The widest toy transformer goes below one nat: with a tenth of the training it does not.

The unperturbed cells must pass.
"""

from __future__ import annotations

from editions import BOOK, run_cells

CHAPTER = BOOK / "beyond-scaling-laws.ipynb"
PROPS = ["K, n, B = 50, 16, 400", "x = X.clone().requires_grad_(True)"]
LAYERS = ["K_L, n_L, LAYERS, NOISE, Q ="]
TABLE3 = ["TABLE3 = {"]
SWEEP = ["V, N_FACTS = 48, 2048", "rec, ce = sweep"]


def test_propositions_and_step_pass_unperturbed():
    result = run_cells(CHAPTER, cells=PROPS + LAYERS + TABLE3)
    assert result.index is None, result


def test_proposition_2_fails_at_the_wrong_temperature():
    result = run_cells(CHAPTER, cells=PROPS, substitutions={
        "E2 = 2 * hf.modern_energy(Pb, X, 2.0) - math.log(K)": "E2 = 2 * hf.modern_energy(Pb, X, 1.0) - math.log(K)"})
    assert result.ename == "CheckFailed", result
    assert "Proposition 2" in result.evalue, result


def test_attention_is_half_a_step_not_a_full_one():
    result = run_cells(CHAPTER, cells=PROPS, substitutions={"(x - grad / 2 - T)": "(x - grad - T)"})
    assert result.ename == "CheckFailed", result
    assert "x - grad E / 2" in result.evalue, result


def test_weight_tied_descent_fails_with_an_overshooting_step():
    result = run_cells(CHAPTER, cells=LAYERS, substitutions={
        # x - (5/4) grad E instead of x - (1/2) grad E: past the pattern, farther than it started
        "x = hf.distance_update(layer, x)": "x = x + 2.5 * (hf.distance_update(layer, x) - x)"})
    assert result.ename == "CheckFailed", result
    assert "weight-tied layers: E_global never rises" in result.evalue, result


def test_table3_ratio_fails_with_a_wrong_d_star():
    result = run_cells(CHAPTER, cells=TABLE3, substitutions={"D_STAR = {39.95e6: 214.18e6": "D_STAR = {39.95e6: 237.98e6"})
    assert result.ename == "CheckFailed", result
    assert "N/D*^2 for N = 39.95M" in result.evalue, result


def test_sweep_floor_check_passes_unperturbed():
    result = run_cells(CHAPTER, cells=SWEEP)
    assert result.index is None, result


def test_sweep_floor_check_fails_with_too_little_training():
    result = run_cells(CHAPTER, cells=SWEEP, substitutions={"STEPS = env.pick(default=300,": "STEPS = env.pick(default=30,"})
    assert result.ename == "CheckFailed", result
    assert "training cross-entropy (mean + 3 se) < 1 nat" in result.evalue, result
