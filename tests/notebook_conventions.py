"""The book's notebook conventions, in one place (used by the tests and `make sync-notebooks`).

- chapters are ``book/<hyphenated-name>.ipynb``, outputs stripped, kernelspec ``python3``;
- cell 1 is the guarded Colab install cell: it installs the tagged release ``v<amtools.__version__>``
  from ``_config.yml``'s repository url (never a branch: ``repository.branch`` is where the Colab
  editions live), tagged ``hide-cell``;
- ``metadata`` carries Colab's GPU request (``COLAB_METADATA``);
- cell 2 calls ``amtools.setup(...)``;
- ``metadata.amtools.budget_seconds`` is the chapter's CPU budget (default 90 s).

Run ``make sync-notebooks`` (``tools/stamp_notebooks.py``) to stamp every notebook with them.
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
COLAB_METADATA = {"accelerator": "GPU", "colab": {"gpuType": "T4", "provenance": []}}


def load_config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def amtools_version() -> str:
    """``amtools.__version__``, read from the source (no import)."""
    text = (ROOT / "amtools" / "__init__.py").read_text()
    match = re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.M)
    if not match:
        raise RuntimeError("amtools/__init__.py defines no __version__ = \"...\"")
    return match.group(1)


def install_spec(config: dict | None = None, extras: tuple[str, ...] = ()) -> str:
    """pip requirement that installs the tagged release ``v<amtools.__version__>`` from the book's
    repository, with the optional ``extras`` of amtools a notebook needs (e.g. ``("sweep",)``)."""
    config = config or load_config()
    url = config["repository"]["url"].rstrip("/")
    name = f"amtools[{','.join(extras)}]" if extras else "amtools"
    return f"{name} @ git+{url}@v{amtools_version()}"


def notebook_extras(nb: dict) -> tuple[str, ...]:
    """The amtools extras a notebook installs on Colab: its metadata ``amtools.extras`` (default none)."""
    return tuple(nb.get("metadata", {}).get("amtools", {}).get("extras", ()))


def install_cell_source(config: dict | None = None, extras: tuple[str, ...] = ()) -> str:
    return (
        f"# Colab only: install amtools {amtools_version()}, a tagged release, from the book's repository.\n"
        "# Does nothing elsewhere (locally, `make book` or `pip install -e .` has already installed it).\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    %pip install --quiet "{install_spec(config, extras)}"'
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
    """Stamp every notebook (install cell, tags, Colab metadata): ``tools/stamp_notebooks.py``."""
    sys.path.insert(0, str(ROOT / "tools"))
    from stamp_notebooks import main as stamp

    return stamp([])


if __name__ == "__main__":
    if sys.argv[1:] == ["--sync"]:
        raise SystemExit(sync())
    print(__doc__)
