"""The book's notebook conventions, in one place (used by the tests and `make sync-notebooks`).

- chapters are ``book/<hyphenated-name>.ipynb``, outputs stripped, kernelspec ``python3``;
- cell 1 is the guarded Colab install cell built from ``_config.yml``'s repository url and branch,
  tagged ``hide-cell``;
- cell 2 calls ``amtools.setup(...)``;
- ``metadata.amtools.budget_seconds`` is the chapter's CPU budget (default 90 s).

Run ``python tests/notebook_conventions.py --sync`` to rewrite every notebook's install cell.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
DEFAULT_BUDGET = 90.0
INSTALL_TAG = "hide-cell"
NAME_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*\.ipynb$")


def load_config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def install_spec(config: dict | None = None) -> str:
    """pip requirement that installs amtools from the book's repository at its branch."""
    config = config or load_config()
    repo = config["repository"]
    url = repo["url"].rstrip("/")
    return f"amtools @ git+{url}@{repo.get('branch', 'main')}"


def install_cell_source(config: dict | None = None) -> str:
    return (
        "# Colab only: install amtools from the book's repository. Does nothing elsewhere\n"
        "# (locally, `make book` or `pip install -e .` has already installed it).\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    %pip install --quiet "{install_spec(config)}"'
    )


def notebooks() -> list[Path]:
    return sorted(BOOK.glob("*.ipynb"))


def read(path: Path) -> dict:
    return json.loads(path.read_text())


def cell_source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def budget_seconds(nb: dict) -> float:
    return float(nb.get("metadata", {}).get("amtools", {}).get("budget_seconds", DEFAULT_BUDGET))


def toc_files() -> list[str]:
    """Every ``file:`` entry of ``_toc.yml`` (root included), without extension."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk({k: v for k, v in toc.items() if k != "root"})
    return files


def sync() -> int:
    source = install_cell_source()
    changed = 0
    for path in notebooks():
        nb = read(path)
        cell = nb["cells"][0]
        if cell_source(cell) != source or INSTALL_TAG not in cell.get("metadata", {}).get("tags", []):
            cell["source"] = source
            cell.setdefault("metadata", {}).setdefault("tags", [])
            if INSTALL_TAG not in cell["metadata"]["tags"]:
                cell["metadata"]["tags"].append(INSTALL_TAG)
            path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
            changed += 1
            print(f"updated {path.relative_to(ROOT)}")
    print(f"{changed} notebook(s) updated")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--sync"]:
        raise SystemExit(sync())
    print(__doc__)
