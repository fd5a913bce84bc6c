"""The instructor tables (book/_ext/course_tables.py) and its hide_solutions support.

The parsing is checked on the book's own chapters; the directive and the hide_solutions reading are
checked in real, warnings-as-errors Sphinx builds of a small project (myst-nb, sphinx-exercise).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from notebook_conventions import ROOT, read

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import course_tables as ct  # noqa: E402

SPHINX_BUILD = Path(sys.executable).with_name("sphinx-build")
CHAPTERS = ct.chapters(ROOT, ROOT / "_toc.yml")


def test_every_chapter_of_the_toc_is_listed_in_order():
    toc = re.findall(r"file:\s*(book/[\w-]+)", (ROOT / "_toc.yml").read_text())
    reference = toc[toc.index("book/for-instructors"):]
    assert [c.docname for c in CHAPTERS] == [d for d in toc if d not in reference and d != "book/intro"]


@pytest.mark.parametrize("chapter", [c for c in CHAPTERS if (ROOT / f"{c.docname}.ipynb").exists()],
                         ids=lambda c: c.docname.split("/")[1])
def test_notebook_chapter_parsed(chapter):
    nb = read(ROOT / f"{chapter.docname}.ipynb")
    assert len(chapter.goals) >= 3 and all(len(g) > 20 for g in chapter.goals)
    assert "{doc}`" in chapter.before
    assert chapter.reading_minutes and 10 <= chapter.reading_minutes <= 120
    assert chapter.budget_seconds == nb["metadata"]["amtools"]["budget_seconds"]
    markdown = "\n".join(c["source"] if isinstance(c["source"], str) else "".join(c["source"])
                         for c in nb["cells"] if c["cell_type"] == "markdown")
    directives = re.findall(r"^\s*(?:`{3,}|:{3,})\{exercise(?:-start)?\}", markdown, re.M)
    assert len(chapter.exercises) == len(directives), "an exercise title lacks its [★★ kind] label"
    for label, title, stars, kind in chapter.exercises:
        assert label.startswith("ex-") and title and stars in ct.STARS and kind in ct.KINDS
    # the label and the tags agree: one stub cell per "code" exercise
    stubs = sum("exercise-stub" in c["metadata"].get("tags", []) for c in nb["cells"])
    assert sum(kind == "code" for *_, kind in chapter.exercises) == stubs


def test_glance_box_parsing():
    goals, before, time = ct.glance(
        "```{admonition} At a glance\n:class: tip\n\n**After this chapter you can**\n1. do $x$ well\n"
        "2. do y, over\n   two lines\n\n**Before you start:** {doc}`intro`; sums.\n\n"
        "**Time:** about 25 min to read, 1 min to run.\n```\nText.\n1. not a goal\n")
    assert goals == ["do $x$ well", "do y, over two lines"]
    assert before == "{doc}`intro`; sums."
    assert time == "about 25 min to read, 1 min to run."
    assert ct.glance("# No box\n") == ([], "", "")


# --------------------------------------------------------------------------- real Sphinx builds

GLANCE = """# Chapter {n}

```{{admonition}} At a glance
:class: tip chapter-card

**After this chapter you can**
1. compute $D_T$ for chapter {n} ({{ref}}`sec-{n}`)
2. explain *why* it grows

**Before you start:** {{doc}}`{prev}` (the basics); log-log plots.

**Time:** about {minutes} min to read, 1 min to run on a laptop CPU.
```

