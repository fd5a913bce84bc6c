"""Notebook hygiene: stored stripped, python3 kernel, the install and setup cells, in the toc."""

from __future__ import annotations

from pathlib import Path

import pytest

from notebook_conventions import (BOOK, COLAB_METADATA, INSTALL_TAG, NAME_PATTERN, ROOT, amtools_version,
                                  budget_seconds, cell_source, install_cell_source, notebook_extras, notebooks, read,
                                  toc_files)

NOTEBOOKS = notebooks()
IDS = [p.name for p in NOTEBOOKS]


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "book/ holds no notebooks"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_hyphenated_name(path: Path) -> None:
    assert NAME_PATTERN.match(path.name), f"{path.name}: use lower-case hyphenated names"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_outputs_stripped(path: Path) -> None:
    for i, cell in enumerate(read(path)["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"{path.name} cell {i} has stored outputs"
            assert cell.get("execution_count") is None, f"{path.name} cell {i} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_kernelspec_python3(path: Path) -> None:
    spec = read(path)["metadata"].get("kernelspec", {})
    assert spec.get("name") == "python3", f"{path.name}: kernelspec must be python3, got {spec}"
    assert spec.get("language") == "python"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_first_cell_is_guarded_colab_install(path: Path) -> None:
    nb = read(path)
    cell = nb["cells"][0]
    assert cell["cell_type"] == "code"
    assert cell_source(cell) == install_cell_source(extras=notebook_extras(nb)), (
        f"{path.name}: cell 1 must be the guarded install cell built from _config.yml "
        "(run `make sync-notebooks`)")
    assert INSTALL_TAG in cell.get("metadata", {}).get("tags", []), f"{path.name}: tag cell 1 {INSTALL_TAG}"
    assert f'@v{amtools_version()}"' in cell_source(cell), f"{path.name}: install the tagged release"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_colab_gpu_metadata(path: Path) -> None:
    meta = read(path)["metadata"]
    assert meta.get("accelerator") == COLAB_METADATA["accelerator"], f"{path.name}: run `make sync-notebooks`"
    colab = meta.get("colab", {})
    assert {k: colab.get(k) for k in COLAB_METADATA["colab"]} == COLAB_METADATA["colab"], (
        f"{path.name}: Colab metadata must ask for a T4 GPU (run `make sync-notebooks`)")


def test_stamp_script_check_passes() -> None:
    """tools/stamp_notebooks.py --check: every notebook is stamped (the script's own idempotence check)."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "stamp_notebooks.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_second_cell_calls_setup(path: Path) -> None:
    cells = [c for c in read(path)["cells"] if c["cell_type"] == "code"]
    assert "amtools.setup(" in cell_source(cells[1]) or "am.setup(" in cell_source(cells[1]), (
        f"{path.name}: the second code cell must call amtools.setup(...)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_budget_declared_and_sane(path: Path) -> None:
    budget = budget_seconds(read(path))
    assert 0 < budget <= 300, f"{path.name}: budget {budget} s is outside (0, 300]"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_chapter_has_exercises_checks_and_citations(path: Path) -> None:
    cells = read(path)["cells"]
    markdown = "\n".join(cell_source(c) for c in cells if c["cell_type"] == "markdown")
    code = "\n".join(cell_source(c) for c in cells if c["cell_type"] == "code")
    assert markdown.count("{exercise}") + markdown.count("{exercise-start}") >= 2, "needs >= 2 exercises"
    assert markdown.count("{solution") >= 2, "needs >= 2 solutions"
    assert "{cite}" in markdown, "cite the sources"
    assert "am.check_" in code or "amtools.check_" in code, "reproduced claims must be asserted with check helpers"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_in_toc(path: Path) -> None:
    assert f"book/{path.stem}" in toc_files(), f"{path.name} is not listed in _toc.yml"


def test_every_toc_entry_exists() -> None:
    for entry in toc_files():
        candidates = [ROOT / f"{entry}{ext}" for ext in (".ipynb", ".md")]
        assert any(c.exists() for c in candidates), f"_toc.yml lists {entry}, which does not exist"


def test_only_one_bibliography_directive() -> None:
    count = 0
    for path in list(BOOK.glob("*.md")) + NOTEBOOKS:
        text = path.read_text()
        count += text.count("{bibliography}")
    assert count == 1, f"the book needs exactly one bibliography directive, found {count}"


def _fence_problems(text: str) -> list[str]:
    """Directives that contain another directive must use a longer backtick fence (MyST)."""
    import re

    problems, stack = [], []
    for i, line in enumerate(text.split("\n")):
        s = line.strip()
        opener = re.match(r"^(`{3,})\{([^}]*)\}", s)
        if opener:
            for outer in stack:
                if outer[1] <= len(opener.group(1)):
                    problems.append(f"line {outer[0] + 1}: {{{outer[2]}}} contains {{{opener.group(2)}}} "
                                    f"but its fence is not longer")
            stack.append((i, len(opener.group(1)), opener.group(2)))
        elif re.fullmatch(r"`{3,}", s) and stack:
            stack.pop()
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_nested_directives_use_longer_fences(path: Path) -> None:
    for i, cell in enumerate(read(path)["cells"]):
        if cell["cell_type"] == "markdown":
            assert not _fence_problems(cell_source(cell)), f"{path.name} cell {i}: {_fence_problems(cell_source(cell))}"


def test_fence_checker_catches_equal_fences() -> None:
    bad = "```{prf:definition} X\ntext\n```{math}\nx\n```\n```"
    good = "````{prf:definition} X\ntext\n```{math}\nx\n```\n````"
    assert _fence_problems(bad) and not _fence_problems(good)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_exercise_has_a_solution(path: Path) -> None:
    import re

    cells = read(path)["cells"]
    markdown = "\n".join(cell_source(c) for c in cells if c["cell_type"] == "markdown")
    exercises = re.findall(r"\{exercise(?:-start)?\}[^\n]*\n:label: (\S+)", markdown)
    solved = set(re.findall(r"\{solution(?:-start)?\} (\S+)", markdown))
    assert exercises, f"{path.name}: no labelled exercises"
    assert not [e for e in exercises if e not in solved], f"{path.name}: exercises without a solution"
