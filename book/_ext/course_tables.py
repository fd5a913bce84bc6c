"""Sphinx extension: the instructor tables, generated from the chapters at build time.

One directive, ``{course-table}``, with one argument naming the table::

    ```{course-table} goals
    ```

* ``goals``: per chapter, in table-of-contents order, its part, a link to it, the learning goals
  (the numbered list of its "At a glance" box) and its prerequisites (the box's "Before you start").
* ``time``: reading time (the box's "Time"), the CPU budget of the notebook (its metadata
  ``amtools.budget_seconds``, which the tests enforce), the measured run time of the chapter in the
  build you are reading (myst-nb's execution data: "not run" when the build did not execute it, as in
  ``make check-build``), and the GPU time of the ``paper`` profile, which is not measured (the column
  says so rather than guess).
* ``exercises``: the exercises of each chapter, counted by kind (``code``, ``derivation``, ``open``)
  and by difficulty (★, ★★, ★★★), as given by the ``[★★ code]`` label that ends each exercise title;
  the ``code`` ones are the self-checked (and autograded) ones.

Nothing in the tables is typed by hand. The directive leaves a placeholder that a post-transform
replaces once every chapter has been read (so that the execution data of this build is known); links
are ``pending_xref`` nodes resolved by Sphinx, so a renamed chapter or label fails a ``-W`` build.

With ``hide_solutions: true`` (sphinx-exercise's setting, in ``_config.yml``) every notebook is read as its
student edition (``tests/editions.py``, the rule of ``make student``): sphinx-exercise alone removes
``{solution}`` blocks but not the gated ``{solution-start}`` .. ``{solution-end}`` spans of the coding
exercises, on which the build stops with "unknown node type: solution_end_node".

The chapter list comes from the Jupyter Book table of contents (``_toc.yml`` in the source directory,
or the ``course_tables_toc`` setting). The parsing functions (``chapters``, ``glance``,
``exercise_labels``, ``inline``) do not need Sphinx and are tested in ``tests/test_course_tables.py``.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from docutils import nodes

KINDS = ("code", "derivation", "open")
STARS = ("★", "★★", "★★★")
TABLES = ("goals", "time", "exercises")

_GOALS_HEAD = re.compile(r"^\*\*After this chapter you can\*\*\s*$")
_GOAL_ITEM = re.compile(r"^\s*\d+\.\s+(.*)$")
_BEFORE = re.compile(r"^\*\*Before you start:\*\*\s*(.*)$")
_TIME = re.compile(r"^\*\*Time:\*\*\s*(.*)$")
_READ = re.compile(r"about\s+(\d+)\s*min to read")
_EXERCISE = re.compile(r"^\s*(?:`{3,}|:{3,})\{exercise(?:-start)?\}\s*(.*?)\s*\[(★+)\s+(\w+)\]\s*$", re.M)
_LABEL_AFTER = re.compile(r"\A[^\n]*\n:label:\s*(\S+)")


# --------------------------------------------------------------------------- parsing (no Sphinx)


@dataclass
class Chapter:
    """What the tables say about one chapter."""

    docname: str                 # e.g. "book/zipf-data"
    part: str
    goals: list[str] = field(default_factory=list)
    before: str = ""
    time: str = ""
    budget_seconds: float | None = None
    exercises: list[tuple[str, str, str, str]] = field(default_factory=list)  # (label, title, stars, kind)

    @property
    def reading_minutes(self) -> int | None:
        m = _READ.search(self.time)
        return int(m.group(1)) if m else None


def _text(source: Any) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


def chapter_text(path: Path) -> tuple[str, dict]:
    """The markdown of a chapter (all markdown cells of a notebook, or a .md file) and its metadata."""
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        md = [_text(c.get("source", "")) for c in nb.get("cells", []) if c.get("cell_type") == "markdown"]
        return "\n\n".join(md), nb.get("metadata", {})
    return path.read_text(encoding="utf-8"), {}


def glance(markdown: str) -> tuple[list[str], str, str]:
    """The learning goals, the prerequisites and the time of a chapter's "At a glance" box."""
    goals: list[str] = []
    before = time = ""
    in_goals = False
    start = markdown.find("{admonition} At a glance")
    if start < 0:
        return goals, before, time
    for line in markdown[start:].split("\n")[1:]:
        if line.strip().startswith("```"):
            break
        if _GOALS_HEAD.match(line.strip()):
            in_goals = True
            continue
        item = _GOAL_ITEM.match(line)
        if in_goals and item:
            goals.append(item.group(1).strip())
            continue
        if in_goals and goals and line.startswith("   ") and line.strip():
            goals[-1] += " " + line.strip()          # a goal continued on the next line
            continue
        in_goals = False
        if m := _BEFORE.match(line.strip()):
            before = m.group(1).strip()
        elif m := _TIME.match(line.strip()):
            time = m.group(1).strip()
    return goals, before, time


