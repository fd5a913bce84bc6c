"""Fold in JupyterLab the code the book hides: solutions and hidden-input cells.

Usage (from the repository root)::

    python tools/lab_metadata.py            # rewrite book/*.ipynb where needed (idempotent)
    python tools/lab_metadata.py --check    # exit 1, listing the notebooks, if any needs it
    python tools/lab_metadata.py FILE...    # only these notebooks

The HTML book folds a code cell tagged ``solution`` into its solution dropdown and hides the input of
cells tagged ``hide-input`` / ``hide-cell``. JupyterLab (and Jupyter Notebook 7) know nothing of these
tags, but honour the standard cell metadata ``"jupyter": {"source_hidden": true}``: the cell's code is
collapsed to a "…" bar that the reader clicks to open. This script sets exactly that on those cells
and nothing else (it never removes it), so a chapter opened in Lab reads as in the book: solutions
stay out of sight until asked for. Notebooks are written as the book stores them
(``json.dumps(nb, indent=1, ensure_ascii=False) + "\\n"``). ``tools/lab.py`` applies the same change
to its scratch copies, so ``make lab`` is right even before this has been run on ``book/``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
# Tags whose cell input the HTML book hides or folds.
HIDDEN_INPUT_TAGS = frozenset({"solution", "hide-input", "hide-cell"})


def hide_cells(nb: dict) -> int:
    """Set ``metadata.jupyter.source_hidden`` on the cells the book hides; return how many changed."""
    changed = 0
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        metadata = cell.setdefault("metadata", {})
        if not HIDDEN_INPUT_TAGS.intersection(metadata.get("tags", [])):
            continue
        jupyter = metadata.setdefault("jupyter", {})
        if jupyter.get("source_hidden") is not True:
            jupyter["source_hidden"] = True
            changed += 1
    return changed


def dumps(nb: dict) -> str:
    """The book's notebook format."""
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def fix_file(path: Path, *, write: bool = True) -> int:
    """Apply :func:`hide_cells` to one notebook file; return the number of cells changed."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    changed = hide_cells(nb)
    if changed and write:
        path.write_text(dumps(nb), encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path, help="notebooks (default: book/*.ipynb)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook needs it")
    args = parser.parse_args(argv)
    files = args.files or sorted(BOOK.glob("*.ipynb"))
    if not files:
        print("lab_metadata: no notebooks", file=sys.stderr)
        return 1
    pending = []
    for path in files:
        if not path.is_file():
            print(f"lab_metadata: no such notebook: {path}", file=sys.stderr)
            return 1
        changed = fix_file(path, write=not args.check)
        if changed:
            pending.append(path)
            print(f"lab_metadata: {path}: {changed} cell(s) {'to fold' if args.check else 'folded'}")
    if args.check and pending:
        print(f"lab_metadata: {len(pending)} notebook(s) need `python tools/lab_metadata.py`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
