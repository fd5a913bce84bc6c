"""The student edition of the book, and a runner that executes chosen cells of a chapter.

``make student`` (``python tests/student_edition.py``) writes ``_build/student/book/*.ipynb``:
every code cell tagged ``solution`` and every solution block of the markdown
(``{solution}`` directives and ``{solution-start}`` .. ``{solution-end}`` spans,
which may run across cells) are removed; stubs (``exercise-stub``) and checks
(``exercise-check``) are kept. Run in order, a student notebook stops with the stub's
``NotImplementedError`` at its first check cell.

:func:`run_cells` executes a chapter's setup cells plus chosen cells in a real
kernel, optionally with source substitutions, and reports the first error: the
tests use it to show that a chapter's main check fails when its key quantity is
perturbed, and that student notebooks stop where they should.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from notebook_conventions import BOOK, ROOT, cell_source, notebooks, read

STUDENT_DIR = ROOT / "_build" / "student" / "book"
SOLUTION_TAG = "solution"
STUB_TAG = "exercise-stub"
CHECK_TAG = "exercise-check"

_OPEN = re.compile(r"^\s*(`{3,}|:{3,})\{(solution|solution-start|solution-end)\}")


def tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _strip_solutions(lines: list[str], in_gated: bool) -> tuple[list[str], bool]:
    """Remove solution blocks from one markdown cell; ``in_gated`` carries a start..end span across cells."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        m = _OPEN.match(line)
        if m:
            fence, kind = m.group(1), m.group(2)
            # skip the directive block itself: up to its closing fence
            j = i + 1
            while j < len(lines) and lines[j].strip() != fence:
                j += 1
            if j == len(lines):
                raise ValueError(f"unclosed {{{kind}}} directive: {line.strip()!r}")
            if kind == "solution-start":
                if in_gated:
                    raise ValueError("a solution-start inside another solution-start")
                in_gated = True
            elif kind == "solution-end":
                if not in_gated:
                    raise ValueError("a solution-end without a solution-start")
                in_gated = False
            i = j + 1
            continue
        if not in_gated:
            out.append(line)
        i += 1
    return out, in_gated


def student_notebook(nb: dict) -> dict:
    """A copy of ``nb`` without its solutions (see the module docstring)."""
    nb = copy.deepcopy(nb)
    cells, in_gated = [], False
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            is_solution = SOLUTION_TAG in tags(cell)
            if in_gated and not is_solution:
                raise ValueError(f"cell {index}: a code cell inside a solution must be tagged {SOLUTION_TAG!r}")
            if is_solution and not in_gated:
                raise ValueError(f"cell {index}: a {SOLUTION_TAG!r} cell must sit between "
                                 "solution-start and solution-end")
            if not is_solution:
                cells.append(cell)
            continue
        lines, in_gated = _strip_solutions(cell_source(cell).split("\n"), in_gated)
        text = "\n".join(lines).strip("\n")
        if cell["cell_type"] != "markdown" or text.strip():
            cell["source"] = text
            cells.append(cell)
    if in_gated:
        raise ValueError("a solution-start without its solution-end")
    nb["cells"] = cells
    nb.setdefault("metadata", {}).setdefault("amtools", {})["edition"] = "student"
    return nb


