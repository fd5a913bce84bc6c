"""The otter-grader export (tools/otter_export.py, ``make autograder``).

The structural tests build every chapter's master notebook in memory. The end-to-end test exports one
short chapter (zipf-data, about 15 s of CPU per run) with the real ``otter assign``, then grades two
submissions with otter's own non-container grading (``otter run``, which executes the notebook in a
real kernel): the full edition (solutions present) must score full marks, the student edition
(``editions.student_notebook``, what ``make student`` writes) must score zero.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from editions import student_notebook
from notebook_conventions import BOOK, ROOT, notebooks, read

sys.path.insert(0, str(ROOT / "tools"))
import otter_export  # noqa: E402

OTTER = Path(sys.executable).with_name("otter")
CHAPTER = "zipf-data"


def _source(cell: dict) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.stem)
def test_master_notebook_structure(path):
    nb = read(path)
    master, questions = otter_export.master_notebook(nb, path.stem)
    stubs = [c for c in nb["cells"] if "exercise-stub" in c["metadata"].get("tags", [])]
    assert len(questions) == len(stubs) == len(set(questions))
    raws = [_source(c).split("\n")[0] for c in master["cells"] if c["cell_type"] == "raw"]
    assert raws[0] == "# ASSIGNMENT CONFIG"
    # every question is one BEGIN/END QUESTION block holding a prompt, a solution and a test, in that order
    assert raws[1:] == ["# BEGIN QUESTION", "# BEGIN PROMPT", "# END PROMPT", "# BEGIN SOLUTION",
                        "# END SOLUTION", "# BEGIN TESTS", "# END TESTS", "# END QUESTION"] * len(questions)
    tests = [_source(c) for c in master["cells"] if _source(c).startswith("def test_")]
    assert len(tests) == len(questions)
    for test in tests:
        compile(test, "<otter test>", "exec")
        assert re.search(r"^    am\.exercises\.check_\w+\(\w+\)$", test, re.M)
    # nothing else is lost: every non-exercise cell of the chapter is still there, unchanged
    kept = {_source(c) for c in master["cells"]}
    for cell in nb["cells"]:
        tags = cell["metadata"].get("tags", [])
        if cell["cell_type"] == "code" and not {"solution", "exercise-check"} & set(tags):
            assert _source(cell) in kept


def test_unknown_chapter_fails_clearly(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "otter_export.py"), "--out", str(tmp_path),
                           "--chapters", "no-such-chapter"], capture_output=True, text=True)
    assert proc.returncode == 2 and "unknown chapter" in proc.stderr


def _grade(autograder: Path, nb: dict, workdir: Path) -> tuple[dict[str, float], float]:
    """Grade ``nb`` with ``otter run``; return the score of each question and the wall time."""
    workdir.mkdir()
    submission = workdir / f"{CHAPTER}.ipynb"
    submission.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    start = time.perf_counter()
    proc = subprocess.run([str(OTTER), "run", "--no-logo", "-a", str(autograder), "-o", str(workdir),
                           str(submission)], capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - start
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    results = json.loads((workdir / "results.json").read_text())
    scores = {t["name"]: t["score"] for t in results["tests"] if "score" in t}
    return scores, seconds


def test_export_passes_on_full_edition_and_fails_on_student_edition(tmp_path):
    questions = otter_export.export_chapter(CHAPTER, tmp_path)
    assert questions == ["ex_zipf_expected_distinct", "ex_zipf_estimate_alpha"]
    out = tmp_path / CHAPTER
    autograder = out / "autograder" / "autograder.zip"
    assert autograder.exists()
    assert sorted(p.name for p in (out / "student" / "tests").glob("*.py")) == sorted(f"{q}.py" for q in questions)
    handout = (out / "student" / f"{CHAPTER}.ipynb").read_text()
    assert "{solution" not in handout and "BEGIN SOLUTION" not in handout
    assert "min_count" not in handout            # a line of the estimate_alpha solution
    assert handout.count('grader.check(\\"ex_zipf_') == len(questions)

    full = read(BOOK / f"{CHAPTER}.ipynb")
    scores, seconds = _grade(autograder, full, tmp_path / "full")
    print(f"full edition graded in {seconds:.1f} s: {scores}")
    assert scores == {q: 1.0 for q in questions}

    scores, seconds = _grade(autograder, student_notebook(full), tmp_path / "student")
    print(f"student edition graded in {seconds:.1f} s: {scores}")
    assert scores == {q: 0.0 for q in questions}
