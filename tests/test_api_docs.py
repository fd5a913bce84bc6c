"""The API reference (book/api.md) and its "Used in" links (book/_ext/amtools_usage.py).

- every public name (``amtools.__all__`` and the ``__all__`` of every documented module) is
  documented exactly once on the page, by an explicit directive or an ``automodule`` with ``:members:``;
- the usage scanner finds the chapters' real uses and lists no chapter whose code does not name the entry
  (pure Python, on the book's notebooks and on small made-up cells);
- a small real Sphinx build (autodoc + napoleon + the extension, ``-W``) writes the links in toc order.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import amtools

ROOT = Path(__file__).resolve().parents[1]
API = ROOT / "book" / "api.md"
sys.path.insert(0, str(ROOT / "book" / "_ext"))

import amtools_usage as usage  # noqa: E402

# The public modules the page has one section for (the issue's list), by import name.
PUBLIC_MODULES = ["zipf", "embeddings", "memory", "storage", "theory", "fitting", "checks", "prose", "plotting",
                  "runtime", "training", "approximation", "population", "published", "hopfield", "mosaics",
                  "models", "lm_training", "regbench", "stories", "sweep", "paper_grid", "explore", "exercises"]
_DIRECTIVE = re.compile(r"^\.\. (auto\w+):: (\S+)\s*$")
_OPTION = re.compile(r"^\s+:([\w-]+):\s*(.*)$")


# --------------------------------------------------------------------------- the page


def directives(text: str) -> list[tuple[str, str, dict[str, str]]]:
    """The autodoc directives of the ``{eval-rst}`` blocks of a MyST page: (kind, target, options)."""
    found: list[tuple[str, str, dict[str, str]]] = []
    for block in re.findall(r"```\{eval-rst\}\n(.*?)```", text, re.S):
        for line in block.splitlines():
            if m := _DIRECTIVE.match(line):
                found.append((m.group(1), m.group(2), {}))
            elif (m := _OPTION.match(line)) and found:
                found[-1][2][m.group(1)] = m.group(2).strip()
    return found


def documented(text: str) -> list[tuple[str, Any, str]]:
    """(documented name, object, directive) of every entry the page produces (no class members).

    The directive of a name documented by an ``automodule`` with ``:members:`` is ``member``.
    """
    entries: list[tuple[str, Any, str]] = []
    for kind, target, options in directives(text):
        if kind == "automodule":
            module = importlib.import_module(target)
            entries.append((target, module, kind))
            if "members" in options:
                assert not options["members"], f"{target}: list members through __all__, not :members: args"
                excluded = {n.strip() for n in options.get("exclude-members", "").split(",") if n.strip()}
                names = getattr(module, "__all__", None)
                assert names is not None, f"automodule {target} :members: without __all__ documents imports"
                entries += [(f"{target}.{n}", getattr(module, n), "member") for n in names if n not in excluded]
        else:
            module_name, _, name = target.rpartition(".")
            entries.append((target, getattr(importlib.import_module(module_name), name), kind))
    return entries


@pytest.fixture(scope="module")
def page() -> str:
    return API.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def entries(page: str) -> list[tuple[str, Any, str]]:
    return documented(page)


def _is_documented(entries: list[tuple[str, Any, str]], name: str, obj: Any) -> bool:
    return any(doc.rpartition(".")[2] == name and other is obj for doc, other, _ in entries)


def _public_modules() -> list[ModuleType]:
    """amtools, every public module, and the submodules of the explore and exercises packages."""
    modules = [amtools] + [importlib.import_module(f"amtools.{m}") for m in PUBLIC_MODULES]
    for package in (amtools.explore, amtools.exercises):
        modules += [m for m in vars(package).values()
                    if isinstance(m, ModuleType) and m.__name__.startswith(package.__name__ + ".")
                    and not m.__name__.rpartition(".")[2].startswith("_")]
    return modules


def test_page_has_one_automodule_per_public_module(page: str) -> None:
    targets = [t for kind, t, _ in directives(page) if kind == "automodule"]
    for module in ["amtools"] + [f"amtools.{m}" for m in PUBLIC_MODULES]:
        assert targets.count(module) == 1, f"book/api.md: no (or several) automodule for {module}"
        assert re.search(rf"^## .*`{re.escape(module)}`", page, re.M), f"book/api.md: no section for {module}"


@pytest.mark.parametrize("module", _public_modules(), ids=lambda m: m.__name__)
def test_every_public_name_is_documented(entries: list[tuple[str, Any, str]], module: ModuleType) -> None:
    missing = [name for name in module.__all__ if not _is_documented(entries, name, getattr(module, name))]
    assert not missing, f"{module.__name__}.__all__ names missing from book/api.md: {missing}"


def test_every_entry_is_documented_once(entries: list[tuple[str, Any, str]]) -> None:
    """No name twice, and no function, class or module described twice under two names.

    Another public name for a function (``hopfield.mchn_energy``) is documented as data, a one-line
    entry saying what it is another name for, not as a second copy of the function.
    """
    names = [doc for doc, _, _ in entries]
    assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})
    seen: dict[int, str] = {}
    for doc, obj, kind in entries:
        if kind != "autodata" and (inspect.isfunction(obj) or inspect.isclass(obj) or inspect.ismodule(obj)):
            assert id(obj) not in seen, f"{doc} and {seen[id(obj)]} document the same object twice"
            seen[id(obj)] = doc


def test_top_level_names_are_documented_at_their_module(entries: list[tuple[str, Any, str]]) -> None:
    """``am.train_memory`` is documented as amtools.training.train_memory, not as a second entry."""
    docs = {doc: obj for doc, obj, _ in entries}
    assert docs["amtools.training.train_memory"] is amtools.train_memory
    assert "amtools.train_memory" not in docs
    assert docs["amtools.require"] is amtools.require


def test_directives_parser_reads_options() -> None:
    text = ("```{eval-rst}\n.. automodule:: amtools.zipf\n   :members:\n   :exclude-members: zipf, first_seen\n\n"
            ".. autofunction:: amtools.zipf.zipf\n```\n")
    assert directives(text) == [("automodule", "amtools.zipf", {"members": "", "exclude-members": "zipf, first_seen"}),
                                ("autofunction", "amtools.zipf.zipf", {})]
    names = [doc for doc, _, _ in documented(text)]
    assert names == ["amtools.zipf", "amtools.zipf.sample_tokens", "amtools.zipf.token_counts",
                     "amtools.zipf.zipf"]


# --------------------------------------------------------------------------- the scanner (no Sphinx)


def test_aliases_imports_and_attributes() -> None:
    cells = ["import amtools as am\nx = am.zipf(10, 2.0)\nam.explore.leak_view(1)",
             "from amtools import train_memory as tm, hopfield\nfrom amtools.storage import SCHEMES\n"
             "hopfield.energy(W, s)",
             "import amtools.mosaics\namtools.mosaics.kernel_regression(q, k, v)"]
    found = usage.referenced_paths(cells)
    assert {"amtools.zipf", "amtools.explore.leak_view", "amtools.train_memory", "amtools.hopfield.energy",
            "amtools.storage.SCHEMES", "amtools.mosaics.kernel_regression"} <= found


def test_assigned_aliases_and_rebinding() -> None:
    cells = ["import amtools as am\nmm, rb = am.mosaics, am.regbench\nhf = am.hopfield\n"
             "mm.leaky_average(x)\nrb.accuracy(y)",
             "hf.recall(W, s)\nhf = 3\nhf.overlap(a, b)"]
    found = usage.referenced_paths(cells)
    assert {"amtools.mosaics.leaky_average", "amtools.regbench.accuracy"} <= found
    # within a cell the last binding wins: ``hf`` is no longer the module after ``hf = 3``
    assert "amtools.hopfield.overlap" not in found


def test_strings_comments_magics_and_bad_cells_are_not_uses() -> None:
    cells = ["import amtools as am\n# am.train_memory is in a comment\ns = 'am.zipf in a string'",
             "if True:\n    %pip install amtools\n!ls am.decode\nam.scores(W, E, U)",
             "this is not python am.first_seen("]
    found = usage.referenced_paths(cells)
    assert "amtools.scores" in found                       # the magic lines are skipped, the rest is read
    assert not {"amtools.train_memory", "amtools.zipf", "amtools.decode", "amtools.first_seen"} & found


def test_no_import_no_use() -> None:
    assert usage.referenced_paths(["am.zipf(3, 2.0)\nimport numpy as am\nam.zipf"]) == set()
    # another import of the same name replaces the alias
    assert usage.referenced_paths(["import amtools as am", "import numpy as am\nam.zeros(3)",
                                   "from amtools import decode", "from base64 import decode\ndecode(b'')"]) == {
        "amtools.decode"}                                       # the from-import itself, not the later call


def test_canonical_key() -> None:
    key = usage.canonical_key
    assert key("amtools.train_memory") == key("amtools.training.train_memory") == "amtools.training.train_memory"
    assert key("amtools.explore.leak_view") == "amtools.explore.mosaics.leak_view"
    assert key("amtools.exercises.check_q_gamma") == "amtools.exercises.sgd_as_storage.check_q_gamma"
    assert key("amtools.exercises.ExerciseFailed") == "amtools.exercises._core.ExerciseFailed"
    # constants: followed from the package to the module that defines them
    assert key("amtools.SCHEMES") == key("amtools.storage.SCHEMES") == "amtools.storage.SCHEMES"
    assert key("amtools.explore.MAX_SAMPLES") == "amtools.explore.scaling.MAX_SAMPLES"
    assert key("amtools.regbench.IGNORE") == "amtools.regbench.IGNORE"
    assert key("amtools.stories.IGNORE") == "amtools.stories.IGNORE"
    # an attribute of a class is a use of the class; modules, private and unknown names are not entries
    assert key("amtools.Setup.pick") == "amtools.runtime.Setup"
    assert key("amtools.hopfield") is None
    assert key("amtools.hopfield._sign") is None
    assert key("amtools.zipf") == "amtools.zipf.zipf"            # the package attribute is the function
    assert key("amtools.no_such_name") is None
    assert key("numpy.zeros") is None


def test_object_key_matches_canonical_key() -> None:
    """The Sphinx side keys an entry by its object; the scanner side by the path used: they agree."""
    assert usage.object_key(amtools.training.train_memory, "amtools.training.train_memory") == \
        usage.canonical_key("amtools.train_memory")
    assert usage.object_key(amtools.exercises.ExerciseFailed, "amtools.exercises.ExerciseFailed") == \
        usage.canonical_key("amtools.exercises.ExerciseFailed")
    assert usage.object_key(amtools.storage.SCHEMES, "amtools.storage.SCHEMES") == \
        usage.canonical_key("amtools.SCHEMES")


def test_toc_order_and_used_in_line() -> None:
    toc = {"format": "jb-book", "root": "book/intro",
           "parts": [{"caption": "I", "chapters": [{"file": "book/b"}, {"file": "book/a.ipynb"}]}]}
    assert usage.toc_order(toc) == ["book/intro", "book/b", "book/a"]
    paths = [ROOT / "book" / "a.ipynb", ROOT / "book" / "z.ipynb", ROOT / "book" / "b.ipynb"]
    ordered = usage.order_notebooks(paths, ROOT, usage.toc_order(toc))
    assert [p.stem for p in ordered] == ["b", "a", "z"]
    assert usage.used_in_line(["book/b", "book/a"]) == "*Used in:* :doc:`/book/b`, :doc:`/book/a`"


@pytest.fixture(scope="module")
def book_usage() -> dict[str, list[str]]:
    import yaml

    order = usage.toc_order(yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8")))
    paths = usage.order_notebooks(sorted(ROOT.glob("book/*.ipynb")), ROOT, order)
    return usage.scan_notebooks(paths, ROOT)


def test_known_uses_in_the_book(book_usage: dict[str, list[str]]) -> None:
    assert "book/sgd-as-storage" in book_usage["amtools.training.train_memory"]
    assert "book/zipf-data" not in book_usage["amtools.training.train_memory"]
    assert "book/tiny-language-model" in book_usage["amtools.stories.make_corpus"]
    assert "book/in-context-learning" in book_usage["amtools.regbench.accuracy"]          # via ``rb = am.regbench``
    assert "book/classical-hopfield" in book_usage["amtools.hopfield.hebbian"]
    assert "book/sgd-as-storage" in book_usage["amtools.exercises.sgd_as_storage.check_q_gamma"]
    # toc order: Part I before Part II
    zipf_docs = book_usage["amtools.zipf.zipf"]
    assert zipf_docs.index("book/zipf-data") < zipf_docs.index("book/sgd-as-storage")


def _code(doc: str) -> str:
    return "\n".join(usage.notebook_code(ROOT / f"{doc}.ipynb"))


def test_no_chapter_listed_without_naming_the_entry(book_usage: dict[str, list[str]]) -> None:
    for key, docs in book_usage.items():
        name = key.rpartition(".")[2]
        for doc in docs:
            assert re.search(rf"\b{re.escape(name)}\b", _code(doc)), f"{doc} listed for {key} but never names it"


def test_every_am_call_in_the_book_is_found(book_usage: dict[str, list[str]]) -> None:
    for path in sorted(ROOT.glob("book/*.ipynb")):
        doc = path.relative_to(ROOT).with_suffix("").as_posix()
        code = _code(doc)
        for name in set(re.findall(r"\bam\.(\w+)\(", code)):
            key = usage.canonical_key(f"amtools.{name}")
            if key is not None:
                assert doc in book_usage.get(key, []), f"{doc} calls am.{name} but is not listed for {key}"


# --------------------------------------------------------------------------- a tiny real Sphinx build


def _notebook(title: str, code: str) -> str:
    """A minimal notebook: a title cell and one code cell (the book's JSON conventions)."""
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": f"# {title}"},
                    {"cell_type": "code", "metadata": {}, "execution_count": None, "source": code, "outputs": []}],
          "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                      "name": "python3"}},
          "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def test_sphinx_build_writes_used_in_links(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "ch").mkdir(parents=True)
    (src / "ch" / "alpha.ipynb").write_text(_notebook("Alpha", "import amtools as am\np = am.zipf(10, 2.0)"))
    (src / "ch" / "beta.ipynb").write_text(_notebook(
        "Beta", "from amtools import zipf, SCHEMES\nfrom amtools.checks import check_true\nzipf(5, 1.5)"))
    # beta before alpha: the links follow the table of contents, not the file names
    (src / "toc.yml").write_text("root: index\nchapters:\n- file: ch/beta\n- file: ch/alpha\n")
    (src / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / 'book' / '_ext')!r})\n"
        "extensions = ['myst_nb', 'sphinx.ext.autodoc', 'sphinx.ext.napoleon', 'amtools_usage']\n"
        "nb_execution_mode = 'off'\namtools_usage_notebooks = 'ch/*.ipynb'\namtools_usage_toc = 'toc.yml'\n"
        "exclude_patterns = ['_build', 'toc.yml']\n")
    (src / "index.rst").write_text(
        "API\n===\n\n.. toctree::\n\n   ch/beta\n   ch/alpha\n\n"
        ".. autofunction:: amtools.zipf.zipf\n\n.. autofunction:: amtools.training.train_memory\n\n"
        ".. autodata:: amtools.storage.SCHEMES\n\n.. autoclass:: amtools.checks.CheckFailed\n\n"
        ".. autofunction:: amtools.checks.check_true\n")
    out = tmp_path / "html"
    run = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
                          str(src), str(out)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    html = (out / "index.html").read_text(encoding="utf-8")

    def section(name: str) -> str:
        start = html.index(f'id="{name}"')
        end = html.find('<dt class="sig sig-object py"', start + 1)
        return html[start:end if end > 0 else len(html)]

    zipf = section("amtools.zipf.zipf")
    assert "Used in:" in zipf
    assert zipf.index('href="ch/beta.html"') < zipf.index('href="ch/alpha.html"')   # toc order, not names
    assert ">Beta<" in zipf and ">Alpha<" in zipf                                      # chapter titles
    assert 'href="ch/beta.html"' in section("amtools.storage.SCHEMES")
    assert "ch/alpha.html" not in section("amtools.storage.SCHEMES")
    assert 'href="ch/beta.html"' in section("amtools.checks.check_true")
    assert "Used in:" not in section("amtools.training.train_memory")
    assert "Used in:" not in section("amtools.checks.CheckFailed")


def test_every_use_lands_on_a_documented_entry(book_usage: dict[str, list[str]],
                                               entries: list[tuple[str, Any, str]]) -> None:
    """The scanner's keys and the page's entries agree, so no chapter link is lost."""
    keys = {doc if kind == "autodata" else usage.object_key(obj, doc) for doc, obj, kind in entries}
    lost = sorted(set(book_usage) - keys)
    assert not lost, f"chapters use these names, but book/api.md has no entry for them: {lost}"
