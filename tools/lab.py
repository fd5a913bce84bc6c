"""Start JupyterLab on a scratch copy of the chapters, so that autosave never writes into ``book/``.

Usage (from the repository root; ``make lab`` runs it with ``$(LAB_ARGS)``)::

    python tools/lab.py [--fresh] [--dir _build/lab] [--copy-only] [-- jupyter lab arguments...]
    make lab LAB_ARGS="--no-browser --port 8899"

The chapters ``book/*.ipynb`` (and ``book/references.bib``, which the notebooks' ``{cite}`` roles
point at) are copied into ``_build/lab/``, and ``jupyter lab`` from the same interpreter (the venv)
is started there on 127.0.0.1. In the copies, solution and hidden-input cells are folded as in the
book (``tools/lab_metadata.py``), and each ``{glue:text}`key``` becomes
``{eval}`am.glued("key", "")```, which jupyterlab-myst fills in with the value when Run All reaches
the markdown cell (Lab has no glue renderer: it shows the bare key). Lab autosaves outputs and writes
its ``.ipynb_checkpoints`` next to
the copies, never into ``book/``, so ``git status`` stays clean however the chapters are used.

A chapter already in the scratch directory is the student's work and is kept: only missing files
are copied. ``--fresh`` replaces every copy with the chapter from ``book/`` (the old copies are lost:
rename them first to keep them). ``--allow-root`` is added when running as root. Any other
argument is passed to ``jupyter lab`` (e.g. ``--no-browser --port 8899``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lab_metadata  # noqa: E402  (folds solution and hidden-input cells, as the book does)

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
SCRATCH = ROOT / "_build" / "lab"
# Files besides the notebooks that the chapters refer to relative to themselves.
EXTRA_FILES = ("references.bib",)


# `{glue:text}`key:spec`` (myst-nb) has no renderer in Lab; jupyterlab-myst evaluates `{eval}`expr``
# in the kernel when the markdown cell runs (Run All runs it), so the copies ask amtools for the value.
GLUE_ROLE = re.compile(r"\{glue(?::text)?\}`([a-z0-9]+(?:-[a-z0-9]+)*)(?::([^`]*))?`")


def eval_glue(source: str) -> str:
    """Rewrite each ``{glue:text}`key:spec``` as ``{eval}`am.glued("key", "spec")```."""
    return GLUE_ROLE.sub(lambda m: f'{{eval}}`am.glued("{m.group(1)}", "{m.group(2) or ""}")`', source)


def lab_edition(path: Path, *, glue: bool) -> None:
    """Prepare one scratch copy for Lab: cells folded as in the book; glued numbers evaluated if ``glue``."""
    lab_metadata.fix_file(path)
    if not glue:
        return
    nb = json.loads(path.read_text(encoding="utf-8"))
    changed = False
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            new = eval_glue(source)
            if new != source:
                cell["source"], changed = new, True
    if changed:
        path.write_text(lab_metadata.dumps(nb), encoding="utf-8")


def sources(book: Path = BOOK) -> list[Path]:
    """The files copied to the scratch directory: every chapter notebook and the bibliography."""
    notebooks = sorted(book.glob("*.ipynb"))
    if not notebooks:
        raise SystemExit(f"lab.py: no notebooks in {book}")
    return notebooks + [book / name for name in EXTRA_FILES if (book / name).is_file()]


def copy_chapters(dest: Path = SCRATCH, *, fresh: bool = False,
                  book: Path = BOOK) -> tuple[list[Path], list[Path]]:
    """Copy the chapters into ``dest``; return (copied, kept).

    A file already in ``dest`` is kept (it may hold a student's work) unless ``fresh`` is true.
    ``book`` is only read. ``dest`` must not be ``book`` itself.
    """
    dest = Path(dest)
    if dest.resolve() == Path(book).resolve():
        raise SystemExit(f"lab.py: the scratch directory must not be {book}")
    dest.mkdir(parents=True, exist_ok=True)
    copied: list[Path] = []
    kept: list[Path] = []
    for src in sources(book):
        target = dest / src.name
        if target.exists() and not fresh:
            kept.append(target)
            continue
        shutil.copyfile(src, target)
        if target.suffix == ".ipynb":
            lab_edition(target, glue=True)
        copied.append(target)
    return copied, kept


def lab_command(dest: Path, extra: list[str], *, python: str = sys.executable) -> list[str]:
    """The ``jupyter lab`` command line: this interpreter's Lab, on 127.0.0.1, rooted at ``dest``."""
    cmd = [python, "-m", "jupyterlab", "--ip=127.0.0.1", f"--ServerApp.root_dir={dest}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        cmd.append("--allow-root")
    return cmd + list(extra)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="JupyterLab on a scratch copy of book/*.ipynb (_build/lab), so book/ stays clean. "
        "Unknown arguments are passed to `jupyter lab`.")
    parser.add_argument("--dir", type=Path, default=SCRATCH, help="scratch directory (default: _build/lab)")
    parser.add_argument("--fresh", action="store_true",
                        help="overwrite the scratch copies with book/'s chapters (your edits there are lost)")
    parser.add_argument("--copy-only", action="store_true", help="copy the chapters and exit")
    args, extra = parser.parse_known_args(argv)
    if extra[:1] == ["--"]:
        extra = extra[1:]
    dest = args.dir.resolve()
    copied, kept = copy_chapters(dest, fresh=args.fresh)
    print(f"lab.py: {len(copied)} file(s) copied to {dest}" + (
        f"; {len(kept)} kept (your work; `make lab LAB_ARGS=--fresh` starts over)" if kept else ""))
    if args.copy_only:
        return 0
    cmd = lab_command(dest, extra)
    print("lab.py:", " ".join(cmd), flush=True)
    os.chdir(dest)
    os.execv(cmd[0], cmd)
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main())
