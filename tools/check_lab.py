"""Run two chapters in a real JupyterLab, driven by headless Chromium, as a student would.

Usage (from the repository root; ``make check-lab`` runs it)::

    python tools/check_lab.py --chromium /usr/bin/chromium [--chapters zipf-data associative-memory-model]

Starts JupyterLab from this interpreter (the venv) on 127.0.0.1 (a free port, a random token) on a
scratch copy of the chapters made by ``tools/lab.py`` (``_build/check-lab``, recreated each run, so a
student's ``_build/lab`` is never touched), opens each chapter in headless Chromium (Playwright,
pointed at the given binary: no browser download), runs all cells (``notebook:run-all-cells``) and
waits for the kernel to finish. It fails, naming the chapter and the cell, on:

- an error output, or a traceback on stderr;
- a cell that never ran (Run All stopped early) or a run longer than ``--timeout``;
- a figure that does not render: an output image with ``naturalWidth`` 0, or a cell calling
  ``plt.show()`` with no image in its output;
- an explorer (a cell calling ``*_explorer(``) without a rendered slider, or whose figure does not
  change when a slider is moved with the keyboard;
- MyST shown as raw text in a rendered markdown cell (e.g. ```` ```{ ````, ``{doc}` ``, ``:label:``), a
  markdown cell left unrendered, math that KaTeX could not typeset, or a glued number that Run All
  did not fill in (``tools/lab.py`` turns ``{glue:text}`` into ``{eval}`am.glued(...)```);
- anything written under ``book/`` (``git status --porcelain book/`` must not change: on a clean
  checkout, it stays empty).

Screenshots go to ``_build/screenshots/lab-<chapter>.png``. The server and its kernels are killed at
the end, whatever happens. Exit status 0 when every check passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lab  # noqa: E402  (tools/lab.py: the scratch copy and the `jupyter lab` command line)
from check_site import CHROMIUM_ARGS  # noqa: E402  (one set of flags for Debian's headless Chromium)

ROOT = lab.ROOT
SCRATCH = ROOT / "_build" / "check-lab"
SCREENSHOTS = ROOT / "_build" / "screenshots"
# One chapter with an explorer widget (about 20 s of cells) and one short chapter (about 20 s).
DEFAULT_CHAPTERS = ("associative-memory-model", "zipf-data")
# MyST syntax that must never reach the reader as text: a directive fence, a role, a directive option.
RAW_MYST = ("```{", "~~~{", "{doc}`", "{ref}`", "{cite}`", "{eq}`", "{math}`", "{prf:", "{glue",
            "{exercise", "{solution", "{numref}`", "{term}`", ":label:", ":class:", ":nonumber:")
# Lab settings for the check only: every cell rendered (no virtual scrolling), no news pop-up.
CHECK_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
}

# JavaScript run in the page; `window.jupyterapp` exists because of --LabApp.expose_app_in_browser.
JS_STATE = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  if (!w || !w.content || !w.sessionContext) return null;
  const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
  const code = w.content.widgets.filter(c => c.model.type === 'code');
  return {
    kernel: kernel ? kernel.status : 'none',
    busy: code.filter(c => (c.node.querySelector('.jp-InputPrompt') || {}).textContent?.includes('*')).length,
    ran: code.filter(c => c.model.executionCount !== null).length,
    code: code.length,
  };
}"""
JS_CELLS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  return w.content.widgets.map((c, i) => {
    const out = {index: i, type: c.model.type, source: c.model.sharedModel.getSource(),
                 tags: c.model.getMetadata('tags') || []};
    if (c.model.type === 'code') {
      out.executionCount = c.model.executionCount;
      out.outputs = c.model.outputs.toJSON();
      out.images = Array.from(c.node.querySelectorAll('.jp-OutputArea img')).map(
        img => ({complete: img.complete, width: img.naturalWidth}));
      out.sliders = c.node.querySelectorAll('.jupyter-widgets .widget-slider').length;
    } else if (c.model.type === 'markdown') {
      const r = c.node.querySelector('.myst, .jp-RenderedMarkdown');
      out.rendered = c.rendered && !!r;
      out.text = r ? r.innerText : '';
      // jupyterlab-myst marks display math KaTeX cannot typeset in red (.text-red-500), inline math
      // and other warnings in yellow (.text-yellow-600, the message in its title). Citations are
      // yellow too, "Citation Not Found": Lab has no bibliography, so they are not counted here.
      out.mathErrors = Array.from(c.node.querySelectorAll('.katex-error, .text-red-500, .text-yellow-600'))
        .filter(e => e.getAttribute('title') !== 'Citation Not Found')
        .map(e => ((e.getAttribute('title') || '') + ' ' + e.innerText).trim().slice(0, 200))
        .filter(t => t);
    }
    return out;
  });
}"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_settings(settings_dir: Path) -> None:
    """The check's own Lab user settings (the reader's ~/.jupyter is not read or written)."""
    for name, value in CHECK_SETTINGS.items():
        path = settings_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value, indent=1) + "\n")


