"""book/memory-units.ipynb: its main checks can fail.

Three claims carry the chapter. (1) The strict read-out is causal: a unit built with the
transformer's mask (strict=False) in place of the strict one must fail the "no later input moves an
earlier output" identity. (2) The GPT-2 block has 12 d^2 + 2d parameters without biases and the
Memory Mosaic block 7H more: the formula with GPT-2's biases (12 d^2 + 13d) must fail. (3) The
hand-built unit with a peeking value is an induction head: the same unit with an unshifted value
(c = 1) must fail the accuracy check. The unperturbed cells must pass.
"""

from __future__ import annotations

from editions import BOOK, run_cells

CHAPTER = BOOK / "memory-units.ipynb"
EXTRACTOR_CELL = "keys by hand: W_phi x"
CAUSAL_CELL = "def influence(unit, x, gen):"
PARITY_CELL = "class GPT2Block(nn.Module):"
INDUCTION_CELL = "def hand_unit(c):"


def test_chapter_checks_pass_unperturbed():
    result = run_cells(CHAPTER, cells=[EXTRACTOR_CELL, CAUSAL_CELL, PARITY_CELL, INDUCTION_CELL])
    assert result.index is None, result


def test_causality_check_fails_with_the_transformers_mask():
    result = run_cells(CHAPTER, cells=[EXTRACTOR_CELL, CAUSAL_CELL],
                       substitutions={'units = {"strict (t < T)": unit,':
                                      'units = {"strict (t < T)": mm.ContextualMemory(D_UNIT, H_UNIT, strict=False, '
                                      'generator=g).double(),'})
    assert result.ename == "CheckFailed", result
    assert "largest change of any y_T when a later input" in result.evalue, result


def test_parity_check_fails_with_the_biased_formula():
    result = run_cells(CHAPTER, cells=[PARITY_CELL],
                       substitutions={"gpt2, 12 * d**2 + 2 * d)": "gpt2, 12 * d**2 + 13 * d)"})
    assert result.ename == "CheckFailed", result
    assert "GPT-2 block: count vs 12 d^2 + 2d" in result.evalue, result


def test_induction_check_fails_without_the_peek():
    result = run_cells(CHAPTER, cells=[INDUCTION_CELL],
                       substitutions={"unit = hand_unit(c=0.0)": "unit = hand_unit(c=1.0)"})
    assert result.ename == "CheckFailed", result
    assert "peeking unit: every one of the" in result.evalue, result
