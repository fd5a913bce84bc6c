"""Tests of amtools.exercises._core: the three outcomes of a self-check and its messages."""

from __future__ import annotations

import pytest
import torch

import amtools as am
from amtools.exercises import ExerciseFailed, Feedback


def test_exercise_failed_is_a_check_failure() -> None:
    assert issubclass(ExerciseFailed, am.CheckFailed)


def test_not_attempted_propagates_the_hint_unchanged() -> None:
    def stub(x):
        raise NotImplementedError("hint: use the outer product")

    fb = Feedback("outer", stub)
    with pytest.raises(NotImplementedError, match="outer product"):
        fb.call("small case", 1)


def test_a_crash_names_the_case() -> None:
    fb = Feedback("f", lambda x: 1 / 0)
    with pytest.raises(ExerciseFailed, match=r"case x = 0: your function raised ZeroDivisionError"):
        fb.call("x = 0", 0)


def test_close_reports_expected_and_got_with_the_slip() -> None:
    fb = Feedback("half", lambda x: x)
    with pytest.raises(ExerciseFailed, match=r"case two: expected 1 \(± 0\.001\), got 2 \(off by \+1\.00e\+00, "
                                             r"relative error 1\.0e\+00\)\s+hint: a missing 1/2"):
        fb.close("two", fb.call("two", 2.0), 1.0, atol=1e-3, slip="a missing 1/2")
    fb.close("one", 1.0, 1.0, rtol=1e-9)
    with pytest.raises(ValueError, match="tolerance"):
        fb.close("one", 1.0, 1.0)


def test_tensor_checks_type_shape_and_values() -> None:
    fb = Feedback("t", lambda: None)
    with pytest.raises(ExerciseFailed, match="expected a torch.Tensor"):
        fb.tensor("c", [1.0], (1,))
    with pytest.raises(ExerciseFailed, match=r"expected shape \(2, 2\), got \(2,\)"):
        fb.tensor("c", torch.zeros(2), (2, 2))
    with pytest.raises(ExerciseFailed, match="floating-point"):
        fb.tensor("c", torch.zeros(2, dtype=torch.long), (2,), floating=True)
    with pytest.raises(ExerciseFailed, match=r"1 of 3 entries are off; first at index 2: expected 3, got 4 \(off by"):
        fb.close("c", torch.tensor([1.0, 2.0, 4.0]), torch.tensor([1.0, 2.0, 3.0]), atol=1e-6)
    with pytest.raises(ExerciseFailed, match=r"entries differ; first at index \(1, 0\)"):
        fb.equal("c", torch.tensor([[1, 2], [5, 4]]), torch.tensor([[1, 2], [3, 4]]))
    with pytest.raises(ExerciseFailed, match="single number"):
        fb.number("c", "0.5")
    with pytest.raises(ExerciseFailed, match="symmetric"):
        fb.true("c", False, "expected a symmetric matrix")


def test_done_prints_one_line(capsys) -> None:
    fb = Feedback("double", lambda x: 2 * x)
    fb.equal("x = 3", fb.call("x = 3", 3), 6)
    fb.done()
    assert capsys.readouterr().out == "✔ double: all 1 cases pass\n"


def test_feedback_validates_its_arguments() -> None:
    with pytest.raises(TypeError, match="function"):
        Feedback("f", 3)
    with pytest.raises(TypeError, match="name"):
        Feedback("", print)


def test_a_float32_slip_is_visible_in_the_message() -> None:
    fb = Feedback("f", lambda: None)
    with pytest.raises(ExerciseFailed, match=r"got 0\.168343 \(off by \+1\.00e-11, relative error 5\.9e-11\)"):
        fb.close("c", 0.16834300001, 0.168343, rtol=1e-12)
