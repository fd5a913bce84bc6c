#!/usr/bin/env python3
"""Write the Colab editions of the chapters: ``make colab`` -> ``_build/colab/book/<chapter>.ipynb``.

Colab renders Markdown and LaTeX but no MyST, so each chapter's Markdown is rewritten:

- ``{doc}``, ``{ref}``, ``{prf:ref}`` and ``{eq}`` become links to the online book (GitHub Pages of
  ``_config.yml``'s repository, or ``html.baseurl`` when set); labels are resolved by scanning the
  sources; ``{eq}`label``` reads ``(label)`` and the equation carries ``\\tag{label}``;
- ``{cite}`` becomes "(Author, Year)" from ``book/references.bib``;
- ``{glue:text}`key``` becomes the value glued by the last executed build (``_build/jupyter_execute``)
  or, without one, "(computed in the notebook: `key`)";
- ``{math}`` directives and ``$$ ... $$ (label)`` become ``$$ ... $$``; admonitions and ``prf:*``
  blocks become block quotes with a bold title; exercises get a "#### Exercise: title" heading;
  written solutions are folded into ``<details>``; ``(label)=`` targets are dropped.

Code cells are copied unchanged, except the solution cells (tag ``solution``), which Colab shows
folded: their metadata gets ``cellView: "form"`` and their source a first line ``#@title Solution``
(a comment: the cell still runs, so the exercise checks after it pass, as in the book). Cells the
book hides (``hide-*``, ``remove-cell``, ``remove-input``) are folded the same way, without a title. Each edition
starts with a Markdown cell linking the online chapter and carries Colab's GPU metadata.

The editions are published on the repository's Colab branch (``_config.yml`` ``repository.branch``),
at the same paths (``book/<chapter>.ipynb``), where the book's Colab launch buttons point.
No network; exit status 1 with a message on a MyST construct it cannot convert.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
EXECUTED = ROOT / "_build" / "jupyter_execute"
COLAB_METADATA = {"accelerator": "GPU", "colab": {"gpuType": "T4", "provenance": []}}
SOLUTION_TITLE = "#@title Solution"

ROLE = re.compile(r"\{([a-z][a-z0-9:_-]*)\}`([^`]*)`")
FENCE_OPEN = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|:{3,}|~{3,})\{(?P<name>[^}]+)\}[ \t]*(?P<arg>.*)$")
TARGET = re.compile(r"^\((?P<label>[^)\s]+)\)=\s*$")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# Display math blocks in order (so each closing $$ pairs with its opening one), with the optional label.
DOLLAR_BLOCK = re.compile(r"\$\$(?P<body>.*?)\$\$(?:[ \t]*\((?P<label>[A-Za-z0-9_:.-]+)\))?", re.S)
PRF_TITLES = {"definition": "Definition", "proposition": "Proposition", "theorem": "Theorem",
              "lemma": "Lemma", "corollary": "Corollary", "remark": "Remark", "proof": "Proof",
              "example": "Example", "conjecture": "Conjecture", "property": "Property",
              "axiom": "Axiom", "criterion": "Criterion", "observation": "Observation",
              "algorithm": "Algorithm", "assumption": "Assumption"}
ADMONITIONS = {"note", "tip", "hint", "important", "warning", "caution", "attention", "danger",
               "error", "seealso", "admonition"}


class ConversionError(ValueError):
    """A MyST construct the converter cannot turn into Colab Markdown."""


# ---------------------------------------------------------------------------------------- config


def load_config(root: Path = ROOT) -> dict:
    return yaml.safe_load((root / "_config.yml").read_text())


def repo_parts(config: dict) -> tuple[str, str]:
    """``(org, repo)`` of ``repository.url`` (a GitHub URL)."""
    url = urlparse(config["repository"]["url"].rstrip("/"))
    parts = [p for p in url.path.split("/") if p]
    if url.netloc != "github.com" or len(parts) != 2:
        raise ConversionError(f"repository.url must be https://github.com/<org>/<repo>, got {url.geturl()}")
    return parts[0], parts[1].removesuffix(".git")


def book_url(config: dict) -> str:
    """The online book: ``html.baseurl`` if set, else GitHub Pages ``https://<org>.github.io/<repo>/``."""
    base = (config.get("html") or {}).get("baseurl")
    if base:
        return base.rstrip("/") + "/"
    org, repo = repo_parts(config)
    return f"https://{org.lower()}.github.io/{repo}/"


