"""The GitHub Actions workflows: linted by a real zizmor run, and wired to the Makefile's commands."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent
ZIZMOR = shutil.which("zizmor", path=str(BIN)) or shutil.which("zizmor")

pytestmark = pytest.mark.skipif(ZIZMOR is None, reason="zizmor is not installed (the `test` extra)")


def _lint(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([ZIZMOR, "--offline", "--persona", "pedantic", str(path)],
                          capture_output=True, text=True, timeout=120)


def _load(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def test_workflows_pass_the_linter():
    result = _lint(WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_linter_rejects_an_injectable_unpinned_workflow(tmp_path):
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - uses: actions/checkout@v4\n"
                   "      - run: echo \"${{ github.event.head_commit.message }}\"\n")
    result = _lint(bad.parent)
    assert result.returncode != 0
    assert "template-injection" in result.stdout + result.stderr


def test_ci_runs_the_readme_test_command_on_pushes_and_pull_requests():
    ci = _load("ci.yml")
    triggers = ci.get("on", ci.get(True))          # YAML 1.1 reads a bare `on` as True
    assert "push" in triggers and "pull_request" in triggers
    runs = [step.get("run", "") for job in ci["jobs"].values() for step in job["steps"]]
    assert any(r.strip().startswith("make test") for r in runs)
    assert any("chromium" in r for r in runs), "CI installs Chromium before make test"


def test_publish_deploys_pages_and_the_colab_editions_from_the_release_branch():
    pub = _load("publish.yml")
    triggers = pub.get("on", pub.get(True))
    assert triggers["push"]["branches"] == ["release"]
    steps = [s for job in pub["jobs"].values() for s in job.get("steps", [])]
    runs = " ".join(s.get("run", "") for s in steps)
    uses = [s.get("uses", "") for s in steps]
    assert "make book" in runs and "make colab" in runs
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    assert "push --force" in runs and " colab" in runs


def test_every_action_is_pinned_to_a_commit():
    for path in WORKFLOWS.glob("*.yml"):
        for job in yaml.safe_load(path.read_text())["jobs"].values():
            for step in job.get("steps", []):
                if "uses" in step:
                    ref = step["uses"].split("@", 1)[1]
                    assert len(ref) == 40 and all(c in "0123456789abcdef" for c in ref), (path.name, step)
