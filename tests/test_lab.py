"""tools/lab.py (the scratch copy behind `make lab`) and the checks of tools/check_lab.py.

The fast tests copy into temporary directories. One test starts a real JupyterLab from the venv on a
tiny notebook and drives it with headless Chromium (about 30 s; skipped without Chromium); the full
two-chapter run is `make check-lab` (about 3 min, too slow for pytest).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import check_lab  # noqa: E402
import lab  # noqa: E402
import lab_metadata  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def tree_digest(path: Path) -> dict[str, str]:
    return {str(f.relative_to(path)): hashlib.sha256(f.read_bytes()).hexdigest()
            for f in sorted(path.rglob("*")) if f.is_file()}


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """A small book/: two chapters and the bibliography."""
    book = tmp_path / "book"
    book.mkdir()
    for name in ("a.ipynb", "b.ipynb"):
        (book / name).write_text(json.dumps({"cells": [], "metadata": {"name": name}}) + "\n")
    (book / "references.bib").write_text("@book{x, title={X}}\n")
    (book / "intro.md").write_text("# Not copied\n")
    return book


def test_copies_chapters_and_bibliography_only(book: Path, tmp_path: Path) -> None:
    copied, kept = lab.copy_chapters(tmp_path / "scratch", book=book)
    assert sorted(p.name for p in copied) == ["a.ipynb", "b.ipynb", "references.bib"]
    assert kept == []
    assert (tmp_path / "scratch" / "a.ipynb").read_text() == (book / "a.ipynb").read_text()
    assert not (tmp_path / "scratch" / "intro.md").exists()


def test_keeps_the_students_work_and_fresh_replaces_it(book: Path, tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    lab.copy_chapters(scratch, book=book)
    (scratch / "a.ipynb").write_text("my work\n")
    (scratch / "b.ipynb").unlink()
    copied, kept = lab.copy_chapters(scratch, book=book)
    assert [p.name for p in copied] == ["b.ipynb"]             # only the missing chapter is copied
    assert (scratch / "a.ipynb").read_text() == "my work\n"    # the edited one is kept
    assert scratch / "a.ipynb" in kept
    lab.copy_chapters(scratch, fresh=True, book=book)
    assert (scratch / "a.ipynb").read_text() == (book / "a.ipynb").read_text()


def test_never_writes_into_book(book: Path, tmp_path: Path) -> None:
    before = tree_digest(book)
    lab.copy_chapters(tmp_path / "scratch", book=book)
    lab.copy_chapters(tmp_path / "scratch", fresh=True, book=book)
    assert tree_digest(book) == before
    with pytest.raises(SystemExit, match="must not be"):
        lab.copy_chapters(book, book=book)


def test_empty_book_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="no notebooks"):
        lab.copy_chapters(tmp_path / "scratch", book=tmp_path)


def test_lab_command(tmp_path: Path) -> None:
    cmd = lab.lab_command(tmp_path, ["--no-browser", "--port", "8899"], python="/venv/bin/python")
    assert cmd[:3] == ["/venv/bin/python", "-m", "jupyterlab"]
    assert "--ip=127.0.0.1" in cmd and f"--ServerApp.root_dir={tmp_path}" in cmd
    assert cmd[-3:] == ["--no-browser", "--port", "8899"]
    assert ("--allow-root" in cmd) == (os.geteuid() == 0)
    assert lab.lab_command(tmp_path, ["--allow-root"]).count("--allow-root") == 1


def test_main_copy_only_on_the_real_book(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = tree_digest(lab.BOOK)
    assert lab.main(["--dir", str(tmp_path / "lab"), "--copy-only"]) == 0
    names = sorted(p.name for p in (tmp_path / "lab").iterdir())
    assert names == sorted(p.name for p in lab.sources())
    assert "references.bib" in names
    assert lab.main(["--dir", str(tmp_path / "lab"), "--copy-only"]) == 0
    assert "kept" in capsys.readouterr().out
    assert tree_digest(lab.BOOK) == before
    assert not list(lab.BOOK.rglob(".ipynb_checkpoints"))


# --- tools/check_lab.py: what counts as a failure ---------------------------------------------------

def code_cell(index: int, **kw: object) -> dict:
    return {"index": index, "type": "code", "source": "", "tags": [], "executionCount": 1, "outputs": [],
            "images": [], "sliders": 0} | kw


def md_cell(index: int, text: str, **kw: object) -> dict:
    return {"index": index, "type": "markdown", "rendered": True, "text": text, "mathErrors": []} | kw


def test_check_cells_accepts_a_good_notebook() -> None:
    cells = [md_cell(0, "Definition 1 (Memory) see (1)"),
             code_cell(1, source="plt.show()", images=[{"complete": True, "width": 600}])]
    assert check_lab.check_cells(cells) == []


@pytest.mark.parametrize("cell, message", [
    (code_cell(1, executionCount=None), "never ran"),
    (code_cell(1, outputs=[{"output_type": "error", "ename": "ValueError", "evalue": "bad"}]), "ValueError"),
    (code_cell(1, outputs=[{"output_type": "stream", "name": "stderr", "text": "Traceback (most recent"}]),
     "traceback"),
    (code_cell(1, images=[{"complete": True, "width": 0}]), "does not render"),
    (code_cell(1, source="fig, ax = plt.subplots()\nplt.show()"), "shows no figure"),
    (code_cell(1, source="am.explore.capacity_explorer(M=5)"), "explorer widget did not render"),
    (md_cell(1, "see {doc}`zipf-data`"), "raw text"),
    (md_cell(1, "```{admonition} At a glance"), "raw text"),
    (md_cell(1, "over {glue:text}`model-trials` draws"), "raw text"),
    (md_cell(1, "x", mathErrors=["Expected 'EOF', got '}'"]), "math"),
    (md_cell(1, 'over am.glued("model-trials", "") draws'), "not filled in"),
    (md_cell(1, "", rendered=False), "not rendered"),
])
def test_check_cells_fails_on(cell: dict, message: str) -> None:
    ok = code_cell(0, images=[{"complete": True, "width": 600}])
    problems = check_lab.check_cells([ok, cell])
    assert problems and message in " ".join(problems) and "cell 1" in problems[0]


def test_stderr_warnings_are_not_errors() -> None:
    warning = {"output_type": "stream", "name": "stderr", "text": "UserWarning: slow\n"}
    assert check_lab.output_problems({"outputs": [warning]}) == []


def test_missing_chromium_fails_clearly(capsys: pytest.CaptureFixture[str]) -> None:
    assert check_lab.main(["--chromium", "/nonexistent/chromium"]) == 1
    assert "no Chromium binary" in capsys.readouterr().err


# --- a real JupyterLab in headless Chromium, on a tiny notebook -------------------------------------

TINY = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source":
            "# Tiny\n\n```{admonition} At a glance\n:class: tip chapter-card\n\nSee {eq}`tiny-eq`.\n```\n\n"
            "```{math}\n:label: tiny-eq\na = b\n```\n\n````{prf:definition} Memory\n:label: def-tiny\n\n"
            "A matrix.\n````\n"},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source":
            "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()\n\n\n"
            "class am:  # stands for amtools' record of glued values\n"
            "    glued = staticmethod(lambda key, spec='': format({'tiny-x': 0.123456}[key], spec))"},
        {"cell_type": "markdown", "metadata": {}, "source": lab.eval_glue("Glued: {glue:text}`tiny-x:.2f`.")},
        # Tagged so the kernel does not abort the queued requests (the inline expression above) after it.
        {"cell_type": "code", "metadata": {"tags": ["raises-exception"]}, "execution_count": None,
         "outputs": [], "source": "1 / 0"},
        {"cell_type": "markdown", "metadata": {}, "source": "Unbalanced: $\\text{a}}$ and {cite}`nokey`."},
    ],
    "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}},
    "nbformat": 4, "nbformat_minor": 5,
}


def run_tiny(tmp_path: Path, env_extra: dict[str, str] | None = None) -> tuple[list[str], list[str]]:
    """Run TINY in a real Lab with check_lab's machinery; return its problems (server always stopped)."""
    playwright = pytest.importorskip("playwright.sync_api")
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "tiny.ipynb").write_text(json.dumps(TINY, indent=1) + "\n")
    port, token = check_lab.free_port(), secrets.token_hex(8)
    proc = check_lab.start_server(tmp_path, port, token, tmp_path / "lab.log", env_extra)
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=check_lab.CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1200, "height": 1200})
                problems, seconds = check_lab.check_chapter(page, f"http://127.0.0.1:{port}", token, "tiny",
                                                            60, tmp_path / "shots")
                texts = [c.get("text", "") for c in page.evaluate(check_lab.JS_CELLS)]
            finally:
                browser.close()
    finally:
        check_lab.stop_server(proc)
    assert proc.poll() is not None                                   # the server is gone
    return problems, texts


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (apt install chromium)")
def test_real_lab_renders_myst_runs_cells_and_reports_errors(tmp_path: Path) -> None:
    problems, texts = run_tiny(tmp_path)
    # MyST rendered (no raw-text problem), the figure rendered, and the real errors are reported.
    # An unresolved citation is not a problem (Lab has no bibliography); math KaTeX rejects is.
    assert problems[0] == "tiny: cell 3: error output ZeroDivisionError: division by zero", problems
    assert len(problems) == 2 and problems[1].startswith("tiny: cell 4: math or MyST error shown"), problems
    assert "Glued: 0.12." in texts[2]                 # {glue:text} as rewritten by lab.py, evaluated
    assert (tmp_path / "shots" / "lab-tiny.png").stat().st_size > 10_000
    saved = json.loads((tmp_path / "tiny.ipynb").read_text())
    assert saved["cells"][1]["outputs"], "Lab saved the outputs into the scratch copy"