def colab_branch(config: dict) -> str:
    """The branch the Colab editions are published on (``repository.branch``: the launch buttons use it)."""
    return str(config["repository"].get("branch") or "main")


def launch_url(config: dict, docname: str) -> str:
    """The Colab link sphinx-book-theme builds for ``docname`` (e.g. ``book/zipf-data``), with its
    ``launch_buttons.colab_url``, ``repository.url``, ``.branch`` and ``.path_to_book``."""
    org, repo = repo_parts(config)
    colab = config["launch_buttons"]["colab_url"].rstrip("/")
    book_path = str(config["repository"].get("path_to_book") or "").strip("/")
    path = f"{book_path}/{docname}.ipynb" if book_path else f"{docname}.ipynb"
    return f"{colab}/github/{org}/{repo}/blob/{colab_branch(config)}/{path}"


# ---------------------------------------------------------------------------------------- sources


def cell_source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def markdown_texts(path: Path) -> list[str]:
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text())
        return [cell_source(c) for c in nb["cells"] if c["cell_type"] == "markdown"]
    return [path.read_text()]


def strip_roles(text: str) -> str:
    """A heading or title as plain text: roles reduced to their text."""
    def plain(m: re.Match) -> str:
        body = m.group(2)
        inner = re.match(r"^(.*?)\s*<([^>]+)>$", body, re.S)
        return inner.group(1) if inner else body
    return ROLE.sub(plain, text).strip()


@dataclass(frozen=True)
class Target:
    docname: str          # e.g. "book/zipf-data"
    anchor: str           # the HTML id
    title: str            # link text when the reference gives none


def scan_targets(root: Path = ROOT) -> tuple[dict[str, Target], dict[str, str]]:
    """Every label of the book -> its page, anchor and title; every page -> its title."""
    labels: dict[str, Target] = {}
    titles: dict[str, str] = {}
    sources = sorted(list((root / "book").glob("*.ipynb")) + list((root / "book").glob("*.md")))
    for path in sources:
        docname = path.relative_to(root).with_suffix("").as_posix()
        lines = "\n".join(markdown_texts(path)).splitlines()
        directive: list[tuple[str, str]] = []   # stack of (name, argument) of open directives
        for i, line in enumerate(lines):
            heading = HEADING.match(line)
            if heading and docname not in titles and len(heading.group(1)) == 1:
                titles[docname] = strip_roles(heading.group(2))
            target = TARGET.match(line)
            if target:
                nxt = next((l for l in lines[i + 1:] if l.strip()), "")
                h = HEADING.match(nxt)
                labels[target.group("label")] = Target(docname, target.group("label"),
                                                       strip_roles(h.group(2)) if h else target.group("label"))
            opened = FENCE_OPEN.match(line)
            if opened:
                directive.append((opened.group("name").strip(), opened.group("arg").strip()))
                continue
            option = re.match(r"^\s*:label:\s*(\S+)\s*$", line)
            if option and directive:
                name, arg = directive[-1]
                label = option.group(1)
                if name == "math":
                    labels[label] = Target(docname, f"equation-{label}", f"({label})")
                else:
                    kind = name.split(":")[-1].split("-")[0]
                    words = PRF_TITLES.get(kind, kind.capitalize())
                    labels[label] = Target(docname, label, f"{words} ({strip_roles(arg)})" if arg else words)
            elif directive and not line.strip().startswith(":"):
                directive.pop()   # only the options right after the opening line carry labels
        for m in DOLLAR_BLOCK.finditer("\n".join(lines)):
            if m.group("label"):
                labels[m.group("label")] = Target(docname, f"equation-{m.group('label')}", f"({m.group('label')})")
    return labels, titles


# ---------------------------------------------------------------------------------------- citations


def _strip_braces(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("{", "").replace("}", "")).strip()


