"""book/dense-and-modern-hopfield.ipynb: its main checks can fail.

The chapter asserts, among others: the capacity exponents of the polynomial memories (a - 1) and the
growth rate ln 2 of the exponential one; the descent lemma of the modern Hopfield update; the identity
attention = one Hopfield update; one-step retrieval at the nearest-pattern ceiling; the classes of
Ramsauer et al. along the beta sweep; Theorem 5's bound; the energy descent of an Energy Transformer
block. Each perturbation below breaks the quantity one of those checks is about (a capacity exponent of
N^a instead of N^(a-1), a target rate that belongs to another criterion, an update at the wrong
temperature, a wrong attention scale, a beta too small to retrieve, patterns without clusters, a bound
without its union factor, an ascent instead of a descent) and the check must fail; the unperturbed
cells must pass.
"""

from __future__ import annotations

from editions import BOOK, run_cells

CHAPTER = BOOK / "dense-and-modern-hopfield.ipynb"
CAPACITY = ["def crosstalk(a, N):", "def fit_with_correction("]
MODERN = ["K_MOD, D_MOD, STEPS = 50, 32, 20"]
ATTENTION = ["L_Q, S_Y, D_R, D_Y, D_K, D_V"]
RETRIEVAL = ["D_RET, BETA_RET = 64, 1.0"]
BETA = ["D_BETA, CLUSTERS, PER, R_CL, RHO_Q", "def iterate(beta, steps=50):"]
BOUND = ["K_B, D_B = 100, 64"]
ET = ["L_T, D_T, HEADS, D_H, MEMS"]


def test_main_checks_pass_unperturbed():
    result = run_cells(CHAPTER, cells=CAPACITY + MODERN + ATTENTION + RETRIEVAL + BETA + BOUND + ET)
    assert result.index is None, result


def test_capacity_check_fails_with_a_wrong_exponent():
    # the capacity of F(z) = z^a compared with N^a instead of N^(a-1)
    result = run_cells(CHAPTER, cells=CAPACITY, substitutions={"k, a - 1, se_k)": "k, a, se_k)"})
    assert result.ename == "CheckFailed", result
    assert "capacity exponent (with the 1/N correction) vs a - 1" in result.evalue, result


def test_exponential_rate_is_not_the_all_patterns_rate():
    # Demircigil et al.'s rate ln 2 / 2 counts all patterns at once; a fixed fraction of units grows like ln 2
    result = run_cells(CHAPTER, cells=CAPACITY,
                       substitutions={"rate_exp, math.log(2), rate_se)": "rate_exp, math.log(2) / 2, rate_se)"})
    assert result.ename == "CheckFailed", result
    assert "growth rate of log K_eps per unit vs ln 2" in result.evalue, result


def test_descent_lemma_fails_for_an_update_at_another_temperature():
    result = run_cells(CHAPTER, cells=MODERN,
                       substitutions={"new = am.hopfield.modern_update(X, xi, beta)":
                                      "new = am.hopfield.modern_update(X, xi, 3 * beta)"})
    assert result.ename == "CheckFailed", result
    assert "lowers the energy by at least" in result.evalue, result


def test_attention_identity_fails_with_a_wrong_scale():
    result = run_cells(CHAPTER, cells=ATTENTION,
                       substitutions={"R @ W_Q, 1 / math.sqrt(D_K)) @ W_V": "R @ W_Q, 1 / D_K) @ W_V"})
    assert result.ename == "CheckFailed", result
    assert "attention = one Hopfield update" in result.evalue, result


def test_retrieval_falls_below_the_ceiling_when_beta_is_small():
    result = run_cells(CHAPTER, cells=RETRIEVAL,
                       substitutions={"D_RET, BETA_RET = 64, 1.0": "D_RET, BETA_RET = 64, 0.05"})
    assert result.ename == "CheckFailed", result
    # the first check to fail is the query-by-query one (success = the target is strictly nearest)
    assert "strictly nearest pattern" in result.evalue, result


def test_no_metastable_class_without_clusters():
    # every unit of a centre flipped with probability 0.45: the "clusters" are nearly independent patterns
    result = run_cells(CHAPTER, cells=BETA[:1],
                       substitutions={"D_BETA, CLUSTERS, PER, R_CL, RHO_Q = 256, 20, 50, 0.02, 0.1":
                                      "D_BETA, CLUSTERS, PER, R_CL, RHO_Q = 256, 20, 50, 0.45, 0.1"})
    assert result.ename == "CheckFailed", result


def test_bound_fails_without_its_union_factor():
    result = run_cells(CHAPTER, cells=BOUND,
                       substitutions={"bnd[beta, r] = 2 * (K_B - 1) * torch.exp": "bnd[beta, r] = torch.exp"})
    assert result.ename == "CheckFailed", result
    assert "Theorem 5" in result.evalue, result


def test_energy_transformer_ascent_is_caught():
    result = run_cells(CHAPTER, cells=ET, substitutions={"x = x - ALPHA * dE_dg": "x = x + ALPHA * dE_dg"})
    assert result.ename == "CheckFailed", result
    assert "the energy never rises" in result.evalue, result
