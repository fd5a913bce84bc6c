"""Sphinx extension: the environment stamp of the build, for book/status.md.

``{build-environment}`` renders a two-column table written when the page is read (that is, when the book
is built, not typed): Python, torch, numpy, amtools, the git commit of the checkout (with ``+dirty`` when
the tree has uncommitted changes), the UTC date and time of the build, the machine and the profile
(``$AMTOOLS_PROFILE``). The status page pairs it with myst-nb's ``{nb-exec-table}`` (each chapter's
execution time and result).

Two fixes that keep the site's console clean (``tools/check_site.py`` fails on any console error):

* every page lists each script once: sphinx-thebe 0.3.1 adds its inline ``const THEBE_JS_URL = ...``
  script twice under Jupyter Book, and the second copy throws "Identifier 'THEBE_JS_URL' has already been
  declared" on every page;
* the theme mode defaults to ``auto``: pydata-sphinx-theme 0.15 otherwise starts a first-time visitor with
  mode ``""`` and logs "Got invalid theme mode: . Resetting to auto."
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

REPO = Path(__file__).resolve().parents[2]


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10,
                             check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def commit() -> str:
    """``<short sha>`` of HEAD, ``+dirty`` if tracked files changed, or ``unknown`` outside a checkout."""
    sha = _git("rev-parse", "--short", "HEAD")
    if not sha:
        return "unknown"
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    return sha + ("+dirty" if dirty else "")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    return f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs"


def environment_rows() -> list[tuple[str, str]]:
    """The rows of the stamp, in display order."""
    try:
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
    except ImportError:  # pragma: no cover - the book extra installs torch
        device = "unknown"
    return [
        ("Python", platform.python_version()),
        ("torch", _version("torch")),
        ("numpy", _version("numpy")),
        ("amtools", _version("amtools")),
        ("Commit", commit()),
        ("Built (UTC)", dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M")),
        ("Machine", machine()),
        ("Device", device),
        ("Profile", os.environ.get("AMTOOLS_PROFILE", "default") or "default"),
    ]


class BuildEnvironment(SphinxDirective):
    """``{build-environment}``: a table of the environment that built (and executed) the book."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        # the page must be re-read on every build, or the stamp would describe an older build
        self.env.note_reread()
        table = nodes.table(classes=["build-environment"])
        group = nodes.tgroup(cols=2)
        table += group
        group += nodes.colspec(colwidth=1)
        group += nodes.colspec(colwidth=3)
        head = nodes.thead()
        group += head
        head += self._row("What", "Value")
        body = nodes.tbody()
        group += body
        for key, value in environment_rows():
            body += self._row(key, value, literal=True)
        return [table]

    @staticmethod
    def _row(key: str, value: str, literal: bool = False) -> nodes.row:
        row = nodes.row()
        for i, text in enumerate((key, value)):
            entry = nodes.entry()
            para = nodes.paragraph()
            para += nodes.literal(text=text) if (literal and i == 1) else nodes.Text(text)
            entry += para
            row += entry
        return row


def _default_mode(app: Sphinx, config: Any) -> None:
    config.html_context.setdefault("default_mode", "auto")


def _dedupe_scripts(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any],
                    doctree: Any) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    unique = []
    for script in scripts:
        attributes = getattr(script, "attributes", {}) or {}
        # an inline script is added once with filename None and once with "" (sphinx-thebe, togglebutton)
        name = str(getattr(script, "filename", script) or "")
        key = (name, tuple(sorted((str(k), str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app: Sphinx) -> dict[str, object]:
    app.add_directive("build-environment", BuildEnvironment)
    app.connect("config-inited", _default_mode)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
