"""The reproducing-the-grid self-check accepts the reference, passes NotImplementedError through, rejects slips."""

from __future__ import annotations

import pytest

from amtools.exercises import ExerciseFailed, check_tuned_errors

KEYS = ["optimizer", "batch_size", "d", "run"]


def tuned_right(frame):
    best = frame.sort_values(["error", "lr"], kind="stable").groupby(KEYS, sort=True).head(1)
    return best[KEYS + ["error", "lr"]].reset_index(drop=True)


def tuned_idxmin(frame):
    # an equivalent answer: idxmin over a frame sorted by lr (idxmin keeps the first of ties)
    ordered = frame.sort_values("lr").reset_index(drop=True)
    return ordered.loc[ordered.groupby(KEYS).error.idxmin(), KEYS + ["error", "lr"]]


def test_accepts_the_reference(capsys):
    check_tuned_errors(tuned_right)
    assert "✔ tuned_errors" in capsys.readouterr().out


def test_accepts_an_equivalent_answer():
    check_tuned_errors(tuned_idxmin)


def test_lets_not_implemented_through():
    def stub(frame):
        raise NotImplementedError("sort, then keep the first row")

    with pytest.raises(NotImplementedError, match="keep the first row"):
        check_tuned_errors(stub)


@pytest.mark.parametrize("answer, message", [
    # the mean over step sizes instead of the minimum
    (lambda f: f.groupby(KEYS, as_index=False).agg(error=("error", "mean"), lr=("lr", "min")), "min, not mean"),
    # one row per setting: the seeds pooled
    (lambda f: f.sort_values(["error", "lr"]).groupby(["optimizer", "batch_size", "d"], as_index=False).head(1),
     "one row per"),
    # ties go to the larger step size
    (lambda f: f.sort_values(["error", "lr"], ascending=[True, False]).groupby(KEYS).head(1), "smaller step size"),
    # the step size of the worst run
    (lambda f: f.sort_values("error").groupby(KEYS).head(1).assign(
        lr=f.sort_values("error").groupby(KEYS).tail(1).lr.to_numpy()), "step size"),
    # not a DataFrame
    (lambda f: f.error.min(), "DataFrame"),
    # the group columns dropped
    (lambda f: f.groupby(KEYS).error.min().reset_index(drop=True).to_frame(), "lacks the columns"),
])
def test_rejects_slips(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check_tuned_errors(answer)


def test_rejects_an_answer_that_changes_its_input():
    def sorts_in_place(frame):
        del frame["_seconds"]                     # tidies the reader's frame: mutates the caller's
        return tuned_right(frame)

    with pytest.raises(ExerciseFailed, match="changed its input"):
        check_tuned_errors(sorts_in_place)


def test_the_check_does_not_depend_on_row_order():
    # the reference sorted again by another key still passes: the check matches rows by group
    check_tuned_errors(lambda f: tuned_right(f).sort_values("error", ascending=False))
