#!/usr/bin/env python3
"""Check the book in a copy of Colab's runtime: ``make check-colab-env``.

1. Builds a venv under ``_build/colab-env`` with the given Python (3.13, as Colab's) and installs
   Colab's pins for the packages the book uses (``tools/colab-constraints.txt``, with the date they
   were taken). The venv is reused while its stamp matches the constraints' hash and the Python;
   the pins are re-applied on every run, so each run starts from Colab's state.
2. Installs amtools the way a chapter's install cell does (``pip install --quiet <amtools>``, with a
   copy of this working tree standing for the tagged ``git+`` URL) and fails if that changes the
   version of any pinned package (``pip freeze`` before and after): the classic way a Colab install
   cell breaks widgets is to upgrade ipywidgets.
3. Runs the explorers' unit tests (``tests/test_explore.py``, the ipywidgets wiring under Colab's
   ipywidgets 7) and every Colab edition (``_build/colab/book/*.ipynb``, made by ``make colab``)
   under ``pytest --nbval-lax`` in that venv.

Network: pip downloads the pins on the first run (torch 2.11.0 from PyPI is a CUDA build, ~2.6 GB).
Prints the time of each step. Exit status 0 when everything passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
CONSTRAINTS = ROOT / "tools" / "colab-constraints.txt"
ENV_DIR = ROOT / "_build" / "colab-env"
EDITIONS = ROOT / "_build" / "colab" / "book"
# Not in Colab: what the check itself needs (nbval runs the chapters, hypothesis the explorer tests).
CHECK_TOOLS = ["nbval==0.11.0", "hypothesis", "PyYAML==6.0.3"]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$")


class CheckError(RuntimeError):
    """A step failed; the message says which and why."""


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path = CONSTRAINTS) -> dict[str, str]:
    """``{canonical name: version}`` for every ``name==version`` line of the constraints file."""
    pins: dict[str, str] = {}
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = PIN.match(line)
        if not match:
            raise CheckError(f"{path.name}:{number}: expected `name==version`, got {raw!r}")
        pins[canonical(match.group(1))] = match.group(2)
    return pins


def parse_freeze(text: str) -> dict[str, str]:
    """``{canonical name: version}`` from ``pip freeze`` output (``name @ url`` lines give ``@ url``)."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "==" in line:
            name, version = line.split("==", 1)
        elif " @ " in line:
            name, version = line.split(" @ ", 1)
            version = "@ " + version
        else:
            continue
        found[canonical(name)] = version.strip()
    return found


def changed_pins(pins: dict[str, str], before: dict[str, str], after: dict[str, str]) -> list[str]:
    """One line per pinned package whose installed version differs between two freezes."""
    return [f"{name}: {before.get(name, 'absent')} -> {after.get(name, 'absent')}"
            for name in sorted(pins) if before.get(name) != after.get(name)]


def missing_pins(pins: dict[str, str], installed: dict[str, str]) -> list[str]:
    """Pinned packages not installed at their pinned version (local build tags like +cu128 ignored)."""
    return [f"{name}=={version} (installed: {installed.get(name, 'absent')})"
            for name, version in sorted(pins.items())
            if installed.get(name, "").split("+")[0] != version]


def run(cmd: list[str], *, cwd: Path = ROOT, env: dict[str, str] | None = None,
        capture: bool = False) -> str:
    printable = " ".join(str(c) for c in cmd)
    print(f"$ {printable}", flush=True)
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, text=True,
                          stdout=subprocess.PIPE if capture else None)
    if proc.returncode != 0:
        raise CheckError(f"command failed (exit {proc.returncode}): {printable}")
    return proc.stdout if capture else ""


def env_stamp(python: str) -> str:
    version = subprocess.run([python, "-c", "import sys; print(sys.version)"], text=True,
                             capture_output=True, check=True).stdout.strip()
    return hashlib.sha256((CONSTRAINTS.read_text() + version).encode()).hexdigest()


def ensure_venv(python: str, env_dir: Path) -> Path:
    """The venv's python, (re)creating the venv unless its stamp matches the constraints and Python."""
    stamp_file = env_dir / ".colab-stamp"
    stamp = env_stamp(python)
    py = env_dir / "bin" / "python"
    if py.exists() and stamp_file.exists() and stamp_file.read_text().strip() == stamp:
        print(f"reusing {env_dir.relative_to(ROOT)} (stamp matches the constraints)")
    else:
        if env_dir.exists():
            shutil.rmtree(env_dir)
        run([python, "-m", "venv", env_dir])
        stamp_file.write_text("")  # written for real once the pins are in
    return py