def exercise_labels(markdown: str) -> list[tuple[str, str, str, str]]:
    """Every exercise of a chapter: (label, title, stars, kind), from ``{exercise} Title [★★ code]``."""
    found = []
    for m in _EXERCISE.finditer(markdown):
        label = _LABEL_AFTER.search(markdown[m.start():].lstrip("\n"))
        found.append((label.group(1) if label else "", m.group(1), m.group(2), m.group(3)))
    return found


def chapters(srcdir: Path, toc: Path) -> list[Chapter]:
    """The chapters of the table of contents, in order, with what their sources say (Reference part left out)."""
    data = yaml.safe_load(toc.read_text(encoding="utf-8"))
    out = []
    for part in data.get("parts", []):
        caption = part.get("caption", "")
        if caption.strip().lower() == "reference":
            continue
        for entry in part.get("chapters", []):
            docname = entry["file"]
            path = next((srcdir / f"{docname}{ext}" for ext in (".ipynb", ".md")
                         if (srcdir / f"{docname}{ext}").exists()), None)
            if path is None:
                continue
            markdown, metadata = chapter_text(path)
            goals, before, time = glance(markdown)
            budget = metadata.get("amtools", {}).get("budget_seconds")
            out.append(Chapter(docname, caption, goals, before, time, budget, exercise_labels(markdown)))
    return out


# --------------------------------------------------------------------------- docutils nodes

# Inline MyST of the boxes: {doc}/{ref} roles become links, $math$ becomes math, `code`, *em*, **strong**.
_INLINE = re.compile(r"\{(doc|ref)\}`([^`]*)`|\{[\w:]+\}`([^`]*)`|\$([^$]+)\$|`([^`]+)`|\*\*([^*]+)\*\*|\*([^*]+)\*")
_EXPLICIT = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.S)


def _xref(kind: str, target: str, refdoc: str, text: str | None, chapter: str = "") -> nodes.Node:
    """A link to a document or a label; a relative {doc} target is taken from ``chapter``'s folder."""
    from sphinx.addnodes import pending_xref

    if kind == "doc" and not target.startswith("/"):
        target = "/" + posixpath.normpath(posixpath.join(posixpath.dirname(chapter), target))
    node = pending_xref("", refdoc=refdoc, refdomain="std", reftype=kind,
                        reftarget=target if kind == "doc" else target.lower(),
                        refexplicit=text is not None, refwarn=True)
    node += nodes.inline(text or target, text or target, classes=["xref", "std", f"std-{kind}"])
    return node


def inline(text: str, refdoc: str, chapter: str) -> list[nodes.Node]:
    """Docutils nodes for one line of a chapter's box (roles other than doc/ref keep their text)."""
    out: list[nodes.Node] = []
    pos = 0
    for m in _INLINE.finditer(text):
        if m.start() > pos:
            out.append(nodes.Text(text[pos:m.start()]))
        role, target, other, math, code, strong, em = m.groups()
        if role:
            explicit = _EXPLICIT.match(target)
            label, target = (explicit.group(1), explicit.group(2)) if explicit else (None, target)
            out.append(_xref(role, target, refdoc, label, chapter))
        elif other is not None:
            out.append(nodes.Text(_EXPLICIT.sub(r"\1", other)))
        elif math is not None:
            out.append(nodes.math(math, math))
        elif code is not None:
            out.append(nodes.literal(code, code))
        elif strong is not None:
            out.append(nodes.strong(strong, strong))
        else:
            out.append(nodes.emphasis(em, em))
        pos = m.end()
    if pos < len(text):
        out.append(nodes.Text(text[pos:]))
    return out


def _para(*children: nodes.Node | str) -> nodes.paragraph:
    p = nodes.paragraph()
    for c in children:
        p += nodes.Text(c) if isinstance(c, str) else c
    return p