def write_student_edition(paths: Iterable[Path] | None = None, out: Path = STUDENT_DIR) -> list[Path]:
    """Write the student copy of every chapter into ``out``; return the written paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths or notebooks():
        target = out / path.name
        try:
            student = student_notebook(read(path))
        except ValueError as err:
            raise ValueError(f"{path.name}: {err}") from None
        target.write_text(json.dumps(student, indent=1, ensure_ascii=False) + "\n")
        written.append(target)
    return written


# --- running cells in a real kernel ---------------------------------------------------------------

@dataclass(frozen=True)
class Result:
    """The first error of a run: the cell index (None if every cell ran), its name and message."""

    index: int | None
    ename: str | None = None
    evalue: str | None = None


SETUP_CELLS = 2  # code cells 1-2: the Colab install cell and amtools.setup(...)


def _select(nb: dict, cells: Iterable[int | str] | None) -> list[int]:
    code = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"]
    if cells is None:
        return code
    chosen = set(code[:SETUP_CELLS])
    for sel in cells:
        if isinstance(sel, int):
            if sel not in code:
                raise ValueError(f"cell {sel} is not a code cell")
            chosen.add(sel)
        else:
            hits = [i for i in code if sel in cell_source(nb["cells"][i])]
            if len(hits) != 1:
                raise ValueError(f"{sel!r} must match exactly one code cell, matches {hits}")
            chosen.add(hits[0])
    return sorted(chosen)


def run_cells(path: Path | str | dict, *, cells: Iterable[int | str] | None = None,
              substitutions: dict[str, str] | None = None, timeout: int = 600) -> Result:
    """Execute the setup cells and ``cells`` (all code cells if None) of a notebook, in order.

    ``substitutions`` maps a source string to its replacement; each must occur exactly once among
    the executed cells, so a perturbation cannot silently miss. Returns the first error.
    """
    nb = copy.deepcopy(read(Path(path)) if not isinstance(path, dict) else path)
    order = _select(nb, cells)
    _substitute(nb, order, substitutions)
    with _kernel(nb, timeout) as run:
        return run(order)


def run_variants(path: Path | str | dict, *, shared: Iterable[int | str],
                 variants: dict[str, tuple[Iterable[int | str], dict[str, str]]],
                 substitutions: dict[str, str] | None = None, timeout: int = 600) -> dict[str, Result]:
    """Run the setup cells and ``shared`` once, then each variant's cells in the same kernel.

    For chapters whose expensive cells (training) feed several perturbations: ``variants`` maps a name
    to ``(cells, substitutions)``; ``substitutions`` applies to the shared cells. Each variant re-runs
    every cell it lists, so it sees the shared state, not an earlier variant's. If a shared cell fails,
    every variant gets that error.
    """
    base = read(Path(path)) if not isinstance(path, dict) else path
    prefix = _select(base, shared)
    shared_nb = copy.deepcopy(base)
    _substitute(shared_nb, prefix, substitutions)
    plans = {}
    for name, (cells, subs) in variants.items():
        nb = copy.deepcopy(base)
        order = [i for i in _select(nb, cells) if i not in prefix]
        _substitute(nb, order, subs)
        plans[name] = (nb, order)
    with _kernel(shared_nb, timeout) as run:
        first = run(prefix)
        if first.index is not None:
            return {name: first for name in variants}
        results = {}
        for name, (nb, order) in plans.items():
            results[name] = run(order, _node(nb).cells)
        return results


def perturbation_suite(chapter: Path, *, shared: Iterable[int | str],
                       variants: dict[str, tuple[Iterable[int | str], dict[str, str]]], expected: dict[str, str],
                       substitutions: dict[str, str] | None = None, timeout: int = 600):
    """The fixture and the two tests of a chapter whose perturbations share one expensive run.

    ``variants`` (see :func:`run_variants`) holds ``"unperturbed"``, which must pass, and every key of
    ``expected``, which must fail an ``am.check_*`` whose message contains ``expected[variant]``. In a
    ``tests/test_chapter_<name>.py``::

        results, test_chapter_checks_pass_unperturbed, test_perturbed_check_fails = perturbation_suite(...)
    """
    import pytest

    if set(variants) != {"unperturbed", *expected}:
        raise ValueError(f"variants must be 'unperturbed' plus the keys of expected, got {sorted(variants)}")

    @pytest.fixture(scope="module")
    def results() -> dict[str, Result]:
        return run_variants(chapter, shared=shared, variants=variants, substitutions=substitutions,
                            timeout=timeout)

    def test_chapter_checks_pass_unperturbed(results: dict[str, Result]) -> None:
        assert results["unperturbed"].index is None, results["unperturbed"]

    @pytest.mark.parametrize("variant", list(expected))
    def test_perturbed_check_fails(results: dict[str, Result], variant: str) -> None:
        result = results[variant]
        assert result.ename == "CheckFailed", result
        assert expected[variant] in result.evalue, result

    return results, test_chapter_checks_pass_unperturbed, test_perturbed_check_fails


def _substitute(nb: dict, order: list[int], substitutions: dict[str, str] | None) -> None:
    for old, new in (substitutions or {}).items():
        hits = [i for i in order if old in cell_source(nb["cells"][i])]
        count = sum(cell_source(nb["cells"][i]).count(old) for i in order)
        if count != 1:
            raise ValueError(f"substitution {old!r} must occur exactly once in the executed cells, "
                             f"occurs {count} times")
        nb["cells"][hits[0]]["source"] = cell_source(nb["cells"][hits[0]]).replace(old, new)


def _node(nb: dict):
    """An nbformat node of ``nb`` with every source joined into one string (nbclient strips it)."""
    import nbformat

    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        cell["source"] = cell_source(cell)
    return nbformat.from_dict(nb)


@contextlib.contextmanager
def _kernel(nb: dict, timeout: int):
    """A live kernel; yields ``run(order, cells=None) -> Result`` executing those cells in order."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    node = _node(nb)
    os.environ.setdefault("MPLBACKEND", "Agg")
    client = NotebookClient(node, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(BOOK)}})

    def run(order: list[int], cells: list | None = None) -> Result:
        cells = node.cells if cells is None else cells
        for i in order:
            try:
                client.execute_cell(cells[i], i)
            except CellExecutionError as err:
                return Result(i, err.ename, err.evalue)
        return Result(None)

    with client.setup_kernel():
        yield run