# --- tools/lab_metadata.py: solutions folded in Lab, as in the book ---------------------------------

def test_lab_metadata_folds_solutions_idempotently(tmp_path: Path) -> None:
    nb = {"cells": [
        {"cell_type": "code", "metadata": {"tags": ["solution"]}, "source": "x = 1"},
        {"cell_type": "code", "metadata": {"tags": ["hide-input"]}, "source": "plot()"},
        {"cell_type": "code", "metadata": {"tags": ["exercise-stub"]}, "source": "def f(): ..."},
        {"cell_type": "markdown", "metadata": {"tags": ["solution"]}, "source": "text"},
    ], "metadata": {}}
    path = tmp_path / "c.ipynb"
    path.write_text(lab_metadata.dumps(nb))
    assert lab_metadata.main(["--check", str(path)]) == 1
    assert lab_metadata.main([str(path)]) == 0
    fixed = json.loads(path.read_text())
    assert [c["metadata"].get("jupyter") for c in fixed["cells"]] == [
        {"source_hidden": True}, {"source_hidden": True}, None, None]
    assert list(fixed["cells"][0]["metadata"]) == ["tags", "jupyter"]   # tags stay first
    text = path.read_text()
    assert lab_metadata.main(["--check", str(path)]) == 0
    assert lab_metadata.main([str(path)]) == 0 and path.read_text() == text


