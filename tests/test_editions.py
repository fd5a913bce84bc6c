"""The student edition: built by a script, solutions gone, stubs and checks kept, stops at the first check.

Three claims of issue 6 are tested here: (a) the full notebooks pass every check (the nbval run of
``make test`` executes them; here we check that every check cell follows its stub and its
solution), (b) each student notebook, executed in a real kernel, stops with ``NotImplementedError``
at its first check cell and nowhere earlier, (c) every self-check rejects a wrong answer (one test
file per chapter: ``tests/test_exercises_<chapter>.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from editions import (CHECK_TAG, SOLUTION_TAG, STUB_TAG, run_cells, run_variants, student_notebook, tags,
                      write_student_edition)
from notebook_conventions import ROOT, cell_source, notebooks, read

NOTEBOOKS = notebooks()
IDS = [p.name for p in NOTEBOOKS]


def _md(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _code(text: str, *tags_: str) -> dict:
    return {"cell_type": "code", "metadata": {"tags": list(tags_)}, "source": text, "outputs": [],
            "execution_count": None}


TRIPLET = [
    _md("Intro.\n\n```{exercise-start} Double it [★ code]\n:label: ex-t-double\n```\n\nWrite `double(x)`."),
    _code("def double(x):\n    raise NotImplementedError('multiply by two')", STUB_TAG),
    _md("```{exercise-end}\n```\n\n```{solution-start} ex-t-double\n:class: dropdown\n```\n\nMultiply."),
    _code("def double(x):\n    return 2 * x", SOLUTION_TAG),
    _md("```{solution-end}\n```\n\nAfter the solution."),
    _code("assert double(3) == 6", CHECK_TAG),
    _md("```{exercise} Think [★★ open]\n:label: ex-t-think\n\nWhy?\n```\n\n"
        "```{solution} ex-t-think\n:class: dropdown\n\nBecause.\n```\n\nThe end."),
]


def test_student_notebook_removes_solutions_keeps_stub_and_check() -> None:
    student = student_notebook({"cells": TRIPLET, "metadata": {}})
    text = "\n".join(cell_source(c) for c in student["cells"])
    assert "return 2 * x" not in text and "Multiply." not in text and "Because." not in text
    assert "{solution" not in text
    for kept in ("Intro.", "raise NotImplementedError", "{exercise-end}", "After the solution.",
                 "assert double(3) == 6", "Why?", "The end."):
        assert kept in text
    assert [tags(c) for c in student["cells"] if c["cell_type"] == "code"] == [[STUB_TAG], [CHECK_TAG]]
    assert student["metadata"]["amtools"]["edition"] == "student"


def test_student_notebook_rejects_malformed_solutions() -> None:
    untagged = [TRIPLET[0], TRIPLET[1], TRIPLET[2], _code("def double(x):\n    return 2 * x"), TRIPLET[4]]
    with pytest.raises(ValueError, match="must be tagged"):
        student_notebook({"cells": untagged, "metadata": {}})
    stray = [_code("x = 1", SOLUTION_TAG)]
    with pytest.raises(ValueError, match="between"):
        student_notebook({"cells": stray, "metadata": {}})
    unclosed = TRIPLET[:4]
    with pytest.raises(ValueError, match="without its solution-end"):
        student_notebook({"cells": unclosed, "metadata": {}})


def test_student_notebook_stops_at_the_check_in_a_real_kernel() -> None:
    nb = {"cells": [_code("x = 1"), _code("y = 2")] + TRIPLET, "metadata": {},
          "nbformat": 4, "nbformat_minor": 5}
    full = run_cells(nb)
    assert full.index is None, full
    student = student_notebook(nb)
    result = run_cells(student)
    check_index = next(i for i, c in enumerate(student["cells"]) if CHECK_TAG in tags(c))
    assert (result.index, result.ename) == (check_index, "NotImplementedError")
    assert "multiply by two" in result.evalue


def test_run_variants_runs_the_shared_cells_once_and_each_variant_fresh() -> None:
    nb = {"cells": [_code("runs = []"), _code("setup = 1"), _code("runs.append(1); x = 10"),
                    _code("y = x + 1\nassert len(runs) == 1"), _code("assert y == 11, 'y is off'")],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    results = run_variants(nb, shared=["runs.append"], variants={
        "plain": (["y = x", "assert y"], {}),
        "perturbed": (["y = x", "assert y"], {"x + 1": "x + 2"}),
        "plain again": (["y = x", "assert y"], {}),           # sees the shared x, not the perturbed y
    })
    assert results["plain"].index is None and results["plain again"].index is None
    assert (results["perturbed"].index, results["perturbed"].ename) == (4, "AssertionError")
    assert "y is off" in results["perturbed"].evalue
    with pytest.raises(ValueError, match="exactly once"):
        run_variants(nb, shared=["runs.append"], variants={"typo": (["y = x"], {"x + 3": "x"})})
    broken = run_variants(nb, shared=["runs.append"], variants={"a": (["y = x"], {}), "b": (["y = x"], {})},
                          substitutions={"x = 10": "x = undefined_name"})
    assert broken["a"] == broken["b"] and broken["a"].ename == "NameError"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_exercise_cells_come_in_order(path: Path) -> None:
    """(a) Every check cell follows a stub and a solution, and calls amtools.exercises."""
    cells = read(path)["cells"]
    code = [(i, tags(c), cell_source(c)) for i, c in enumerate(cells) if c["cell_type"] == "code"]
    checks = [i for i, t, _ in code if CHECK_TAG in t]
    assert checks, f"{path.name}: no exercise-check cell (every chapter has a coding exercise)"
    last = -1
    for check in checks:
        stubs = [i for i, t, _ in code if STUB_TAG in t and last < i < check]
        sols = [i for i, t, _ in code if SOLUTION_TAG in t and last < i < check]
        assert stubs and sols and max(stubs) < min(sols), (
            f"{path.name} cell {check}: a check needs its stub, then its solution, before it")
        source = next(s for i, _, s in code if i == check)
        assert "exercises.check_" in source, f"{path.name} cell {check}: call am.exercises.check_<slug>"
        for stub in stubs:
            assert "NotImplementedError" in next(s for i, _, s in code if i == stub)
        last = check


def test_make_student_writes_every_chapter(tmp_path: Path) -> None:
    written = write_student_edition(out=tmp_path)
    assert sorted(p.name for p in written) == sorted(IDS)
    for path in written:
        nb = json.loads(path.read_text())
        assert not [c for c in nb["cells"] if SOLUTION_TAG in tags(c)]
        text = "\n".join(cell_source(c) for c in nb["cells"])
        assert "{solution" not in text, f"{path.name}: a solution directive survived"
    assert "student:" in (ROOT / "Makefile").read_text()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_student_edition_stops_at_first_check(path: Path) -> None:
    """(b) Executed in order, the student copy fails first at its first check cell, with NotImplementedError.

    Up to its first stub the student copy holds the full notebook's code cells, unchanged and in order
    (asserted here), and the nbval run of ``make test`` executes those without an error. So the kernel
    here runs the setup cells and then the first exercise alone, from its stub to its check: the same
    outcome as running every cell before it again, for a fraction of the time (those cells hold the
    chapter's training; run again, they cost about 15 minutes per test run on the CI machine).
    """
    full, student = read(path), student_notebook(read(path))
    first_check = next(i for i, c in enumerate(student["cells"]) if CHECK_TAG in tags(c))
    first_stub = next(i for i, c in enumerate(student["cells"]) if STUB_TAG in tags(c))
    assert first_stub < first_check, f"{path.name}: the first check comes before the first stub"

    def code_before_stub(nb: dict) -> list[str]:
        code = [cell_source(c) for c in nb["cells"] if c["cell_type"] == "code"]
        stub = cell_source(student["cells"][first_stub])
        return code[:code.index(stub)]

    assert code_before_stub(student) == code_before_stub(full), (
        f"{path.name}: the student copy changed a code cell before its first exercise")
    cells = [i for i, c in enumerate(student["cells"])
             if c["cell_type"] == "code" and first_stub <= i <= first_check]
    result = run_cells(student, cells=cells)
    assert result.index == first_check and result.ename == "NotImplementedError", (
        f"{path.name}: expected NotImplementedError at cell {first_check}, got {result}")
