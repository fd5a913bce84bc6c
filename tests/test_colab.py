"""Colab: the editions (tools/colab_edition.py), the launch links, the stamp script, Colab's pins.

The nbval run of the editions in a venv with Colab's pins is `make check-colab-env`
(tools/check_colab_env.py: minutes, and ~2.6 GB of downloads the first time), not part of pytest.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest

from notebook_conventions import COLAB_METADATA, ROOT, cell_source, install_cell_source, notebook_extras, notebooks

sys.path.insert(0, str(ROOT / "tools"))

import check_colab_env as cce  # noqa: E402
import colab_edition as ce  # noqa: E402
import stamp_notebooks  # noqa: E402

# MyST that Colab would show as raw text: directive fences, roles, directive options, targets.
MYST = re.compile(r"(`{3,}|:{3,}|~{3,})\{|\{[a-z][a-z0-9:_-]*\}`|^\s*:label:|^\([^)\s]+\)=\s*$", re.M)


@pytest.fixture(scope="module")
def editions(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("colab")
    ce.write_editions(out)
    return out / "book"


def _edition(editions: Path, source: Path) -> dict:
    return json.loads((editions / source.name).read_text())


def test_an_edition_per_chapter(editions: Path) -> None:
    assert sorted(p.name for p in editions.glob("*.ipynb")) == [p.name for p in notebooks()]


@pytest.mark.parametrize("source", notebooks(), ids=lambda p: p.name)
def test_no_myst_remains(editions: Path, source: Path) -> None:
    for i, cell in enumerate(_edition(editions, source)["cells"]):
        if cell["cell_type"] == "markdown":
            found = MYST.search(cell["source"])
            assert not found, f"{source.name} cell {i}: MyST left: {cell['source'][max(0, found.start() - 60):found.end() + 60]!r}"


@pytest.mark.parametrize("source", notebooks(), ids=lambda p: p.name)
def test_code_unchanged_but_solutions_folded(editions: Path, source: Path) -> None:
    original = [c for c in json.loads(source.read_text())["cells"] if c["cell_type"] == "code"]
    edition = [c for c in _edition(editions, source)["cells"] if c["cell_type"] == "code"]
    assert len(edition) == len(original), f"{source.name}: code cells added or removed"
    for before, after in zip(original, edition):
        src = cell_source(before)
        if "solution" in before.get("metadata", {}).get("tags", []):
            assert after["source"] == f"{ce.SOLUTION_TITLE}\n{src}"
            assert after["metadata"]["cellView"] == "form"
        else:
            assert after["source"] == src
        assert after["metadata"].get("tags") == before.get("metadata", {}).get("tags")
        assert after.get("outputs", []) == [] and after.get("execution_count") is None


@pytest.mark.parametrize("source", notebooks(), ids=lambda p: p.name)
def test_colab_metadata_and_link_to_the_online_chapter(editions: Path, source: Path) -> None:
    nb = _edition(editions, source)
    assert nb["metadata"]["accelerator"] == "GPU" and nb["metadata"]["colab"] == COLAB_METADATA["colab"]
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    first = nb["cells"][0]
    assert first["cell_type"] == "markdown"
    page = f"{ce.book_url(ce.load_config())}book/{source.stem}.html"
    assert f"]({page})" in first["source"]


def test_links_point_at_existing_pages_and_anchors(editions: Path) -> None:
    """Every link into the online book names a page of the book; its anchor is a label of that page."""
    base = ce.book_url(ce.load_config())
    labels, titles = ce.scan_targets()
    anchors = {(t.docname, t.anchor) for t in labels.values()}
    for path in editions.glob("*.ipynb"):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] != "markdown":
                continue
            for url in re.findall(r"\]\((" + re.escape(base) + r"[^)\s]*)\)", cell["source"]):
                page, _, anchor = url[len(base):].partition("#")
                doc = page.removesuffix(".html")
                assert doc in titles or page == "", (path.name, url)
                if anchor:
                    assert (doc, anchor) in anchors, (path.name, url)


def test_glue_values_or_an_explicit_placeholder(tmp_path: Path) -> None:
    glued = tmp_path / "book"
    glued.mkdir()
    record = {"output_type": "display_data", "metadata": {"scrapbook": {"name": "k"}},
              "data": {"text/plain": "0.12345"}}
    (glued / "ch.glue.json").write_text(json.dumps({"k": record}))
    values = ce.load_glue(tmp_path, "ch")
    assert ce.glue_text("k:.2f", values) == "0.12" and ce.glue_text("k:.1%", values) == "12.3%"
    assert ce.glue_text("missing:.3f", values) == "(computed in the notebook: `missing`)"


def _converter(glue: dict | None = None) -> ce.Converter:
    labels, titles = ce.scan_targets()
    return ce.Converter("book/zipf-data", config=ce.load_config(), labels=labels, titles=titles,
                        bib=ce.parse_bib(ROOT / "book" / "references.bib"), glue=glue or {})


def test_roles_and_directives_convert() -> None:
    conv = _converter()
    base = ce.book_url(ce.load_config())
    assert conv.convert("{cite}`cabannes2024scaling`") == "(Cabannes et al., 2024)"
    assert conv.convert("{cite:t}`hutter2021learning`") == "Hutter (2021)"
    assert conv.convert("{eq}`eq-zipf`") == f"[(eq-zipf)]({base}book/zipf-data.html#equation-eq-zipf)"
    assert conv.convert("{doc}`finite-data`").startswith("[Finite data")
    assert conv.convert("{term}`storage scheme`") == f"[storage scheme]({base}book/glossary.html)"
    assert conv.convert("{term}`schemes <storage scheme>`") == f"[schemes]({base}book/glossary.html)"
    math = conv.convert("```{math}\n:label: eq-x\na = b\n```")
    assert math == "$$\na = b\n\\tag{eq-x}\n$$"
    assert conv.convert("$$ a = b $$ (eq-y)") == "$$ a = b\n\\tag{eq-y}\n$$"
    quoted = conv.convert("```{admonition} Careful\n:class: warning\n\nText $x$.\n```")
    assert quoted == "> **Careful**\n>\n> Text $x$."
    proof = conv.convert("````{prf:theorem} Big\n:label: thm-big\n\nBody.\n````")
    assert proof.startswith("> **Theorem (Big).**")
    exercise = conv.convert("```{exercise} Try it\n:label: ex-try\n\nDo it.\n```")
    assert exercise.startswith("#### Exercise: Try it")
    solution = conv.convert("```{solution-start} ex-try\n:class: dropdown\n```\n\nBecause.")
    assert solution == "<details><summary>Solution</summary>\n\nBecause.\n\n</details>"
    assert conv.convert("(a-target)=\n## Title") == "## Title"
    with pytest.raises(ce.ConversionError, match="unknown label"):
        conv.convert("{ref}`no-such-label`")
    with pytest.raises(ce.ConversionError, match="references.bib"):
        conv.convert("{cite}`no-such-key`")


# --------------------------------------------------------------------------- launch links


def _theme_launch_url(sphinx_config: dict, docname: str) -> str:
    """The Colab URL sphinx-book-theme's own code builds for ``docname`` (no Sphinx build: a stand-in
    app carrying the Sphinx config that Jupyter Book derives from _config.yml)."""
    from sphinx_book_theme.header_buttons import update_context_with_repository_info
    from sphinx_book_theme.header_buttons.launch import add_launch_buttons

    class Config(SimpleNamespace):
        def __getitem__(self, key: str):
            return getattr(self, key)

    config = Config(html_theme_options=sphinx_config["html_theme_options"], html_context={})
    env = SimpleNamespace(doc2path=lambda name: str(ROOT / f"{name}.ipynb"),
                          metadata={docname: {"kernelspec": {"name": "python3"}}})
    app = SimpleNamespace(config=config, env=env, builder=None, outdir=str(ROOT / "_build" / "html"))
    update_context_with_repository_info(app)
    context = {"pagename": docname, "header_buttons": [], "sourcename": f"{docname}.ipynb",
               **config.html_context}
    add_launch_buttons(app, docname, "page.html", context, None)
    urls = [b["url"] for group in context["header_buttons"] for b in group["buttons"] if b["text"] == "Colab"]
    assert len(urls) == 1, context["header_buttons"]
    return urls[0]


def test_every_colab_launch_link_points_at_an_edition(editions: Path) -> None:
    from jupyter_book.config import get_final_config

    sphinx_config, _ = get_final_config(user_yaml=ROOT / "_config.yml", sourcedir=ROOT,
                                        cli_config={"latex_individualpages": False})
    config = ce.load_config()
    org, repo = ce.repo_parts(config)
    branch = ce.colab_branch(config)
    prefix = f"https://colab.research.google.com/github/{org}/{repo}/blob/{branch}/"
    for source in notebooks():
        docname = source.relative_to(ROOT).with_suffix("").as_posix()
        url = _theme_launch_url(sphinx_config, docname)
        assert url == ce.launch_url(config, docname), "tools/colab_edition.launch_url disagrees with the theme"
        assert url.startswith(prefix), f"{url}: not on {org}/{repo}, branch {branch}"
        # The Colab branch holds _build/colab as its root: the path after the branch is the edition.
        assert (editions.parent / url[len(prefix):]).is_file(), f"{url}: `make colab` writes no such notebook"


def test_colab_branch_is_the_published_one() -> None:
    branch = ce.colab_branch(ce.load_config())
    assert branch != "main", "repository.branch is where the Colab editions live, not the development branch"
    publish = ROOT / ".github" / "workflows" / "publish.yml"
    if publish.exists():
        assert re.search(rf"git push\b.*\b{re.escape(branch)}\b", publish.read_text()), (
            f"publish.yml must push the Colab editions to {branch!r}")


def test_install_cell_does_not_depend_on_the_branch() -> None:
    src = install_cell_source()
    branch = ce.colab_branch(ce.load_config())
    assert f"@{branch}\"" not in src and re.search(r'@v\d+\.\d+\.\d+"', src)


# --------------------------------------------------------------------------- stamping


def test_stamp_script_is_idempotent(tmp_path: Path) -> None:
    for path in notebooks()[:3]:
        shutil.copy2(path, tmp_path / path.name)
    copies = sorted(tmp_path.glob("*.ipynb"))
    script = [sys.executable, str(ROOT / "tools" / "stamp_notebooks.py")]
    assert subprocess.run(script + [str(p) for p in copies], capture_output=True).returncode == 0
    first = [p.read_text() for p in copies]
    check = subprocess.run(script + ["--check"] + [str(p) for p in copies], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    assert subprocess.run(script + [str(p) for p in copies], capture_output=True).returncode == 0
    assert [p.read_text() for p in copies] == first
    for path, original in zip(copies, notebooks()[:3]):
        nb, before = json.loads(path.read_text()), json.loads(original.read_text())
        assert nb["metadata"]["accelerator"] == "GPU" and nb["metadata"]["colab"]["gpuType"] == "T4"
        assert cell_source(nb["cells"][0]) == install_cell_source(extras=notebook_extras(before))
        assert [cell_source(c) for c in nb["cells"][1:]] == [cell_source(c) for c in before["cells"][1:]]


def test_stamp_check_reports_an_unstamped_notebook(tmp_path: Path) -> None:
    path = tmp_path / notebooks()[0].name
    nb = json.loads(notebooks()[0].read_text())
    nb["metadata"].pop("accelerator", None)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    check = subprocess.run([sys.executable, str(ROOT / "tools" / "stamp_notebooks.py"), "--check", str(path)],
                           capture_output=True, text=True)
    assert check.returncode == 1 and path.name in check.stdout


# --------------------------------------------------------------------------- setup() on Colab


def test_setup_on_a_colab_cpu_prints_the_one_line_fix(monkeypatch, capsys) -> None:
    import amtools

    monkeypatch.setitem(sys.modules, "google.colab", SimpleNamespace())
    amtools.setup(0, device="cpu")
    lines = capsys.readouterr().out.strip().splitlines()
    hints = [line for line in lines if "Runtime > Change runtime type > T4 GPU" in line]
    assert len(hints) == 1 and len(lines) == 2, lines


# --------------------------------------------------------------------------- Colab's pins


def test_constraints_hold_the_issue_pins_and_a_date() -> None:
    text = cce.CONSTRAINTS.read_text()
    assert re.search(r"Taken \d{4}-\d{2}-\d{2}", text)
    pins = cce.read_pins()
    assert pins["ipywidgets"] == "7.7.1" and pins["numpy"] == "2.1.3" and pins["matplotlib"] == "3.10.0"
    assert pins["torch"] == "2.11.0" and pins["widgetsnbextension"].startswith("3.6.")


def test_amtools_dependencies_admit_colabs_pins() -> None:
    from packaging.requirements import Requirement

    pins = cce.read_pins()
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for dep in map(Requirement, deps):
        name = cce.canonical(dep.name)
        assert name in pins, f"{dep.name} is a dependency of amtools but has no Colab pin"
        assert dep.specifier.contains(pins[name], prereleases=True), f"{dep} excludes Colab's {pins[name]}"


def test_freeze_comparison_finds_an_upgrade() -> None:
    pins = {"ipywidgets": "7.7.1", "numpy": "2.1.3"}
    before = cce.parse_freeze("ipywidgets==7.7.1\nnumpy==2.1.3\namtools @ file:///x\n")
    after = cce.parse_freeze("ipywidgets==8.1.9\nnumpy==2.1.3\n")
    assert cce.changed_pins(pins, before, after) == ["ipywidgets: 7.7.1 -> 8.1.9"]
    assert cce.missing_pins({"torch": "2.11.0"}, {"torch": "2.11.0+cu128"}) == []
