"""tools/check_site.py against tiny handmade sites, in real headless Chromium (skipped without one).

One site holds a good page and one page per defect; a single run must fail each defect page with its
check's name and nothing else, and pass the good pages. A site of good pages alone passes and gets its
screenshots. The vendored MathJax (``make vendor``) typesets math offline.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TOOL = REPO / "tools" / "check_site.py"
VENDORED_MATHJAX = REPO / "_build" / "vendor" / "mathjax"


def _chromium() -> str | None:
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser"):
        if name and (path := shutil.which(name)):
            return path
    return None


CHROMIUM = _chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (apt install chromium); "
                                                         "check_site drives the system browser")
try:
    import playwright  # noqa: F401
except ImportError:  # pragma: no cover - the test extra installs it
    pytestmark = pytest.mark.skip(reason="playwright is not installed (pip install -e '.[test]')")

# a 2x2 PNG
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEklEQVR4nGP4z8DAwMDAwMAA"
                       "AAkAAf/MnoBSAAAAAElFTkSuQmCC")
COLAB = "https://colab.research.google.com/github/owner/repo/blob/main/book/{name}.ipynb"


def page(body: str, head: str = "") -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>t</title>{head}</head>"
            f"<body>{body}</body></html>")


def write(site: Path, rel: str, text: str | bytes) -> None:
    path = site / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


def good_site(site: Path) -> None:
    write(site, "index.html", '<meta http-equiv="Refresh" content="0; url=book/intro.html" />')
    write(site, "img/dot.png", PNG)
    write(site, "book/intro.html", page(
        '<h1 id="top">Intro</h1><p><img src="../img/dot.png" alt="dot"></p>'
        '<p><a href="chapter.html#results">results</a> <a href="#top">top</a> '
        '<a href="https://example.org/not-fetched">external links are not followed</a></p>'
        "<pre>code may hold \\(x\\) and $$</pre>"))
    write(site, "book/chapter.html", page(
        f'<a href="{COLAB.format(name="chapter")}">Colab</a><h2 id="results">Results</h2>'))
    write(site, "_sources/book/chapter.ipynb", "{}")


def run(site: Path, tmp_path: Path, *shots: str) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, str(TOOL), str(site), "--chromium", CHROMIUM or "",
            "--screenshots", str(tmp_path / "shots"), "--timeout", "20"]
    for shot in shots:
        args += ["--shot", shot]
    return subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)


def failures_by_page(stdout: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for match in re.finditer(r"^  (\S+\.html): \[(\w+)\]", stdout, re.MULTILINE):
        found.setdefault(match.group(1), set()).add(match.group(2))
    return found


def test_good_site_passes_and_is_screenshot(tmp_path: Path) -> None:
    site = tmp_path / "site"
    good_site(site)
    out = run(site, tmp_path, "book/intro.html")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "check_site: OK" in out.stdout
    assert "3 pages (1 from notebooks)" in out.stdout
    for mode in ("light", "dark"):
        shot = tmp_path / "shots" / f"book-intro-{mode}.png"
        assert shot.is_file() and shot.stat().st_size > 1000


def test_each_defect_fails_with_its_name(tmp_path: Path) -> None:
    site = tmp_path / "site"
    good_site(site)
    write(site, "book/raw-math.html", page('<p>inline <span class="math">\\(x^2\\)</span></p>'))
    write(site, "book/raw-tex-text.html", page("<p>forgot the dollar role: \\(y\\) and $$z$$</p>"))
    write(site, "book/broken-img.html", page('<img src="../img/missing.png" alt="gone">'))
    write(site, "book/bad-png.html", page('<img src="../img/not-a-png.png" alt="bad">'))
    write(site, "img/not-a-png.png", b"this is not an image")
    write(site, "book/console-error.html", page('<script>console.error("boom")</script>'))
    write(site, "book/page-error.html", page("<script>undefinedFunction()</script>"))
    write(site, "book/network.html", page('<script src="https://cdn.example.org/lib.js"></script>'))
    write(site, "book/dead-anchor.html", page('<a href="chapter.html#nowhere">x</a>'))
    write(site, "book/dead-link.html", page('<a href="missing-page.html">x</a>'))
    write(site, "book/no-colab.html", page("<h1>a notebook page without its launch link</h1>"))
    write(site, "_sources/book/no-colab.ipynb", "{}")
    write(site, "book/wrong-colab.html", page(f'<a href="{COLAB.format(name="chapter")}">Colab</a>'))
    write(site, "_sources/book/wrong-colab.ipynb", "{}")
    out = run(site, tmp_path, "book/intro.html")
    assert out.returncode == 1, out.stdout + out.stderr
    assert failures_by_page(out.stdout) == {
        "book/raw-math.html": {"math"},
        "book/raw-tex-text.html": {"math"},
        "book/broken-img.html": {"image", "console"},  # the 404 is a failed request too
        "book/bad-png.html": {"image"},
        "book/console-error.html": {"console"},
        "book/page-error.html": {"console"},
        "book/network.html": {"console"},
        "book/dead-anchor.html": {"link"},
        "book/dead-link.html": {"link"},
        "book/no-colab.html": {"colab"},
        "book/wrong-colab.html": {"colab"},
    }, out.stdout
    assert "request failed: https://cdn.example.org/lib.js" in out.stdout  # aborted: the check is offline
    assert "dead anchor: book/chapter.html#nowhere" in out.stdout


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, str(TOOL), str(tmp_path), "--chromium", CHROMIUM or ""],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 2 and "no index.html" in out.stderr
    good_site(tmp_path)
    out = subprocess.run([sys.executable, str(TOOL), str(tmp_path), "--chromium", str(tmp_path / "nope")],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 2 and "no Chromium" in out.stderr


@pytest.mark.skipif(not (VENDORED_MATHJAX / "tex-mml-chtml.js").is_file(),
                    reason="no vendored MathJax in _build/vendor (make vendor)")
def test_vendored_mathjax_typesets_offline(tmp_path: Path) -> None:
    site = tmp_path / "site"
    good_site(site)
    shutil.copytree(VENDORED_MATHJAX, site / "_static" / "mathjax")
    head = ('<script>window.MathJax = {"options": {"processHtmlClass": "math"}}</script>'
            '<script defer src="../_static/mathjax/tex-mml-chtml.js"></script>')
    write(site, "book/math.html", page(
        '<p><span class="math notranslate nohighlight">\\(\\mathcal E = \\sum_i x_i\\)</span></p>'
        '<div class="math notranslate nohighlight">\\[\\frac{a}{b}\\]</div>', head))
    write(site, "book/bad-tex.html", page('<span class="math">\\(\\frac{a}{b}}\\)</span>', head))
    out = run(site, tmp_path, "book/math.html")
    assert out.returncode == 1, out.stdout + out.stderr
    assert failures_by_page(out.stdout) == {"book/bad-tex.html": {"math"}}, out.stdout
    assert "MathJax error in a formula" in out.stdout