def _table(headers: list[str], rows: list[list[nodes.Node]], widths: list[int], caption: str) -> list[nodes.Node]:
    """A table after a one-line note (not a numbered caption: the table exists only after reading)."""
    table = nodes.table(classes=["colwidths-given", "course-table"])
    group = nodes.tgroup(cols=len(headers))
    table += group
    for w in widths:
        group += nodes.colspec(colwidth=w)
    head = nodes.thead()
    group += head
    row = nodes.row()
    for h in headers:
        row += nodes.entry("", _para(h))
    head += row
    body = nodes.tbody()
    group += body
    for cells in rows:
        row = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            entry += cell
            row += entry
        body += row
    note = nodes.paragraph(classes=["course-table-note"])
    note += nodes.emphasis(caption, caption)
    return [note, table]


def _chapter_link(ch: Chapter, refdoc: str) -> nodes.paragraph:
    return _para(_xref("doc", "/" + ch.docname, refdoc, None))


def _minutes(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f} s"
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def goals_table(chs: list[Chapter], refdoc: str) -> list[nodes.Node]:
    rows = []
    for ch in chs:
        goals: nodes.Node
        if ch.goals:
            goals = nodes.enumerated_list(enumtype="arabic", prefix="", suffix=".")
            for g in ch.goals:
                goals += nodes.list_item("", _para(*inline(g, refdoc, ch.docname)))
        else:
            goals = _para("— (a discussion page, without an “At a glance” box)")
        before = _para(*inline(ch.before, refdoc, ch.docname)) if ch.before else _para("—")
        part = ch.part.split(":")[0].strip()      # "Part I: Scaling laws ..." -> "Part I"
        rows.append([_para(f"{part}: " if part else "", _xref("doc", "/" + ch.docname, refdoc, None)), goals, before])
    return _table(["Chapter", "After this chapter you can", "Before you start"], rows,
                  [20, 50, 30], "Learning goals and prerequisites, from each chapter's “At a glance” box")


def time_table(chs: list[Chapter], refdoc: str, exec_data: dict[str, dict | None]) -> list[nodes.Node]:
    rows = []
    total_read = total_budget = total_run = 0.0
    all_run = True
    for ch in chs:
        read = ch.reading_minutes
        total_read += read or 0
        budget = _para(_minutes(ch.budget_seconds)) if ch.budget_seconds else _para("— (no code)")
        total_budget += ch.budget_seconds or 0
        data = exec_data.get(ch.docname)
        if ch.budget_seconds is None:
            run = "—"
        elif data and data.get("succeeded") and data.get("runtime") is not None:
            how = "from the cache" if data.get("method") == "cache" else "executed"   # myst-nb's mode
            run = f"{_minutes(data['runtime'])} ({how})"
            total_run += data["runtime"]
        else:
            run, all_run = "not run in this build", False
        rows.append([_chapter_link(ch, refdoc), _para(f"{read} min" if read else "—"), budget, _para(run),
                     _para("not measured" if ch.budget_seconds else "—")])
    rows.append([_para(nodes.strong("Total", "Total")), _para(f"{total_read:.0f} min"),
                 _para(_minutes(total_budget)), _para(_minutes(total_run) if all_run and total_run else "—"),
                 _para("not measured")])
    return _table(["Chapter", "Reading", "CPU budget (default profile)", "Run time in this build",
                   "GPU time (paper profile)"], rows, [30, 12, 20, 20, 18],
                  "Time per chapter: reading time from the chapter's box; CPU budget from the notebook's "
                  "metadata (the tests fail a chapter that exceeds it); run time as measured by this build")


def exercises_table(chs: list[Chapter], refdoc: str) -> list[nodes.Node]:
    rows = []
    totals: Counter[str] = Counter()
    for ch in chs:
        kinds = Counter(kind for _, _, _, kind in ch.exercises)
        stars = Counter(s for _, _, s, _ in ch.exercises)
        totals.update(kinds)
        totals.update(stars)
        totals["all"] += len(ch.exercises)
        rows.append([_chapter_link(ch, refdoc)] + [_para(str(kinds[k]) if kinds[k] else "—") for k in KINDS]
                    + [_para(str(stars[s]) if stars[s] else "—") for s in STARS] + [_para(str(len(ch.exercises)))])
    rows.append([_para(nodes.strong("Total", "Total"))] + [_para(str(totals[k])) for k in KINDS + STARS]
                + [_para(str(totals["all"]))])
    return _table(["Chapter", "code", "derivation", "open", "★", "★★", "★★★", "All"], rows,
                  [37, 9, 9, 9, 9, 9, 9, 9],
                  "Exercises by kind and difficulty, from the label of each exercise's title")


