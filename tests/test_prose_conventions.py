"""The course-text conventions of every chapter (CONTRIBUTING.md, "Chapters" and "Writing").

- an "At a glance" box after the title (objectives, prerequisites, time); the chapter ends, after its
  exercises, with "Key take-aways" (one bullet per objective), "Going further" (papers, later chapters,
  an extension to try), a "Next" link and a last code cell ``am.footer(env)``;
- every exercise title ends with a difficulty and a kind, ``[★★ code]``; every coding exercise is a
  stub/solution/check triplet;
- numbers in prose come from the code: every computed number is pasted with ``{glue:text}``, and
  the lint below rejects the typed forms a computed number takes (a decimal after an
  approximation sign, a percentage, a decimal with 3+ significant digits, a decimal in a table);
- every pasted key is glued by a code cell of the same chapter;
- only public sources: no "re-run" or "reference" values;
- cross-references are links, never "the previous chapter".
"""

from __future__ import annotations

import collections
import re
from pathlib import Path

import pytest

from editions import CHECK_TAG, tags
from notebook_conventions import BOOK, cell_source, notebooks, read

NOTEBOOKS = notebooks()
IDS = [p.name for p in NOTEBOOKS]

#: Exact constants from the literature that may stay typed, with the reason.
EXACT_CONSTANTS: dict[str, str] = {
    "0.138": "Amit, Gutfreund and Sompolinsky (1985): Hopfield capacity with a small fraction of errors",
}

APPROX = r"(?:≈|\\approx|\\simeq|~|\\sim\b|\babout|\broughly|\baround|\bnearly|\balmost|\bapproximately|\bclose to)"
ROLE = re.compile(r"\{[a-z:]+\}`[^`]*`")
TITLE = re.compile(r"^\s*`{3,}\{(exercise|exercise-start)\}\s*(.*)$", re.M)
LEVEL = re.compile(r"\[(★{1,3}) (derivation|code|open)\]\s*$")


def markdown(path: Path) -> list[str]:
    return [cell_source(c) for c in read(path)["cells"] if c["cell_type"] == "markdown"]


def code(path: Path) -> str:
    return "\n".join(cell_source(c) for c in read(path)["cells"] if c["cell_type"] == "code")


def _without_glance_box(text: str) -> str:
    return re.sub(r"(`{3,})\{admonition\} At a glance.*?\n\1\s*(\n|$)", "\n", text, flags=re.S)


def prose_for_lint(text: str) -> str:
    """Markdown with what may hold exact constants removed: the glance box, roles, code, labels, URLs."""
    text = _without_glance_box(text)
    text = ROLE.sub(" ", text)
    text = re.sub(r"`[^`\n]*`", " ", text)
    text = re.sub(r"https?://\S+", " ", text)
    lines = [l for l in text.split("\n") if not re.match(r"^\s*(:label:|:class:|\([^)]*\)=)", l)]
    return "\n".join(lines)


def number_problems(text: str) -> list[str]:
    """Typed numbers that look computed (see the module docstring)."""
    text = prose_for_lint(text)
    problems = []
    for m in re.finditer(APPROX + r"\s*\$?\s*[-−]?(\d+\.\d+)", text):
        if m.group(1) not in EXACT_CONSTANTS:
            problems.append(f"approximate decimal typed by hand: {m.group(0)!r}")
    for m in re.finditer(r"\d\s*(\\%|%|\bpercent\b)", text):
        problems.append(f"percentage typed by hand: {text[max(0, m.start() - 15):m.end()]!r}")
    for m in re.finditer(r"(?<![\w.])\d+\.\d+", text):
        digits = m.group(0).replace(".", "").lstrip("0")
        if len(digits) >= 3 and m.group(0) not in EXACT_CONSTANTS:
            problems.append(f"decimal with {len(digits)} significant digits: {m.group(0)!r}")
    for line in text.split("\n"):
        if line.lstrip().startswith("|") and re.search(r"\d\.\d", line):
            problems.append(f"decimal in a markdown table row: {line.strip()[:60]!r}")
    return problems


