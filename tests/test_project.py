"""Project wiring: pyproject, environment.yml, _config.yml, Makefile and CI agree."""

from __future__ import annotations

import re
import tomllib

import yaml

import amtools
from notebook_conventions import ROOT, amtools_version, install_spec, load_config

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_environment_yml_installs_the_same_extras() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_sections = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip_sections) == 1, "environment.yml needs exactly one pip section"
    editable = [line for line in pip_sections[0] if line.startswith("-e")]
    assert len(editable) == 1, "the pip section must install the package in editable mode (-e .[...])"
    match = re.fullmatch(r"-e\s+\.\[([a-z0-9_,\- ]+)\]", editable[0].strip())
    assert match, f"cannot parse {editable[0]!r}"
    extras = {e.strip() for e in match.group(1).split(",")}
    # every extra but "dev" (mutation testing, `make mutation`), which readers do not need
    assert extras == set(PYPROJECT["project"]["optional-dependencies"]) - {"dev"}, (
        f"environment.yml extras {extras} differ from pyproject.toml's")


def test_runtime_dependencies_have_no_exact_pins() -> None:
    deps = PYPROJECT["project"]["dependencies"]
    names = {re.split(r"[<>=!~ \[]", d)[0] for d in deps}
    assert {"numpy", "torch", "matplotlib", "tqdm", "ipywidgets"} <= names
    for dep in deps:
        assert "==" not in dep, f"{dep}: never ==-pin runtime dependencies (Colab and laptops keep theirs)"
    torch_dep = next(d for d in deps if d.startswith("torch"))
    assert torch_dep.replace(" ", "") == "torch>=2.3"


def test_extras_contain_the_toolchain() -> None:
    extras = PYPROJECT["project"]["optional-dependencies"]
    book = " ".join(extras["book"])
    assert "jupyter-book>=1.0.4,<2" in book
    for name in ("jupyterlab", "sphinx-exercise", "sphinx-proof", "ipykernel"):
        assert name in book
    test = " ".join(extras["test"])
    for name in ("pytest", "nbval", "hypothesis"):
        assert name in test


def test_version_is_exposed_and_matches() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", amtools.__version__)
    assert PYPROJECT["project"]["dynamic"] == ["version"]


def test_config_builds_strictly_and_has_colab_repository() -> None:
    config = load_config()
    assert config["only_build_toc_files"] is True
    assert ".venv" in config["exclude_patterns"] and "_build" in config["exclude_patterns"]
    assert config["sphinx"]["config"]["nb_execution_raise_on_error"] is True
    assert config["execute"]["allow_errors"] is False
    assert config["repository"]["url"].startswith("https://github.com/")
    assert config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert install_spec(config).endswith(f"@v{amtools_version()}")
    for ext in ("sphinx_exercise", "sphinx_proof"):
        assert ext in config["sphinx"]["extra_extensions"]


def test_pytest_does_not_collect_build_copies() -> None:
    opts = PYPROJECT["tool"]["pytest"]["ini_options"]
    for d in ("_build", ".venv"):
        assert d in opts["norecursedirs"]


def test_makefile_and_ci() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "TORCH_SPEC ?= torch==2.13.0" in makefile
    assert re.search(r"^book:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "--nbval-lax --nbval-current-env" in makefile
    assert "-W --keep-going" in makefile
    ci = (ROOT / ".ci" / "run").read_text()
    commands = [l for l in ci.splitlines() if l.strip() and not l.startswith("#")
                and not l.startswith("set ") and not l.startswith("cd ")]
    assert commands[-1] == "make test", f".ci/run must end with the README's test command, has {commands}"
    # Before it, only Chromium's install (for check-site and check-lab): no other test step hides there.
    assert all("make " not in c and "pytest" not in c for c in commands[:-1]), commands
    assert any("apt-get install" in c for c in commands[:-1]), commands
    assert "chromium" in ci and "npm" in ci
    assert "real-clients" in makefile and "check-site check-lab" in makefile
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make book" in readme


def test_mutation_testing_is_wired_but_not_in_make_test() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^mutation:", makefile, re.M) and "tests/mutation_report.py" in makefile
    test_recipe = re.search(r"^test:.*?(?=^\S)", makefile, re.M | re.S).group(0)
    assert "mutmut" not in test_recipe and "mutation" not in test_recipe
    assert any(d.startswith("mutmut") for d in PYPROJECT["project"]["optional-dependencies"]["dev"])
    mutmut = PYPROJECT["tool"]["mutmut"]
    for module in ("zipf", "embeddings", "memory", "storage", "theory", "fitting", "checks"):
        assert f"amtools/{module}.py" in mutmut["only_mutate"]
    assert "mutants" in PYPROJECT["tool"]["pytest"]["ini_options"]["norecursedirs"]
