"""Export the book's coding exercises to otter-grader assignments (``make autograder``).

For each chapter, an otter-grader *master notebook* is generated from the chapter itself, using the
exercise tags the book already has:

* ``exercise-stub``  -> the question's prompt code (what the student starts from);
* ``solution``       -> the question's solution (``# BEGIN SOLUTION NO PROMPT``: removed for students,
  known to the autograder), together with the markdown of its ``{solution-start}`` .. ``{solution-end}`` span;
* ``exercise-check`` -> the question's test: an exception-based otter test that calls the same
  ``am.exercises.check_<x>(fn)`` on the submitted function, so it passes iff the check raises nothing.

Every other cell is kept as it is. Then ``otter assign`` turns each master notebook into the
autograder and student versions::

    DIR/<chapter>/master/<chapter>.ipynb      the generated master notebook
    DIR/<chapter>/autograder/autograder.zip   the grading configuration (``otter run -a ...``)
    DIR/<chapter>/autograder/<chapter>.ipynb  the notebook with solutions
    DIR/<chapter>/student/<chapter>.ipynb     the notebook to hand out, with otter's check cells
    DIR/<chapter>/student/tests/*.py          the public tests (the same checks)

Grade a submission without Docker: ``otter run -a DIR/<chapter>/autograder/autograder.zip NOTEBOOK``
(or ``otter.api.grade_submission``). Chapters without a coding exercise are skipped.

Usage: python tools/otter_export.py --out DIR [--chapters zipf-data finite-data ...] [--run-tests]
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
STUB, SOLUTION, CHECK = "exercise-stub", "solution", "exercise-check"

_EX_START = re.compile(r"^\s*(`{3,}|:{3,})\{exercise-start\}")
_SOL_START = re.compile(r"^\s*(`{3,}|:{3,})\{solution-start\}")
_LABEL = re.compile(r"^:label:\s*(\S+)", re.M)
_CHECK_CALL = re.compile(r"^\s*(am\.exercises\.check_\w+)\((\w+)\)\s*$")


class ExportError(Exception):
    """A chapter whose exercise cells do not follow the stub / solution / check layout."""


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _raw(text: str) -> dict:
    return {"cell_type": "raw", "metadata": {}, "source": text}


def _markdown(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _code(text: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "execution_count": None, "source": text, "outputs": []}


def _chapter_order() -> list[str]:
    """Chapter notebooks in _toc.yml order."""
    names = re.findall(r"file:\s*book/([\w-]+)", (ROOT / "_toc.yml").read_text())
    return [n for n in names if (BOOK / f"{n}.ipynb").exists()]


def assignment_config(chapter: str, run_tests: bool) -> str:
    """The ``# ASSIGNMENT CONFIG`` raw cell of a chapter's master notebook."""
    return "\n".join([
        "# ASSIGNMENT CONFIG",
        "init_cell: true",
        "check_all_cell: false",
        "export_cell: false",
        f"run_tests: {'true' if run_tests else 'false'}",
        "solutions_pdf: false",
        "template_pdf: false",
        "generate: true",
        "tests:",
        "  files: true",
        "  ok_format: false",
    ])


def _question_name(label: str) -> str:
    return re.sub(r"\W", "_", label)


def _test_cell(check_source: str, name: str, index: int) -> str:
    """The exception-based otter test made from one ``exercise-check`` cell."""
    m = _CHECK_CALL.match(check_source.strip())
    if not m:
        raise ExportError(f"cell {index}: an {CHECK!r} cell must be one call "
                          f"`am.exercises.check_<x>(fn)`, got {check_source.strip()!r}")
    check, fn = m.groups()
    return (f"def test_{name}({fn}, am):\n"
            f"    {check}({fn})\n\n\n"
            f"test_{name}({fn}, am)")