def test_number_lint_catches_typed_numbers_and_spares_exact_ones() -> None:
    for bad in ("the constant is $\\approx 0.691$", "about 2% of the mass", "a share of 12\\%",
                "slope -0.952 at", "| fill | 0.3 |", "about 0.7-0.75 d"):
        assert number_problems(bad), bad
    for good in ("for $\\alpha = 1.5$ and $T = 10^5$", "{glue:text}`zipf-c2:.3f`", "with $P = d/8$",
                 "$\\|e\\|^2 \\approx 1$", "about $0.138\\,d$ if", "`0.6914`", "(zipf-sec-unseen)=",
                 "```{admonition} At a glance\n:class: tip\n\n**Time:** about 2.5 min\n```\n"):
        assert not number_problems(good), (good, number_problems(good))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_numbers_in_prose_are_glued(path: Path) -> None:
    problems = [f"cell {i}: {p}" for i, text in enumerate(markdown(path)) for p in number_problems(text)]
    assert not problems, f"{path.name}: glue computed numbers ({{glue:text}}):\n" + "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_pasted_key_is_glued_in_the_chapter(path: Path) -> None:
    pasted = set()
    for text in markdown(path):
        for m in re.finditer(r"\{glue(?::[a-z]+)?\}`([^`]+)`", text):
            pasted.add(m.group(1).split(":")[0])
        for m in re.finditer(r"`{3,}\{glue(?::[a-z]+)?\}\s+(\S+)", text):
            pasted.add(m.group(1))
    glued = set(re.findall(r"\bglue\(\s*[\"']([^\"']+)[\"']", code(path)))
    missing = sorted(pasted - glued)
    assert not missing, f"{path.name}: pasted but never glued (use am.glue(\"key\", value)): {missing}"
    assert pasted, f"{path.name}: no glued numbers at all"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_key_is_glued_from_two_places(path: Path) -> None:
    """Two glue calls with one key paste whichever ran last (and fail the executed -W build)."""
    calls = collections.Counter(re.findall(r"\bglue\(\s*[\"']([^\"']+)[\"']", code(path)))
    twice = sorted(key for key, n in calls.items() if n > 1)
    assert not twice, f"{path.name}: glued in two places: {twice}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_opening_box_and_take_aways(path: Path) -> None:
    cells = markdown(path)
    head = "\n".join(cells[:2])
    box = re.search(r"(`{3,})\{admonition\} At a glance\n(.*?)\n\1", head, re.S)
    assert box, f"{path.name}: the first markdown cells need the 'At a glance' box"
    body = box.group(2)
    goals = re.findall(r"^\d+\. ", body.split("**Before you start:**")[0], re.M)
    assert 3 <= len(goals) <= 5, f"{path.name}: 3-5 learning objectives, found {len(goals)}"
    assert "**After this chapter you can**" in body and "**Before you start:**" in body
    assert re.search(r"\*\*Time:\*\* about \d+ min to read, \d+ min to run", body), f"{path.name}: state the time"
    text = "\n".join(cells)
    take = re.search(r"^## Key take-aways\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert take, f"{path.name}: end with a '## Key take-aways' section"
    bullets = re.findall(r"^- ", take.group(1), re.M)
    assert len(bullets) == len(goals), f"{path.name}: one take-away per objective ({len(goals)}), found {len(bullets)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_chapter_ending(path: Path) -> None:
    """Exercises, then Key take-aways, then Going further and the Next link, then the footer cell."""
    heads = re.findall(r"^## (.+?)\s*$", "\n".join(markdown(path)), re.M)
    assert heads[-3:] == ["Exercises", "Key take-aways", "Going further"], (
        f"{path.name}: the last sections must be Exercises, Key take-aways, Going further; found {heads[-3:]}")
    text = "\n".join(markdown(path))
    further = re.search(r"^## Going further\n(.*)\Z", text, re.M | re.S).group(1)
    bullets = re.findall(r"^- (.*(?:\n  .*)*)", further, re.M)
    assert len(bullets) >= 3, f"{path.name}: 'Going further' needs at least 3 bullets, found {len(bullets)}"
    assert "{cite}`" in further, f"{path.name}: 'Going further' cites at least one paper ({{cite}})"
    assert "{doc}`" in further, f"{path.name}: 'Going further' links the chapters that build on this one ({{doc}})"
    assert re.search(r"^\*\*Next:\*\* .*\{doc\}`", further, re.M | re.S), (
        f"{path.name}: end 'Going further' with '**Next:** {{doc}}`...`'")
    last = read(path)["cells"][-1]
    assert last["cell_type"] == "code" and cell_source(last).strip().startswith("am.footer("), (
        f"{path.name}: the last cell is a code cell calling am.footer(env)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_exercises_carry_difficulty_and_kind(path: Path) -> None:
    text = "\n".join(markdown(path))
    titles = TITLE.findall(text)
    assert titles, f"{path.name}: no exercises"
    bad = [t for _, t in titles if not LEVEL.search(t)]
    assert not bad, f"{path.name}: end each exercise title with e.g. [★★ code]: {bad}"
    coding = [t for _, t in titles if LEVEL.search(t).group(2) == "code"]
    gated = [t for kind, t in titles if kind == "exercise-start"]
    checks = [c for c in read(path)["cells"] if CHECK_TAG in tags(c)]
    assert len(coding) == len(checks), (
        f"{path.name}: {len(coding)} coding exercises but {len(checks)} exercise-check cells")
    assert set(coding) <= set(gated), f"{path.name}: coding exercises use exercise-start/-end (stub inside)"


FORBIDDEN = {
    r"re-?run": "cite public sources only (the paper, the official repository's published results)",
    r"\bREF_": "no private reference values",
    r"\bthe reference\b|\breference'?s\b|\breference (check|value|run)": "no private reference values",
    r"\b(previous|next|preceding|following|last) chapters?\b": "link with {doc}, never 'previous/next chapter'",
}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_public_sources_and_links_only(path: Path) -> None:
    text = "\n".join(markdown(path)) + "\n" + code(path)
    text = re.sub(r"\{bibliography\}|references\.bib", " ", text)
    found = [(pat, why, m.group(0)) for pat, why in FORBIDDEN.items()
             for m in re.finditer(pat, text, re.I)]
    assert not found, f"{path.name}: " + "; ".join(f"{hit!r}: {why}" for _, why, hit in found)


def test_pages_link_with_doc_roles() -> None:
    pattern = r"\b(?:previous|next|preceding|following|last) chapters?\b"
    for page in BOOK.glob("*.md"):
        hits = re.findall(pattern, page.read_text(), re.I)
        assert not hits, f"{page.name}: link with {{doc}}, never {hits}"


def _pages() -> list[tuple[str, str]]:
    pages = [(p.name, "\n".join(markdown(p))) for p in NOTEBOOKS]
    return pages + [(p.name, p.read_text()) for p in sorted(BOOK.glob("*.md"))]


def test_book_statements_are_named_not_numbered() -> None:
    """The papers' results are "Proposition 1", "Theorem 2"...; the book's own statements carry no
    number (``:nonumber:``) and are cited by name (``{prf:ref}`the ... proposition <label>```), so the
    two never collide and no reference renders as an empty "Proposition "."""
    for name, text in _pages():
        for m in re.finditer(r"`{3,}\{prf:(\w+)\}.*\n((?::\w+:.*\n)*)", text):
            if m.group(1) != "proof" and ":label:" in m.group(2):
                assert ":nonumber:" in m.group(2), f"{name}: give {{prf:{m.group(1)}}} ... :nonumber:"
        bare = re.findall(r"\{prf:ref\}`[^<`]*`", text)
        assert not bare, f"{name}: cite book statements with link text, {{prf:ref}}`the ... <label>`: {bare}"