def test_glue_roles_become_inline_expressions(tmp_path: Path) -> None:
    text = "over {glue:text}`model-trials` draws, slope {glue:text}`model-slope-avg:.2f`; $x$ {eq}`e`"
    assert lab.eval_glue(text) == ('over {eval}`am.glued("model-trials", "")` draws, slope '
                                   '{eval}`am.glued("model-slope-avg", ".2f")`; $x$ {eq}`e`')
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": text}], "metadata": {}}
    for glue, expected in ((False, text), (True, lab.eval_glue(text))):
        path = tmp_path / "c.ipynb"
        path.write_text(lab_metadata.dumps(nb))
        lab.lab_edition(path, glue=glue)
        assert json.loads(path.read_text())["cells"][0]["source"] == expected


def test_scratch_copies_have_solutions_folded(tmp_path: Path) -> None:
    lab.copy_chapters(tmp_path, fresh=True)
    for path in sorted(tmp_path.glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            if "solution" in cell["metadata"].get("tags", []) and cell["cell_type"] == "code":
                assert cell["metadata"]["jupyter"]["source_hidden"] is True, path.name


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (apt install chromium)")
def test_real_lab_without_jupyterlab_myst_shows_raw_myst(tmp_path: Path) -> None:
    """The failure the issue describes (Lab without a MyST renderer) is caught."""
    config = tmp_path / "config"
    (config / "labconfig").mkdir(parents=True)
    (config / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"jupyterlab-myst": True}}))
    problems, _ = run_tiny(tmp_path / "run", {"JUPYTER_CONFIG_DIR": str(config)})
    assert any("tiny: cell 0: MyST shown as raw text" in p and ":label:" in p for p in problems), problems
