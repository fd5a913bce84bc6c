"""Sphinx extension: every API-reference entry links to the chapters that use it.

At build time the extension reads the code cells of the book's notebooks (the glob
``amtools_usage_notebooks``, relative to the source directory; default ``book/*.ipynb``), finds
every use of a public ``amtools`` name, and appends to the autodoc entry of that name a line

    *Used in:* :doc:`/book/zipf-data`, :doc:`/book/finite-data`

with the chapters in table-of-contents order. An entry that no chapter uses gets no line.

A *use* is any reference, in Python code (strings and comments do not count), to a name reached
from an import of ``amtools``: ``am.train_memory`` after ``import amtools as am``,
``am.explore.leak_view``, ``amtools.hopfield.energy`` after ``import amtools.hopfield``, or a name
bound by ``from amtools[.module] import name [as alias]``. IPython lines (``%pip``, ``!ls``) are
skipped. An attribute of a class (``am.Setup.pick``) counts as a use of the class.

Names are matched by the object they denote, not by the path used to reach it: ``am.train_memory``
and ``am.training.train_memory`` are one entry, documented once under its defining module
(``amtools.training.train_memory``). Functions and classes are keyed by
``__module__.__qualname__``; data (constants) by the module that defines them (a name re-exported
by a package is followed into the submodule whose ``__all__`` lists the same object).

The scanning functions are plain Python (``referenced_paths``, ``canonical_key``,
``scan_notebooks``) and are tested without Sphinx in ``tests/test_api_docs.py``.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

PACKAGE = "amtools"

# autodoc object types that get a "Used in" line (members of classes and modules do not).
_ENTRY_TYPES = {"function", "class", "exception", "data", "decorator"}
# An IPython line: a magic (%pip, %%time) or a shell escape (!ls), possibly indented.
_IPYTHON_LINE = re.compile(r"^(\s*)[%!].*$", re.MULTILINE)


# --------------------------------------------------------------------------- scanning (no Sphinx)


def notebook_code(path: str | Path) -> list[str]:
    """The sources of the code cells of one notebook, in order (a list-of-lines source is joined)."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            cells.append(source if isinstance(source, str) else "".join(source))
    return cells


def _python_only(source: str) -> str:
    """``source`` with every IPython line replaced by ``pass`` at the same indentation."""
    return _IPYTHON_LINE.sub(lambda m: m.group(1) + "pass", source)


def _dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for a chain of attributes on a name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _bind(aliases: dict[str, str], name: str, value: ast.AST) -> None:
    """``name = value``: alias ``name`` if ``value`` is a path under an alias, else drop its alias."""
    dotted = _dotted(value)
    head, _, rest = (dotted or "").partition(".")
    if dotted is not None and head in aliases:
        aliases[name] = aliases[head] + ("." + rest if rest else "")
    else:
        aliases.pop(name, None)


def referenced_paths(sources: Iterable[str], package: str = PACKAGE) -> set[str]:
    """Every dotted path under ``package`` that the code ``sources`` (cells, in order) refers to.

    Import aliases carry over from one cell to the next, as in a kernel, and so do plain
    assignments of a path (``hf = am.hopfield``); assigning anything else to a name drops its alias.
    A cell that is not valid Python (after IPython lines are skipped) is ignored.
    """
    aliases: dict[str, str] = {}      # local name -> dotted path under the package
    found: set[str] = set()
    for source in sources:
        try:
            tree = ast.parse(_python_only(source))
        except SyntaxError:
            continue
        bindings = sorted((n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom, ast.Assign))),
                          key=lambda n: (n.lineno, n.col_offset))
        for node in bindings:
            if isinstance(node, ast.Assign):   # ``hf = am.hopfield``, ``mm, hf = am.mosaics, am.hopfield``
                for target in node.targets:
                    pairs = [(target, node.value)]
                    if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple) and len(
                            target.elts) == len(node.value.elts):
                        pairs = list(zip(target.elts, node.value.elts))
                    for name, value in pairs:
                        if isinstance(name, ast.Name):
                            _bind(aliases, name.id, value)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    bound = alias.asname or alias.name.split(".")[0]   # ``import amtools.hopfield`` binds ``amtools``
                    if alias.name == package or alias.name.startswith(package + "."):
                        aliases[bound] = alias.name if alias.asname else package
                    else:
                        aliases.pop(bound, None)
            elif isinstance(node, ast.ImportFrom):
                ours = node.level == 0 and node.module is not None and (
                    node.module == package or node.module.startswith(package + "."))
                for alias in node.names:
                    if alias.name == "*":
                        continue
                    if ours:
                        path = f"{node.module}.{alias.name}"
                        aliases[alias.asname or alias.name] = path
                        found.add(path)
                    else:
                        aliases.pop(alias.asname or alias.name, None)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Attribute, ast.Name)):
                dotted = _dotted(node)
                if dotted is None:
                    continue
                head, _, rest = dotted.partition(".")
                if head in aliases:
                    found.add(aliases[head] + ("." + rest if rest else ""))
    return found


