#!/usr/bin/env python3
"""Stamp every chapter notebook for Colab: ``make sync-notebooks``.

For each ``book/*.ipynb``:

- cell 1 becomes the guarded install cell of ``tests/notebook_conventions.py``: on Colab only, it
  installs the tagged release ``amtools @ git+<repository.url>@v<amtools.__version__>`` (the tag
  must exist on GitHub: tag each release ``v<version>``), tagged ``hide-cell``;
- the notebook metadata gets Colab's GPU request: ``"accelerator": "GPU"`` and
  ``"colab": {"gpuType": "T4", "provenance": []}`` (other metadata is kept).

Idempotent: a stamped notebook is left byte-for-byte unchanged. ``--check`` writes nothing and
exits 1, naming the notebooks that need stamping (tests/test_notebooks.py runs it).
Run it again after bumping ``amtools.__version__`` or changing ``repository.url``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from notebook_conventions import (COLAB_METADATA, INSTALL_TAG, cell_source, notebook_extras,  # noqa: E402
                                  install_cell_source, notebooks)


def dump(nb: dict) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def stamped(nb: dict, install_source: str) -> dict:
    """A copy of ``nb`` with the install cell and Colab's metadata."""
    nb = json.loads(json.dumps(nb))
    cells = nb["cells"]
    first = cells[0] if cells else None
    if first is None or first["cell_type"] != "code" or "install" not in cell_source(first).lower():
        raise ValueError("cell 1 must be the (code) install cell")
    first["source"] = install_source
    tags = first.setdefault("metadata", {}).setdefault("tags", [])
    if INSTALL_TAG not in tags:
        tags.append(INSTALL_TAG)
    meta = nb.setdefault("metadata", {})
    for key, value in COLAB_METADATA.items():
        if key == "colab" and isinstance(meta.get("colab"), dict):
            meta["colab"].update(json.loads(json.dumps(value)))
        else:
            meta[key] = json.loads(json.dumps(value))
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a notebook needs stamping")
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: book/*.ipynb)")
    args = parser.parse_args(argv)
    stale = []
    for path in args.paths or notebooks():
        text = path.read_text()
        try:
            nb = json.loads(text)
            new = dump(stamped(nb, install_cell_source(extras=notebook_extras(nb))))
        except ValueError as err:
            print(f"{path}: {err}", file=sys.stderr)
            return 1
        if new != text:
            stale.append(path)
            if not args.check:
                path.write_text(new)
    label = "need stamping (run `make sync-notebooks`)" if args.check else "stamped"
    for path in stale:
        print(f"{label}: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    print(f"{len(stale)} notebook(s) {label}" if stale else "every notebook is stamped")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
