"""book/kernel-regression-memories.ipynb: its main checks can fail.

The chapter asserts three things that a wrong computation must break: the equal-norm identity
(kernel-regression weights = softmax(2 beta q.k)), consistency (with a shrinking bandwidth the error
falls below the bias floor of a fixed one), and exact recall of a stored value by kernel regression,
against linear attention and the outer-product memory. A wrong temperature, a bandwidth that does
not shrink, or a kernel too wide to single out a key must make them fail; unperturbed, they pass.
"""

from __future__ import annotations

from editions import BOOK, run_cells

CHAPTER = BOOK / "kernel-regression-memories.ipynb"
SOFTMAX_CELL = "def attention(K, q, beta):"      # equal-norm identity and the unequal-norm control
CONSISTENCY_CELLS = ["NS = [16, 32", "def slope(e):"]
RECALL_CELL = "DK, DV, BETA_R = 16, 4, 20.0"
CELLS = [SOFTMAX_CELL, *CONSISTENCY_CELLS, RECALL_CELL]


def test_main_checks_pass_unperturbed():
    result = run_cells(CHAPTER, cells=CELLS)
    assert result.index is None, result


def test_identity_fails_with_the_wrong_temperature():
    # attention at inverse temperature beta instead of 2 beta
    result = run_cells(CHAPTER, cells=[SOFTMAX_CELL],
                       substitutions={"return torch.softmax(2 * beta * (K @ q[..., None])[..., 0], dim=-1)":
                                      "return torch.softmax(beta * (K @ q[..., None])[..., 0], dim=-1)"})
    assert result.ename == "CheckFailed", result
    assert "equal norms: NW weights = softmax(2 beta q.k)" in result.evalue, result


def test_negative_control_fails_when_the_norms_are_equal():
    # if the "unequal" keys are normalized too, attention and kernel regression agree: the control must notice
    result = run_cells(CHAPTER, cells=[SOFTMAX_CELL],
                       substitutions={"w_eq, w_un = nw_weights(K_eq, q, beta), nw_weights(K_un, q, beta)":
                                      "K_un = K_un / K_un.norm(dim=-1, keepdim=True)\n"
                                      "w_eq, w_un = nw_weights(K_eq, q, beta), nw_weights(K_un, q, beta)"})
    assert result.ename == "CheckFailed", result
    assert "unequal norms: NW weights differ" in result.evalue, result


def test_consistency_fails_when_the_bandwidth_does_not_shrink():
    result = run_cells(CHAPTER, cells=CONSISTENCY_CELLS,
                       substitutions={"lambda n: BETA16 * (n / 16) ** 0.4": "lambda n: BETA16 * (n / 16) ** 0.0"})
    assert result.ename == "CheckFailed", result
    assert "the error goes below that floor" in result.evalue, result


def test_recall_fails_with_a_wide_kernel():
    result = run_cells(CHAPTER, cells=[RECALL_CELL], substitutions={"BETA_R = 16, 4, 20.0": "BETA_R = 16, 4, 0.5"})
    assert result.ename == "CheckFailed", result
    assert "kernel regression recalls" in result.evalue, result