def _data_home(module: ModuleType, name: str, value: Any) -> str:
    """The module that defines the constant ``module.name``: a submodule listing it, else ``module``."""
    prefix = module.__name__ + "."
    for child in vars(module).values():
        if (isinstance(child, ModuleType) and child.__name__.startswith(prefix)
                and name in getattr(child, "__all__", ()) and getattr(child, name, None) is value):
            return _data_home(child, name, value)
    return module.__name__


def object_key(obj: Any, documented_name: str) -> str:
    """The key of a documented entry: ``__module__.__qualname__`` for a function or class, else its name."""
    if (inspect.isfunction(obj) or inspect.isclass(obj)) and isinstance(
            getattr(obj, "__module__", None), str) and isinstance(getattr(obj, "__qualname__", None), str):
        return f"{obj.__module__}.{obj.__qualname__}"
    return documented_name


def canonical_key(path: str, package: str = PACKAGE) -> str | None:
    """The entry key of the public name that ``path`` (e.g. ``amtools.explore.leak_view``) reaches.

    None for a module, a private or unknown name, or a path outside ``package``. An attribute of a
    module-level name (``amtools.Setup.pick``) gives the key of that name.
    """
    parts = path.split(".")
    if parts[0] != package:
        return None
    obj: Any = importlib.import_module(package)
    for part in parts[1:]:
        if part.startswith("_") and part != "__version__":
            return None
        try:
            child = getattr(obj, part)
        except AttributeError:
            return None
        if isinstance(child, ModuleType):
            obj = child
            continue
        if inspect.isfunction(child) or inspect.isclass(child):
            return object_key(child, f"{obj.__name__}.{part}")
        return f"{_data_home(obj, part, child)}.{part}"
    return None


def scan_notebooks(paths: Iterable[str | Path], srcdir: str | Path,
                   package: str = PACKAGE) -> dict[str, list[str]]:
    """Entry key -> the docnames (``book/zipf-data``) of the notebooks that use it, in ``paths`` order."""
    usage: dict[str, list[str]] = {}
    for path in paths:
        path = Path(path)
        docname = path.relative_to(srcdir).with_suffix("").as_posix()
        keys = {canonical_key(p, package) for p in referenced_paths(notebook_code(path), package)}
        for key in sorted(k for k in keys if k is not None):
            usage.setdefault(key, []).append(docname)
    return usage