def amtools_copy(dest: Path, source: Path = ROOT) -> Path:
    """A clean copy of the package sources (what the tagged git URL would hold for this tree)."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (source / name).exists():
            shutil.copy2(source / name, dest / name)
    shutil.copytree(source / "amtools", dest / "amtools",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--python", required=True, help="the Python 3.13 interpreter for the venv")
    parser.add_argument("--env", type=Path, default=ENV_DIR, help="venv directory (default: %(default)s)")
    parser.add_argument("--notebooks", type=Path, default=EDITIONS,
                        help="folder of the notebooks to run (default: the Colab editions, %(default)s)")
    parser.add_argument("-k", dest="select", default=None, help="pytest -k expression to run some chapters")
    parser.add_argument("--install-only", action="store_true", help="stop after the install check")
    parser.add_argument("--source", type=Path, default=ROOT,
                        help="the amtools tree to install (default: this working tree)")
    args = parser.parse_args(argv)

    if not args.python or not Path(args.python).exists() and shutil.which(args.python) is None:
        print(f"check-colab-env: no Python at {args.python!r} (pyenv install 3.13)", file=sys.stderr)
        return 1
    timings: list[tuple[str, float]] = []
    try:
        notebooks = sorted(args.notebooks.glob("*.ipynb"))
        if not args.install_only and not notebooks:
            raise CheckError(f"no notebooks in {args.notebooks} (run `make colab` first)")
        pins = read_pins()
        env_dir = args.env.resolve()
        env_dir.parent.mkdir(parents=True, exist_ok=True)

        start = time.perf_counter()
        py = ensure_venv(args.python, env_dir)
        pip = [py, "-m", "pip", "--disable-pip-version-check"]
        run(pip + ["install", "--quiet", "-r", CONSTRAINTS] + CHECK_TOOLS)
        installed = parse_freeze(run(pip + ["freeze"], capture=True))
        if missing := missing_pins(pins, installed):
            raise CheckError("the pins did not install as pinned:\n  " + "\n  ".join(missing))
        (env_dir / ".colab-stamp").write_text(env_stamp(args.python) + "\n")
        timings.append(("Colab's pins installed", time.perf_counter() - start))

        start = time.perf_counter()
        run(pip + ["uninstall", "--quiet", "--yes", "amtools"])
        before = parse_freeze(run(pip + ["freeze"], capture=True))
        source = amtools_copy(env_dir / "amtools-src", args.source.resolve())
        # What the install cells run: %pip install --quiet "amtools[<extras>] @ git+<repository>@v<version>",
        # with the extras some chapters ask for (metadata amtools.extras): all of them, once.
        extras = sorted({e for nb in BOOK.glob("*.ipynb")
                         for e in json.loads(nb.read_text()).get("metadata", {}).get("amtools", {}).get("extras", ())})
        run(pip + ["install", "--quiet", f"{source}[{','.join(extras)}]" if extras else source])
        after = parse_freeze(run(pip + ["freeze"], capture=True))
        timings.append(("amtools installed as the install cell does", time.perf_counter() - start))
        if changes := changed_pins(pins, before, after):
            raise CheckError("installing amtools changed Colab's pinned packages (widen amtools' "
                             "dependency ranges in pyproject.toml):\n  " + "\n  ".join(changes))
        print(f"ok: installing amtools {after.get('amtools', '?')} kept all {len(pins)} pins")
        if args.install_only:
            return 0

        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env["MPLBACKEND"] = "Agg"
        env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"   # ipykernel 6.17's debugpy on Python 3.13: a banner
        common = [py, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--disable-warnings"]

        start = time.perf_counter()
        # From a folder outside the tree, so the amtools imported is the installed one.
        run(common + ["--rootdir", ROOT / "tests", ROOT / "tests" / "test_explore.py"], cwd=env_dir, env=env)
        timings.append(("explorer tests (ipywidgets " + after.get("ipywidgets", "?") + ")",
                        time.perf_counter() - start))

        start = time.perf_counter()
        (env_dir / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
        select = ["-k", args.select] if args.select else []
        run(common + ["-c", env_dir / "pytest.ini", "--rootdir", args.notebooks.resolve(),
                      "--nbval-lax", "--nbval-current-env", *select, args.notebooks.resolve()], cwd=env_dir, env=env)
        which = f"the notebooks matching -k {args.select!r}" if args.select else f"{len(notebooks)} notebooks"
        timings.append((f"{which} under nbval", time.perf_counter() - start))
    except CheckError as err:
        print(f"check-colab-env FAILED: {err}", file=sys.stderr)
        return 1
    finally:
        for label, seconds in timings:
            print(f"  {label}: {seconds:.0f} s")
    print("check-colab-env: ok")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