def start_server(scratch: Path, port: int, token: str, log: Path,
                 env_extra: dict[str, str] | None = None) -> subprocess.Popen:
    """JupyterLab on 127.0.0.1:port in its own process group (so that kernels die with it).

    ``env_extra`` is added to the server's environment (the tests use it to switch an extension off).
    """
    extra = ["--no-browser", f"--port={port}", "--ServerApp.port_retries=0",
             f"--IdentityProvider.token={token}", "--LabApp.expose_app_in_browser=True",
             "--ServerApp.open_browser=False", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
             "jupyterlab.NeverCheckForUpdate"]
    env = dict(os.environ)
    env["JUPYTERLAB_SETTINGS_DIR"] = str(scratch / ".lab-settings")
    env["JUPYTERLAB_WORKSPACES_DIR"] = str(scratch / ".lab-workspaces")
    env["JUPYTER_RUNTIME_DIR"] = str(scratch / ".runtime")
    env.pop("JUPYTER_TOKEN", None)
    # Figures must render inline as a student sees them: a non-interactive backend inherited from the
    # caller (the test suite's MPLBACKEND=Agg) would make every plt.show() display nothing.
    env.pop("MPLBACKEND", None)
    env.update(env_extra or {})
    write_settings(scratch / ".lab-settings")
    cmd = lab.lab_command(scratch, extra)
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, cwd=scratch, env=env, stdout=fh, stderr=subprocess.STDOUT,
                                start_new_session=True)
    url = f"http://127.0.0.1:{port}/api/status?token={token}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return proc
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    stop_server(proc)
    raise RuntimeError(f"JupyterLab did not answer on 127.0.0.1:{port} within 90 s; see {log}")


def stop_server(proc: subprocess.Popen) -> None:
    """Kill the server's process group (server and kernels): SIGTERM, then SIGKILL after 10 s."""
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def raw_myst(text: str) -> list[str]:
    """The MyST fragments of RAW_MYST found in rendered text."""
    return [pattern for pattern in RAW_MYST if pattern in text]


def output_problems(cell: dict) -> list[str]:
    """Error outputs and tracebacks on stderr of one code cell (from the notebook model)."""
    problems = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            problems.append(f"error output {out.get('ename')}: {str(out.get('evalue'))[:200]}")
        elif out.get("output_type") == "stream" and out.get("name") == "stderr":
            text = out.get("text", "")
            text = "".join(text) if isinstance(text, list) else text
            if "Traceback" in text or "Error:" in text:
                problems.append(f"traceback on stderr: {text.strip()[-300:]}")
        elif "application/vnd.jupyter.stderr" in out.get("data", {}):
            problems.append("stderr output: " + str(out["data"]["application/vnd.jupyter.stderr"])[:300])
    return problems