def parse_bib(path: Path) -> dict[str, tuple[list[str], str]]:
    """``{key: (author last names, year)}`` from a BibTeX file (plain parse: ``field = {...}``)."""
    entries: dict[str, tuple[list[str], str]] = {}
    text = path.read_text()
    for m in re.finditer(r"@\w+\s*\{\s*([^,\s]+)\s*,", text):
        key, start = m.group(1), m.end()
        depth, i = 1, start
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        body = text[start:i - 1]
        fields: dict[str, str] = {}
        for f in re.finditer(r"(\w+)\s*=\s*", body):
            j = f.end()
            if j < len(body) and body[j] == "{":
                depth, k = 1, j + 1
                while k < len(body) and depth:
                    depth += {"{": 1, "}": -1}.get(body[k], 0)
                    k += 1
                fields.setdefault(f.group(1).lower(), body[j + 1:k - 1])
            else:
                fields.setdefault(f.group(1).lower(), body[j:].split(",", 1)[0].strip().strip('"'))
        people = [p.strip() for p in re.split(r"\s+and\s+", fields.get("author", fields.get("editor", "")))]
        last = [_strip_braces(p.split(",")[0]) if "," in p else _strip_braces(p).split(" ")[-1]
                for p in people if p and p != "others"]
        if any(p == "others" for p in people):
            last.append("others")
        entries[key] = (last, _strip_braces(fields.get("year", "n.d.")))
    return entries


def cite_text(keys: list[str], bib: dict[str, tuple[list[str], str]], textual: bool) -> str:
    parts = []
    for key in keys:
        if key not in bib:
            raise ConversionError(f"citation key {key!r} is not in book/references.bib")
        names, year = bib[key]
        if len(names) >= 3 or "others" in names:
            who = f"{names[0]} et al."
        elif len(names) == 2:
            who = f"{names[0]} and {names[1]}"
        else:
            who = names[0] if names else key
        parts.append(f"{who} ({year})" if textual else f"{who}, {year}")
    return "; ".join(parts) if textual else "(" + "; ".join(parts) + ")"


# ---------------------------------------------------------------------------------------- glue


def load_glue(executed: Path, chapter: str) -> dict[str, object]:
    """Glued values of one chapter from an executed build: ``<chapter>.glue.json`` or its outputs."""
    records: dict[str, dict] = {}
    glue_file = executed / "book" / f"{chapter}.glue.json"
    if glue_file.exists():
        records.update(json.loads(glue_file.read_text()))
    nb_file = executed / "book" / f"{chapter}.ipynb"
    if nb_file.exists():
        for cell in json.loads(nb_file.read_text()).get("cells", []):
            for out in cell.get("outputs", []):
                name = out.get("metadata", {}).get("scrapbook", {}).get("name")
                if name:
                    records.setdefault(name, out)
    values: dict[str, object] = {}
    for key, out in records.items():
        plain = out.get("data", {}).get("text/plain")
        if plain is None:
            continue
        plain = "".join(plain) if isinstance(plain, list) else plain
        try:
            values[key] = ast.literal_eval(plain)
        except (ValueError, SyntaxError):
            values[key] = plain
    return values


def glue_text(spec: str, values: dict[str, object]) -> str:
    key, _, fmt = spec.partition(":")
    if key not in values:
        return f"(computed in the notebook: `{key}`)"
    value = values[key]
    if fmt:
        try:
            return format(value, fmt)
        except (TypeError, ValueError):
            pass
    return str(value)


# ---------------------------------------------------------------------------------------- conversion