def toc_order(toc: Any) -> list[str]:
    """The documents of a parsed ``_toc.yml`` (root, then every ``file:`` entry) in reading order."""
    order: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("root", "file") and isinstance(value, str):
                    order.append(Path(value).with_suffix("").as_posix() if Path(value).suffix in
                                 (".md", ".ipynb", ".rst") else value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return order


def order_notebooks(paths: Sequence[Path], srcdir: Path, order: Sequence[str]) -> list[Path]:
    """``paths`` sorted by their docname's position in ``order``; the ones not in it last, by name."""
    rank = {doc: i for i, doc in enumerate(order)}

    def key(path: Path) -> tuple[int, str]:
        doc = path.relative_to(srcdir).with_suffix("").as_posix()
        return (rank.get(doc, len(rank)), doc)

    return sorted(paths, key=key)


def used_in_line(docnames: Sequence[str]) -> str:
    """The RST line appended to an entry: ``*Used in:* :doc:`/book/a`, :doc:`/book/b```."""
    return "*Used in:* " + ", ".join(f":doc:`/{doc}`" for doc in docnames)


# --------------------------------------------------------------------------- Sphinx wiring


def _toc_file(app: Any) -> Path | None:
    configured = app.config.amtools_usage_toc or getattr(app.config, "external_toc_path", None)
    if configured:
        path = Path(configured)
        path = path if path.is_absolute() else Path(app.srcdir) / path
        return path if path.is_file() else None
    default = Path(app.srcdir) / "_toc.yml"
    return default if default.is_file() else None


def _builder_inited(app: Any) -> None:
    import yaml

    srcdir = Path(app.srcdir)
    paths = sorted(srcdir.glob(app.config.amtools_usage_notebooks))
    toc = _toc_file(app)
    order = toc_order(yaml.safe_load(toc.read_text(encoding="utf-8"))) if toc else []
    paths = order_notebooks(paths, srcdir, order)
    app.amtools_usage = scan_notebooks(paths, srcdir, app.config.amtools_usage_package)
    app.amtools_usage_docs = {p.relative_to(srcdir).with_suffix("").as_posix() for p in paths}


def _drop_type_docstring(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    """A constant without a doc comment gets no docstring, rather than its type's (``str``, ``dict``)."""
    if what in ("data", "attribute") and lines:
        from sphinx.util.docstrings import prepare_docstring

        type_doc = getattr(type(obj), "__doc__", None)
        if isinstance(type_doc, str) and [l.rstrip() for l in lines if l.strip()] == [
                l.rstrip() for l in prepare_docstring(type_doc) if l.strip()]:
            del lines[:]


def _process_docstring(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    if what not in _ENTRY_TYPES:
        return
    # A constant is keyed by its name, also when it is another name for a function (an alias).
    key = name if what == "data" else object_key(obj, name)
    docs = getattr(app, "amtools_usage", {}).get(key)
    if not docs:
        return
    if lines and lines[-1].strip():
        lines.append("")
    lines.append(used_in_line(docs))
    lines.append("")
    env = app.env
    if not hasattr(env, "amtools_usage_pages"):
        env.amtools_usage_pages = set()
    env.amtools_usage_pages.add(env.docname)


def _outdated(app: Any, env: Any, added: set[str], changed: set[str], removed: set[str]) -> list[str]:
    """When a scanned notebook changes, re-read the pages whose entries list chapters."""
    if (added | changed | removed) & getattr(app, "amtools_usage_docs", set()):
        return sorted(getattr(env, "amtools_usage_pages", set()))
    return []


def _purge(app: Any, env: Any, docname: str) -> None:
    getattr(env, "amtools_usage_pages", set()).discard(docname)


def _merge(app: Any, env: Any, docnames: set[str], other: Any) -> None:
    pages = getattr(other, "amtools_usage_pages", set()) & set(docnames)
    if pages:
        if not hasattr(env, "amtools_usage_pages"):
            env.amtools_usage_pages = set()
        env.amtools_usage_pages |= pages


def setup(app: Any) -> dict[str, Any]:
    app.add_config_value("amtools_usage_notebooks", "book/*.ipynb", "env")
    app.add_config_value("amtools_usage_package", PACKAGE, "env")
    app.add_config_value("amtools_usage_toc", None, "env")
    app.connect("builder-inited", _builder_inited)
    app.connect("autodoc-process-docstring", _drop_type_docstring, priority=100)
    # After napoleon (priority 500) has turned Google/NumPy sections into RST.
    app.connect("autodoc-process-docstring", _process_docstring, priority=600)
    app.connect("env-get-outdated", _outdated)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