(sec-{n})=
## A section
"""


def _md(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _code(text: str, tag: str | None = None) -> dict:
    return {"cell_type": "code", "metadata": {"tags": [tag]} if tag else {}, "execution_count": None,
            "source": text, "outputs": []}


def _chapter(n: int, prev: str, minutes: int) -> dict:
    cells = [
        _md(GLANCE.format(n=n, prev=prev, minutes=minutes)),
        _md(f"## Exercises\n\n```{{exercise}} A derivation [★★ derivation]\n:label: ex-d{n}\n\nDerive it.\n```\n\n"
            f"```{{solution}} ex-d{n}\n:class: dropdown\n\nDERIVATION-SOLUTION-{n}\n```\n\n"
            f"```{{exercise-start}} Write it [★ code]\n:label: ex-c{n}\n```\n\nWrite `f`."),
        _code(f"def f():\n    raise NotImplementedError('STUB-{n}')", "exercise-stub"),
        _md(f"```{{exercise-end}}\n```\n\n```{{solution-start}} ex-c{n}\n:class: dropdown\n```\n\nSOLUTION-PROSE-{n}"),
        _code(f"def f():\n    return 'CODE-SOLUTION-{n}'", "solution"),
        _md("```{solution-end}\n```"),
        _code("f()", "exercise-check"),
        _md(f"```{{exercise}} An open one [★★★ open]\n:label: ex-o{n}\n\nThink.\n```"),
    ]
    for i, cell in enumerate(cells):
        cell["id"] = f"c{n}-{i}"
    return {"cells": cells, "metadata": {"amtools": {"budget_seconds": 60 * n},
                                        "kernelspec": {"name": "python3", "display_name": "Python 3"},
                                        "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def _project(tmp_path: Path, hide_solutions: bool, execute: bool = False) -> Path:
    src = tmp_path / "src"
    (src / "book").mkdir(parents=True)
    (src / "conf.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT / 'book' / '_ext')!r})\n"
        "extensions = ['myst_nb', 'sphinx_exercise', 'course_tables']\n"
        f"nb_execution_mode = {'force' if execute else 'off'!r}\n"
        "exclude_patterns = ['_build', 'jupyter_execute']\n"
        f"hide_solutions = {hide_solutions}\n"
        f"course_tables_tests = {str(ROOT / 'tests')!r}\n")
    (src / "_toc.yml").write_text(
        "format: jb-book\nroot: index\nparts:\n"
        "  - caption: 'Part I: Basics'\n    chapters:\n      - file: book/one\n      - file: book/two\n"
        "  - caption: Reference\n    chapters:\n      - file: book/for-instructors\n")
    (src / "index.md").write_text("# Home\n\n```{toctree}\nbook/one\nbook/two\nbook/for-instructors\n```\n")
    (src / "book" / "one.ipynb").write_text(json.dumps(_chapter(1, "/index", 20)))
    (src / "book" / "two.ipynb").write_text(json.dumps(_chapter(2, "one", 35)))
    (src / "book" / "for-instructors.md").write_text(
        "# For instructors\n\n```{course-table} goals\n```\n\n```{course-table} time\n```\n\n"
        "```{course-table} exercises\n```\n")
    out = tmp_path / "html"
    proc = subprocess.run([str(SPHINX_BUILD), "-W", "--keep-going", "-q", "-b", "html", str(src), str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_tables_in_a_real_build(tmp_path):
    out = _project(tmp_path, hide_solutions=False)
    html = (out / "book" / "for-instructors.html").read_text()
    text = _text(html)
    # goals: part, linked chapter, goals with math and links, prerequisites with a resolved {doc} link
    assert html.count('href="one.html"') >= 3 and html.count('href="two.html"') >= 3
    assert "Part I: Chapter 1" in text and "explain why it grows" in text
    assert r"\(D_T\)" in html and "mathjax" in html.lower()    # $D_T$ became math, and the page loads MathJax
    assert 'href="one.html#sec-1"' in html                      # {ref} resolved to the section
    assert 'href="../index.html"' in html                      # {doc}`/index` of chapter one
    assert "the basics" in text and "log-log plots" in text
    # time: reading, CPU budget from the metadata, not run (execution off), GPU not measured, totals
    assert "20 min" in text and "35 min" in text and "55 min" in text
    assert "60 s" in text and "2.0 min" in text and "3.0 min" in text
    assert text.count("not run in this build") == 2 and "not measured" in text
    # exercises: one code, one derivation, one open per chapter; stars 1 / 1 / 1
    row = re.search(r"Total\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", text)
    assert row and row.groups() == ("2", "2", "2", "2", "2", "2", "6")
    # the full edition shows the solutions
    chapter = (out / "book" / "one.html").read_text()
    assert "CODE-SOLUTION-1" in chapter and "DERIVATION-SOLUTION-1" in chapter and "SOLUTION-PROSE-1" in chapter


def test_hide_solutions_builds_the_student_edition(tmp_path):
    out = _project(tmp_path, hide_solutions=True)
    chapter = (out / "book" / "one.html").read_text()
    for gone in ("CODE-SOLUTION-1", "DERIVATION-SOLUTION-1", "SOLUTION-PROSE-1"):
        assert gone not in chapter
    assert "STUB-1" in chapter and "Write it" in chapter and "Think." in chapter


def test_time_table_shows_the_run_times_of_an_executed_build(tmp_path):
    out = _project(tmp_path, hide_solutions=False, execute=True)
    text = _text((out / "book" / "for-instructors.html").read_text())
    runs = re.findall(r"([\d.]+) s \(executed\)", text)
    assert len(runs) == 2 and "not run in this build" not in text