def master_notebook(nb: dict, chapter: str, run_tests: bool = False) -> tuple[dict, list[str]]:
    """The otter master notebook of one chapter, and the names of its questions."""
    nb = copy.deepcopy(nb)
    cells = nb["cells"]
    out: list[dict] = [_raw(assignment_config(chapter, run_tests))]
    questions: list[str] = []
    i = 0
    while i < len(cells):
        cell = cells[i]
        if STUB not in _tags(cell):
            out.append(cell)
            i += 1
            continue
        # The exercise's statement: the tail of the last markdown cell, from its {exercise-start}.
        j = len(out) - 1
        while j >= 0 and out[j]["cell_type"] != "markdown":
            j -= 1
        lines = _source(out[j]).split("\n") if j >= 0 else []
        starts = [k for k, line in enumerate(lines) if _EX_START.match(line)]
        if not starts:
            raise ExportError(f"cell {i}: an {STUB!r} cell must follow an {{exercise-start}} directive")
        before, statement = "\n".join(lines[:starts[-1]]).strip("\n"), "\n".join(lines[starts[-1]:])
        label = _LABEL.search(statement)
        if not label:
            raise ExportError(f"cell {i}: the {{exercise-start}} before it has no :label:")
        name = _question_name(label.group(1))
        if j != len(out) - 1:
            raise ExportError(f"cell {i}: only markdown may sit between {{exercise-start}} and the stub")
        if before.strip():
            out[j]["source"] = before
            out.append(_markdown(statement))
        out.insert(len(out) - 1, _raw(f"# BEGIN QUESTION\nname: {name}\npoints: 1"))
        out += [_raw("# BEGIN PROMPT"), cell, _raw("# END PROMPT")]
        # Up to the check cell: the {exercise-end} stays, the solution span goes to the solution block.
        k = i + 1
        kept: list[dict] = []
        solution: list[dict] = []
        while k < len(cells) and CHECK not in _tags(cells[k]):
            c = cells[k]
            if STUB in _tags(c):
                raise ExportError(f"cell {k}: a second {STUB!r} cell before the check of {name}")
            if c["cell_type"] == "code":
                if SOLUTION not in _tags(c):
                    raise ExportError(f"cell {k}: a code cell between stub and check must be a solution")
                c = copy.deepcopy(c)
                c["source"] = "# BEGIN SOLUTION NO PROMPT\n" + _source(c).rstrip("\n") + "\n# END SOLUTION"
                c["outputs"] = []
                solution.append(c)
            else:
                md = _source(c).split("\n")
                cut = next((n for n, line in enumerate(md) if _SOL_START.match(line)), None)
                if cut is None:
                    (solution if solution else kept).append(c)
                else:
                    if "\n".join(md[:cut]).strip():
                        kept.append(_markdown("\n".join(md[:cut]).strip("\n")))
                    solution.append(_markdown("\n".join(md[cut:]).strip("\n")))
            k += 1
        if k == len(cells):
            raise ExportError(f"cell {i}: the exercise {name} has no {CHECK!r} cell")
        if not any(c["cell_type"] == "code" for c in solution):
            raise ExportError(f"cell {i}: the exercise {name} has no {SOLUTION!r} code cell")
        out += kept + [_raw("# BEGIN SOLUTION")] + solution + [_raw("# END SOLUTION")]
        out += [_raw("# BEGIN TESTS"), _code(_test_cell(_source(cells[k]), name, k)), _raw("# END TESTS"),
                _raw("# END QUESTION")]
        questions.append(name)
        i = k + 1
    for c in out:
        c["source"] = _source(c)
        if c["cell_type"] == "code":
            c["outputs"], c["execution_count"] = [], None
    nb["cells"] = out
    return nb, questions


def export_chapter(chapter: str, out: Path, run_tests: bool = False, otter: str | None = None) -> list[str]:
    """Write ``out/<chapter>/`` (master, autograder, student); return the question names ([] if none)."""
    nb = json.loads((BOOK / f"{chapter}.ipynb").read_text())
    master, questions = master_notebook(nb, chapter, run_tests)
    if not questions:
        return []
    target = (out / chapter).resolve()
    shutil.rmtree(target, ignore_errors=True)
    (target / "master").mkdir(parents=True)
    master_path = target / "master" / f"{chapter}.ipynb"
    master_path.write_text(json.dumps(master, indent=1, ensure_ascii=False) + "\n")
    otter = otter or str(Path(sys.executable).with_name("otter"))
    cmd = [otter, "assign", "--no-pdfs", str(master_path), str(target)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=target / "master")
    zips = sorted((target / "autograder").glob("*.zip"))
    if proc.returncode != 0 or len(zips) != 1:
        raise ExportError(f"otter assign failed for {chapter} (exit {proc.returncode}):\n"
                          f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    zips[0].rename(target / "autograder" / "autograder.zip")   # otter names it after the time of day
    _finish_student_notebook(target / "student" / f"{chapter}.ipynb")
    return questions


def _finish_student_notebook(path: Path) -> None:
    """Remove what otter leaves of the solutions: empty solution cells and the markdown solutions.

    otter removes the code solutions of the questions; the ``{solution}`` blocks of the other
    exercises (derivations, open questions) are removed here, as ``make student`` removes them.
    """
    sys.path.insert(0, str(ROOT / "tests"))
    from editions import _strip_solutions  # the student edition's own rule (tests/editions.py)

    nb = json.loads(path.read_text())
    cells, in_gated = [], False
    for cell in nb["cells"]:
        text = _source(cell)
        if cell["cell_type"] == "code":
            if text.strip() or SOLUTION not in _tags(cell):
                cells.append(cell)
            continue
        if cell["cell_type"] == "markdown":
            lines, in_gated = _strip_solutions(text.split("\n"), in_gated)
            text = "\n".join(lines).strip("\n")
            if not text.strip():
                continue
        cell["source"] = text
        cells.append(cell)
    nb["cells"] = cells
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="Grading: otter run -a DIR/<chapter>/autograder/autograder.zip NB.ipynb")
    parser.add_argument("--out", type=Path, required=True, help="output directory, e.g. _build/autograder")
    parser.add_argument("--chapters", nargs="+", metavar="CHAPTER",
                        help="chapter names (e.g. zipf-data); default: every chapter with a coding exercise")
    parser.add_argument("--run-tests", action="store_true",
                        help="let otter assign execute each autograder notebook and run its tests (slow: "
                             "it runs the whole chapter)")
    args = parser.parse_args(argv)
    known = _chapter_order()
    chapters = args.chapters or known
    unknown = [c for c in chapters if c not in known]
    if unknown:
        print(f"error: unknown chapter(s) {unknown}; known: {' '.join(known)}", file=sys.stderr)
        return 2
    total = 0
    for chapter in chapters:
        try:
            questions = export_chapter(chapter, args.out, args.run_tests)
        except (ExportError, ValueError) as err:
            print(f"error: {chapter}: {err}", file=sys.stderr)
            return 1
        if questions:
            total += len(questions)
            print(f"{chapter}: {len(questions)} question(s) -> {args.out / chapter}/{{autograder,student}}")
        else:
            print(f"{chapter}: no coding exercise, skipped")
    print(f"Exported {total} question(s). Grade with: otter run -a {args.out}/<chapter>/autograder/autograder.zip "
          "SUBMISSION.ipynb")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
