"""The finite-memory self-checks accept the reference, pass NotImplementedError through, reject slips."""

from __future__ import annotations

import pytest
import torch

from amtools.exercises import ExerciseFailed, check_clipped_weights


def right(p, P):
    return torch.minimum(p, p[P - 1])


def test_accepts_the_reference(capsys):
    check_clipped_weights(right)
    assert "✔ clipped_weights" in capsys.readouterr().out


def test_accepts_an_equivalent_answer():
    check_clipped_weights(lambda p, P: p.clamp(max=p[P - 1].item()))


def test_lets_not_implemented_through():
    def stub(p, P):
        raise NotImplementedError("clip the head at p(P)")

    with pytest.raises(NotImplementedError, match="clip the head"):
        check_clipped_weights(stub)


@pytest.mark.parametrize("wrong, case", [
    (lambda p, P: torch.minimum(p, p[P]), "by hand"),                          # off by one
    (lambda p, P: torch.maximum(p, p[P - 1]), "by hand"),                      # max instead of min
    (lambda p, P: p.clone(), "by hand"),                                       # no clipping at all
    (lambda p, P: (torch.arange(p.numel()) < P).to(p.dtype), "by hand"),       # thresholding instead
    (lambda p, P: torch.minimum(p, p[P - 1]).tolist(), "by hand"),             # not a tensor
])
def test_rejects_wrong_answers(wrong, case):
    with pytest.raises(ExerciseFailed, match=case):
        check_clipped_weights(wrong)


def test_rejects_in_place_update():
    def in_place(p, P):
        p.clamp_(max=p[P - 1].item())
        return p

    check_ok = False
    try:
        check_clipped_weights(in_place)
    except ExerciseFailed as err:
        check_ok = "in place" in str(err) and "Zipf" in str(err)
    assert check_ok


def test_rejects_off_by_one_only_on_zipf():
    # The hand case with P = 2 passes p[P] by luck only if p[1] == p[2]; a law where it does not
    # matter on the hand case must still be caught on the Zipf cases.
    def sneaky(p, P):
        return torch.minimum(p, p[P - 1]) if p.numel() == 3 else torch.minimum(p, p[P])

    with pytest.raises(ExerciseFailed, match="Zipf N = 1000"):
        check_clipped_weights(sneaky)
