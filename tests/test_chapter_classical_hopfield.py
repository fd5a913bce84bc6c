"""book/classical-hopfield.ipynb: its main checks can fail.

Four claims carry the chapter. (1) The Hebbian matrix is Part I's fill scheme with e = u minus its
diagonal K/N: a matrix that keeps the diagonal must fail the identity. (2) The one-step flip
probability is erfc(1/sqrt(2 alpha))/2: the formula with the load halved (erfc(1/sqrt(alpha))/2) must
fail against the measured rate. (3) The knee of the recall overlap lies within the finite-N smear of
0.138: a capacity of 0.2 must fail. (4) Exact recall of every pattern holds beyond N/(4 ln N): putting
the threshold at N/(2 ln N) must fail. The unperturbed cells must pass.
"""

from __future__ import annotations

from editions import BOOK, run_cells

CHAPTER = BOOK / "classical-hopfield.ipynb"
HEBB_CELL = "W_fill = am.memory_matrix("
FLIP_CELL = "N_F = env.pick("
KNEE_CELLS = ["alpha_of_y = 0.5 *", "views = {N: am.explore.hopfield_view(", "knee = {}"]
EXACT_CELLS = ["exact = {}", "ratio = {N: r"]


def test_hebbian_identity_passes_unperturbed_and_fails_with_the_diagonal():
    assert run_cells(CHAPTER, cells=[HEBB_CELL]).index is None
    result = run_cells(CHAPTER, cells=[HEBB_CELL], substitutions={"W = hf.hebbian(X)": "W = X.T @ X / N_H"})
    assert result.ename == "CheckFailed", result
    assert "largest |W_hebbian - (W_fill - (K/N) I)|" in result.evalue, result


def test_flip_probability_passes_unperturbed():
    result = run_cells(CHAPTER, cells=[FLIP_CELL])
    assert result.index is None, result


def test_flip_probability_fails_with_the_load_halved():
    result = run_cells(CHAPTER, cells=[FLIP_CELL],
                       substitutions={"hf.flip_probability((K - 1) / (N_F - 1))": "hf.flip_probability((K - 1) / (N_F - 1) / 2)"})
    assert result.ename == "CheckFailed", result
    assert "unstable fraction vs flip_probability((K-1)/(N-1))" in result.evalue, result


def test_knee_passes_unperturbed_and_fails_for_a_wrong_capacity():
    assert run_cells(CHAPTER, cells=KNEE_CELLS).index is None
    result = run_cells(CHAPTER, cells=KNEE_CELLS,
                       substitutions={'r["knee"], ALPHA_C, r["smear"], k=1': 'r["knee"], 0.2, r["smear"], k=1'})
    assert result.ename == "CheckFailed", result
    assert "knee of the mean overlap vs 0.138" in result.evalue, result


def test_exact_recall_passes_unperturbed_and_fails_at_n_over_2_ln_n():
    assert run_cells(CHAPTER, cells=EXACT_CELLS).index is None
    result = run_cells(CHAPTER, cells=EXACT_CELLS,
                       substitutions={"lo=N / (4 * math.log(N))": "lo=N / (2 * math.log(N))"})
    assert result.ename == "CheckFailed", result
    assert "K_50 - 3 se" in result.evalue, result