# --------------------------------------------------------------------------- Sphinx glue


def _student_notebook(folder: Path) -> Any:
    """``editions.student_notebook`` from the book's tests/ folder (the one rule for the student edition)."""
    import sys

    tests = str(folder)
    if tests not in sys.path:
        sys.path.insert(0, tests)
    from editions import student_notebook

    return student_notebook


class course_table_node(nodes.General, nodes.Element):
    """Placeholder for a course table, replaced once every document has been read."""


def _toc_path(srcdir: Any, config: Any) -> Path:
    setting = config.course_tables_toc or getattr(config, "external_toc_path", None) or "_toc.yml"
    path = Path(setting)
    return path if path.is_absolute() else Path(srcdir) / path


def setup(app: Any) -> dict[str, Any]:
    from sphinx.transforms.post_transforms import SphinxPostTransform
    from sphinx.util.docutils import SphinxDirective

    class CourseTable(SphinxDirective):
        required_arguments = 1
        has_content = False

        def run(self) -> list[nodes.Node]:
            kind = self.arguments[0].strip()
            if kind not in TABLES:
                raise self.error(f"course-table: unknown table {kind!r}; choose one of {', '.join(TABLES)}")
            if not hasattr(self.env, "course_table_docs"):
                self.env.course_table_docs = set()
            self.env.course_table_docs.add(self.env.docname)
            self.env.note_dependency(str(_toc_path(self.env.srcdir, self.config)))
            # The goals hold math; Sphinx decides at read time whether a page loads MathJax, so the
            # placeholder carries an (empty) math node until the table replaces it.
            return [course_table_node("", nodes.math("", ""), kind=kind)]

    class CourseTableTransform(SphinxPostTransform):
        default_priority = 8  # before the reference resolvers, so that the pending_xref nodes resolve

        def run(self, **kwargs: Any) -> None:
            found = list(self.document.findall(course_table_node))
            if not found:
                return
            chs = chapters(Path(self.env.srcdir), _toc_path(self.env.srcdir, self.config))
            exec_data = _exec_data(self.env)
            for node in found:
                refdoc = self.env.docname
                if node["kind"] == "goals":
                    table = goals_table(chs, refdoc)
                elif node["kind"] == "time":
                    table = time_table(chs, refdoc, exec_data)
                else:
                    table = exercises_table(chs, refdoc)
                node.replace_self(table)

    def _exec_data(env: Any) -> dict[str, dict | None]:
        try:
            from myst_nb.sphinx_ import NbMetadataCollector
        except ImportError:
            return {}
        data = NbMetadataCollector.get_doc_data(env)
        return {doc: d.get("exec_data") for doc, d in data.items()}

    def purge(app: Any, env: Any, docname: str) -> None:
        getattr(env, "course_table_docs", set()).discard(docname)

    def merge(app: Any, env: Any, docnames: Any, other: Any) -> None:
        if not hasattr(env, "course_table_docs"):
            env.course_table_docs = set()
        env.course_table_docs |= getattr(other, "course_table_docs", set())

    def updated(app: Any, env: Any) -> list[str]:
        # the time table shows this build's run times: rewrite its pages whenever anything was re-read
        return sorted(getattr(env, "course_table_docs", set()))

    def hide_solutions(app: Any, docname: str, source: list[str]) -> None:
        # sphinx-exercise's hide_solutions drops {solution} blocks but not gated ones: a notebook's
        # {solution-start} .. {solution-end} span (with its code cells) makes the build crash. With
        # hide_solutions on, a notebook is read as its student edition instead (the rule of
        # ``make student``, tests/editions.py), which removes both kinds and keeps stubs and checks.
        if not getattr(app.config, "hide_solutions", False) or not str(app.env.doc2path(docname)).endswith(".ipynb"):
            return
        student_notebook = _student_notebook(Path(app.srcdir) / app.config.course_tables_tests)
        source[0] = json.dumps(student_notebook(json.loads(source[0])), ensure_ascii=False)

    app.add_config_value("course_tables_toc", "", "env")
    app.add_config_value("course_tables_tests", "tests", "env")   # where editions.py lives
    app.connect("source-read", hide_solutions)
    app.add_node(course_table_node)
    app.add_directive("course-table", CourseTable)
    app.add_post_transform(CourseTableTransform)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("env-updated", updated)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