def check_cells(cells: list[dict]) -> list[str]:
    """Every failure of one executed notebook, each naming the cell."""
    problems: list[str] = []
    images = 0
    for cell in cells:
        where = f"cell {cell['index']}"
        if cell["type"] == "code":
            if cell["executionCount"] is None:
                problems.append(f"{where}: never ran (Run All stopped before it)")
            problems += [f"{where}: {p}" for p in output_problems(cell)]
            for img in cell["images"]:
                images += 1
                if not img["complete"] or img["width"] == 0:
                    problems.append(f"{where}: an output image does not render (naturalWidth 0)")
            if "plt.show()" in cell["source"] and "remove-output" not in cell["tags"] and not cell["images"]:
                problems.append(f"{where}: calls plt.show() but shows no figure")
            if "_explorer(" in cell["source"] and not cell["sliders"]:
                problems.append(f"{where}: the explorer widget did not render (no slider)")
        elif cell["type"] == "markdown":
            if not cell["rendered"]:
                problems.append(f"{where}: markdown cell not rendered")
            found = raw_myst(cell["text"])
            if found:
                problems.append(f"{where}: MyST shown as raw text: {', '.join(found)}")
            if 'am.glued("' in cell["text"]:
                problems.append(f"{where}: a glued number was not filled in (am.glued shown as text)")
            for err in cell["mathErrors"]:
                problems.append(f"{where}: math or MyST error shown: {err!r}")
    if not images:
        problems.append("no figure rendered at all")
    return problems


def wait_until_done(page, timeout: float) -> float:
    """Wait until every queued cell has run and the kernel is idle; return the seconds taken."""
    start = time.monotonic()
    quiet = 0
    while time.monotonic() - start < timeout:
        state = page.evaluate(JS_STATE)
        if state and state["kernel"] == "idle" and state["busy"] == 0 and state["ran"] > 0:
            quiet += 1
            if quiet >= 3:  # idle on three polls in a row: not between two cells
                return time.monotonic() - start
        else:
            quiet = 0
        time.sleep(1.0)
    raise TimeoutError(f"cells still running after {timeout:.0f} s")


def move_slider(page, cell_index: int, timeout: float = 60) -> str | None:
    """Press ArrowRight on the explorer's first slider; None if its figure changed, else the problem."""
    cell = page.locator(".jp-Notebook .jp-Cell").nth(cell_index)
    cell.scroll_into_view_if_needed()
    images = cell.locator(".jp-OutputArea img")
    if images.count() == 0:
        return "the explorer shows no figure before the slider moves"
    before = images.first.get_attribute("src")
    readout = cell.locator(".widget-readout").first.inner_text()
    handle = cell.locator(".widget-slider .noUi-handle").first
    handle.focus()
    for _ in range(3):
        handle.press("ArrowRight")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        imgs = cell.locator(".jp-OutputArea img")
        if imgs.count() and imgs.first.get_attribute("src") != before:
            ok = page.evaluate("(img) => img.complete && img.naturalWidth > 0", imgs.first.element_handle())
            if ok:
                return None
        time.sleep(0.5)
    after = cell.locator(".widget-readout").first.inner_text()
    return f"the figure did not change within {timeout:.0f} s of a slider move (readout {readout!r} -> {after!r})"


def check_chapter(page, base: str, token: str, chapter: str, timeout: float,
                  shots: Path) -> tuple[list[str], float]:
    """Open, run and check one chapter; return (problems, seconds of Run All)."""
    page.goto(f"{base}/lab/tree/{chapter}.ipynb?token={token}&reset")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget "
                           "&& window.jupyterapp.shell.currentWidget.content", timeout=120_000)
    page.wait_for_function("""() => { const w = window.jupyterapp.shell.currentWidget;
        const k = w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
        return k && k.status === 'idle'; }""", timeout=120_000)
    # Not awaited: the command's promise resolves only when the last cell has run.
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    seconds = wait_until_done(page, timeout)
    cells = page.evaluate(JS_CELLS)
    problems = check_cells(cells)
    for cell in cells:
        if cell["type"] == "code" and "_explorer(" in cell["source"] and cell["sliders"]:
            moved = move_slider(page, cell["index"])
            if moved:
                problems.append(f"cell {cell['index']}: {moved}")
            break
    explorer = next((c["index"] for c in cells if c["type"] == "code" and "_explorer(" in c["source"]), None)
    target = page.locator(".jp-Notebook .jp-Cell").nth(explorer if explorer is not None else 0)
    target.scroll_into_view_if_needed()
    time.sleep(1)
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"lab-{chapter}.png"))
    # Leave the notebook saved and closed, as a student would, so autosave has had its chance.
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    time.sleep(1)
    return [f"{chapter}: {p}" for p in problems], seconds


