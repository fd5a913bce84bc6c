"""Post-build check of the HTML book (run by `make book`).

Every page listed in _toc.yml must exist, and no reference to a statement may render as a bare
"Proposition " (the book's statements are unnumbered and cited by name); every notebook chapter must
contain at least one rendered figure (an <img> pointing into _images/ whose file exists) and no
error output.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from notebook_conventions import ROOT, toc_files  # noqa: E402


def main(html_dir: str) -> int:
    out = Path(html_dir)
    problems = []
    for entry in toc_files():
        page = out / f"{entry}.html"
        if not page.exists():
            problems.append(f"missing page {page}")
            continue
        html = page.read_text(encoding="utf-8")
        empty = re.findall(r">\s*(?:Proposition|Theorem|Definition|Remark)\s*(?:</span>\s*)?</a>", html)
        if empty:
            problems.append(f"{page}: {len(empty)} reference(s) to a statement render without number or name")
        if not (ROOT / f"{entry}.ipynb").exists():
            continue
        images = re.findall(r'<img[^>]+src="([^"]*_images/[^"]+)"', html)
        missing = [src for src in images if not (page.parent / src).resolve().exists()]
        if not images:
            problems.append(f"{page}: no rendered figure")
        if missing:
            problems.append(f"{page}: image files missing: {missing[:3]}")
        if "Traceback (most recent call last)" in html or 'class="output traceback' in html:
            problems.append(f"{page}: contains an error traceback")
        print(f"{page.relative_to(out)}: {len(images)} figure(s)")
    for problem in problems:
        print("ERROR:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "_build" / "html")))