class Converter:
    """Turns one chapter's MyST Markdown cells into Colab Markdown."""

    def __init__(self, docname: str, *, config: dict, labels: dict[str, Target], titles: dict[str, str],
                 bib: dict[str, tuple[list[str], str]], glue: dict[str, object]) -> None:
        self.docname = docname
        self.base = book_url(config)
        self.labels, self.titles, self.bib, self.glue = labels, titles, bib, glue

    def page_url(self, docname: str, anchor: str = "") -> str:
        return f"{self.base}{docname}.html" + (f"#{anchor}" if anchor else "")

    def _doc(self, target: str) -> str:
        """A ``{doc}`` target, relative to this page's folder unless absolute."""
        if target.startswith("/"):
            name = target.lstrip("/")
        else:
            name = (Path(self.docname).parent / target).as_posix()
        name = re.sub(r"\.(md|ipynb)$", "", name)
        if name not in self.titles:
            raise ConversionError(f"{self.docname}: {{doc}} target {target!r} is not a page of the book")
        return name

    def role(self, m: re.Match) -> str:
        name, body = m.group(1), m.group(2)
        explicit = re.match(r"^(.*?)\s*<([^>]+)>$", body, re.S)
        text, target = (explicit.group(1), explicit.group(2)) if explicit else (None, body.strip())
        if name == "doc":
            doc = self._doc(target)
            return f"[{text or self.titles[doc]}]({self.page_url(doc)})"
        if name in ("ref", "prf:ref", "numref", "eq"):
            if target not in self.labels:
                raise ConversionError(f"{self.docname}: unknown label {target!r} in {{{name}}}")
            t = self.labels[target]
            link_text = text or (f"({target})" if name == "eq" else t.title)
            return f"[{link_text}]({self.page_url(t.docname, t.anchor)})"
        if name.startswith("cite"):
            keys = [k.strip() for k in body.split(",") if k.strip()]
            return cite_text(keys, self.bib, textual=name in ("cite:t", "cite:ts"))
        if name == "glue:text":
            return glue_text(body.strip(), self.glue)
        if name == "math":
            return f"${body}$"
        if name == "term":                 # a glossary term: its words, linked to the online glossary
            return f"[{text or target}]({self.page_url('book/glossary')})"
        return f"`{text or target}`"   # {func}, {code}, ...: the text as code

    def inline(self, text: str) -> str:
        """Roles, outside inline code spans and math."""
        out, pos = [], 0
        for m in ROLE.finditer(text):
            out.append(text[pos:m.start()])
            out.append(self.role(m))
            pos = m.end()
        out.append(text[pos:])
        return "".join(out)

    def convert(self, text: str) -> str:
        text = DOLLAR_BLOCK.sub(lambda m: m.group(0) if not m.group("label") else
                                f"$${m.group('body').rstrip()}\n\\tag{{{m.group('label')}}}\n$$", text)
        lines = text.split("\n")
        out = self.blocks(lines)
        return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n")

    def blocks(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(lines):
            line = lines[i]
            if TARGET.match(line):
                i += 1
                continue
            opened = FENCE_OPEN.match(line)
            if not opened:
                out.append(self.inline(line))
                i += 1
                continue
            fence = opened.group("fence")
            closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
            j = i + 1
            while j < len(lines) and not closing.match(lines[j]):
                j += 1
            if j == len(lines):
                raise ConversionError(f"{self.docname}: unclosed directive {line.strip()!r}")
            body = lines[i + 1:j]
            options: dict[str, str] = {}
            while body and re.match(r"^\s*:[\w-]+:", body[0]):
                key, _, value = body.pop(0).strip()[1:].partition(":")
                options[key] = value.strip()
            name = opened.group("name").strip()
            i = j + 1
            if name == "solution-start":
                # The solution is what follows, up to {solution-end} (often in a later cell, after the
                # solution code cell, which is folded on its own): fold this cell's part.
                end = next((k for k in range(i, len(lines)) if (m := FENCE_OPEN.match(lines[k]))
                            and m.group("name").strip() == "solution-end"), len(lines))
                body, i = body + lines[i:end], end
            out.extend(self.directive(name, opened.group("arg").strip(), options, body))
        return out

    def directive(self, name: str, arg: str, options: dict[str, str], body: list[str]) -> list[str]:
        inner = self.blocks(body)
        title = self.inline(arg)
        if name == "math":
            label = options.get("label")
            tag = [f"\\tag{{{label}}}"] if label and "nonumber" not in options else []
            return ["", "$$", *[l for l in body if l.strip()], *tag, "$$", ""]
        if name in ("exercise", "exercise-start"):
            return ["", f"#### Exercise: {title}" if title else "#### Exercise", "", *inner, ""]
        if name in ("exercise-end", "solution-end"):
            return [""]
        if name in ("solution", "solution-start"):
            # solution-start: the written part only; the solution code cell after it is folded.
            return ["", "<details><summary>Solution</summary>", "", *inner, "", "</details>", ""]
        if name.startswith("prf:"):
            kind = name.split(":", 1)[1]
            word = PRF_TITLES.get(kind, kind.capitalize())
            heading = f"**{word} ({title}).**" if title else f"**{word}.**"
            return self.quote([heading, "", *inner])
        if name in ADMONITIONS:
            heading = f"**{title}**" if title else f"**{name.capitalize()}**"
            return self.quote([heading, "", *inner])
        if name in ("code", "code-block", "sourcecode"):
            return ["", f"```{arg}", *body, "```", ""]
        raise ConversionError(f"{self.docname}: no Colab rendering for the directive {{{name}}}")

    @staticmethod
    def quote(lines: list[str]) -> list[str]:
        while lines and not lines[-1].strip():
            lines.pop()
        quoted = [f"> {l}" if l.strip() else ">" for l in lines]
        return ["", *[l for k, l in enumerate(quoted) if not (l == ">" and k and quoted[k - 1] == ">")], ""]


# ---------------------------------------------------------------------------------------- editions


def edition(path: Path, *, config: dict, labels: dict[str, Target], titles: dict[str, str],
            bib: dict[str, tuple[list[str], str]], executed: Path) -> dict:
    """The Colab edition of one chapter notebook."""
    nb = json.loads(path.read_text())
    docname = path.relative_to(ROOT).with_suffix("").as_posix() if path.is_relative_to(ROOT) \
        else f"book/{path.stem}"
    conv = Converter(docname, config=config, labels=labels, titles=titles, bib=bib,
                     glue=load_glue(executed, path.stem))
    cells: list[dict] = []
    for cell in nb["cells"]:
        meta = dict(cell.get("metadata", {}))
        tags = meta.get("tags", [])
        src = cell_source(cell)
        if cell["cell_type"] == "markdown":
            text = conv.convert(src)
            if text.strip():
                cells.append({"cell_type": "markdown", "metadata": meta, "source": text})
            continue
        new = dict(cell)
        if "solution" in tags:
            meta["cellView"] = "form"
            new["source"] = f"{SOLUTION_TITLE}\n{src}"
        elif {"hide-cell", "hide-input", "remove-cell", "remove-input"} & set(tags):
            meta["cellView"] = "form"
            new["source"] = src
        else:
            new["source"] = src
        new["metadata"] = meta
        cells.append(new)
    title = titles.get(docname, path.stem)
    intro = (f"**Colab edition of [{title}]({conv.page_url(docname)})**, a chapter of "
             f"[*{config.get('title', 'the book')}*]({conv.base}). The online chapter has the rendered "
             "cross-references, citations and exercises; links below open it. The chapter runs on a CPU; "
             "for the `paper` profile choose *Runtime > Change runtime type > T4 GPU*.")
    cells.insert(0, {"cell_type": "markdown", "metadata": {}, "source": intro})
    metadata = dict(nb.get("metadata", {}))
    metadata.update(json.loads(json.dumps(COLAB_METADATA)))
    return {"cells": cells, "metadata": metadata, "nbformat": nb.get("nbformat", 4),
            "nbformat_minor": nb.get("nbformat_minor", 5)}


def write_editions(out: Path, *, root: Path = ROOT, executed: Path = EXECUTED) -> list[Path]:
    config = load_config(root)
    labels, titles = scan_targets(root)
    bib = parse_bib(root / "book" / "references.bib")
    (out / "book").mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted((root / "book").glob("*.ipynb")):
        nb = edition(path, config=config, labels=labels, titles=titles, bib=bib, executed=executed)
        dest = out / "book" / path.name
        dest.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
        written.append(dest)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "colab",
                        help="output folder; editions go to OUT/book/ (default: %(default)s)")
    parser.add_argument("--executed", type=Path, default=EXECUTED,
                        help="executed build holding the glued values (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        written = write_editions(args.out, executed=args.executed)
    except ConversionError as err:
        print(f"colab_edition: {err}", file=sys.stderr)
        return 1
    config = load_config()
    org, repo = repo_parts(config)
    print(f"{len(written)} Colab edition(s) in {args.out / 'book'}; publish them on branch "
          f"{colab_branch(config)!r} of {org}/{repo} (same paths, book/<chapter>.ipynb)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