def book_snapshot() -> dict[str, str]:
    """sha256 of the notebooks and checkpoints under book/: what Lab could write, seen even in a dirty tree."""
    return {str(f.relative_to(ROOT)): hashlib.sha256(f.read_bytes()).hexdigest()
            for f in sorted(lab.BOOK.rglob("*"))
            if f.is_file() and (f.suffix == ".ipynb" or "checkpoint" in str(f))}


def book_status() -> str:
    """``git status --porcelain book/`` (empty when book/ is clean)."""
    result = subprocess.run(["git", "status", "--porcelain", "book/"], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    return result.stdout.strip()


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM (e.g. make interrupted) unwinds like Ctrl-C, so the server is still killed."""
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chromium", required=True, help="path of the Chromium binary (Debian's chromium)")
    parser.add_argument("--chapters", nargs="+", default=list(DEFAULT_CHAPTERS),
                        help="chapter names (book/<name>.ipynb); default: %(default)s")
    parser.add_argument("--timeout", type=float, default=300, help="seconds allowed for Run All per chapter")
    parser.add_argument("--allow-dirty-book", action="store_true",
                        help="do not compare `git status --porcelain book/` before and after the run (the "
                             "notebooks' hashes are still compared); on a clean checkout it must stay empty")
    parser.add_argument("--screenshots", type=Path, default=SCREENSHOTS, help="screenshot directory")
    args = parser.parse_args(argv)
    if not args.chromium or not Path(args.chromium).is_file():
        print(f"check_lab: no Chromium binary at {args.chromium!r} (apt install chromium)", file=sys.stderr)
        return 1
    for chapter in args.chapters:
        if not (lab.BOOK / f"{chapter}.ipynb").is_file():
            print(f"check_lab: no chapter book/{chapter}.ipynb", file=sys.stderr)
            return 1
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("check_lab: playwright is missing: pip install -e '.[test]'", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _terminate)
    before = book_snapshot()
    status_before = book_status()
    if SCRATCH.exists():
        subprocess.run(["rm", "-rf", str(SCRATCH)], check=True)
    lab.copy_chapters(SCRATCH, fresh=True)
    port, token = free_port(), secrets.token_hex(16)
    log = ROOT / "_build" / "check-lab.log"
    started = time.monotonic()
    proc = start_server(SCRATCH, port, token, log)
    problems: list[str] = []
    try:
        print(f"check_lab: JupyterLab on 127.0.0.1:{port} ({time.monotonic() - started:.1f} s to start)")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1600})
                console: list[str] = []
                page.on("pageerror", lambda exc: console.append(str(exc)))
                for chapter in args.chapters:
                    t0 = time.monotonic()
                    found, seconds = check_chapter(page, f"http://127.0.0.1:{port}", token, chapter,
                                                   args.timeout, args.screenshots)
                    print(f"check_lab: {chapter}: Run All {seconds:.1f} s, checked in "
                          f"{time.monotonic() - t0:.1f} s, {len(found)} problem(s)")
                    problems += found
                problems += [f"uncaught page error: {e[:300]}" for e in console]
            finally:
                browser.close()
    except Exception as exc:  # a timeout or a Playwright error is a failure of the check, said plainly
        problems.append(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    finally:
        stop_server(proc)
    after = book_snapshot()
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    if changed:
        problems.append(f"files under book/ written while Lab ran: {changed}")
    status = book_status()
    if status != status_before and not args.allow_dirty_book:
        problems.append(f"git status --porcelain book/ changed while Lab ran:\nbefore:\n{status_before}\n"
                        f"after:\n{status}")
    checkpoints = list(lab.BOOK.rglob(".ipynb_checkpoints"))
    if checkpoints:
        problems.append(f".ipynb_checkpoints under book/: {checkpoints}")
    print(f"check_lab: {time.monotonic() - started:.1f} s in all; screenshots in {args.screenshots}")
    if problems:
        print(f"check_lab: FAILED, {len(problems)} problem(s):", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print("check_lab: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
