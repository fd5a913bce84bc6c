#!/usr/bin/env python3
"""Open every page of the built book in headless Chromium, offline, and fail on what a reader would see.

    tools/check_site.py _build/html --chromium /usr/bin/chromium [--screenshots _build/screenshots]

The site is served by a threaded ``http.server`` on 127.0.0.1 (an ephemeral port), as a web host would
serve it: real URLs, real status codes, no file:// special cases. Every request to anything else is
aborted by the browser context and counted as a failure, so a page that needs the network fails here.

Each HTML page (every ``*.html`` outside ``_static`` and ``_sources``) fails on:

* ``math``       unrendered math: after MathJax's startup promise resolves, a ``.math`` node without an
                 ``mjx-container``, a MathJax error (``mjx-merror``), or visible text holding ``\\(``,
                 ``\\[`` or ``$$`` outside code;
* ``image``      an ``<img>`` that did not load (``naturalWidth`` 0 once complete);
* ``console``    a console error, an uncaught page error, a failed or aborted (non-local) request, or an
                 HTTP status >= 400;
* ``widget``     a saved ipywidgets view that did not render (a "loading widget" placeholder);
* ``link``       an internal link to a missing file, or to an anchor that does not exist on its page;
* ``colab``      a page built from a notebook (``_sources/<page>.ipynb`` exists) without the Colab launch
                 link ``https://colab.research.google.com/github/.../<page>.ipynb``.

Screenshots of three pages (``--shot``, repeatable) are saved in the light and the dark theme, full page,
as ``<screenshots>/<page>-<light|dark>.png``. Exit 0 when every page passes, 1 with the list of failures
otherwise, 2 on a usage error (no site, no browser, playwright missing).
"""

from __future__ import annotations

import argparse
import functools
import html
import re
import http.server
import os
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_SHOTS = ("book/intro.html", "book/classical-hopfield.html", "book/associative-memory-model.html")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
COLAB_PREFIX = "https://colab.research.google.com/github/"
REFRESH = re.compile(r'<meta[^>]+http-equiv="refresh"[^>]+content="\d+;\s*url=([^"]+)"', re.IGNORECASE)
CHECKS = ("math", "image", "console", "widget", "link", "colab")

# Runs in the page once it has loaded: waits for MathJax and the widget embedder, then reports what the
# checks need. Returns a plain object (see PageReport).
PAGE_PROBE = r"""
async ({timeoutMs}) => {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const deadline = Date.now() + timeoutMs;
  const out = {mathjax: false, mathjaxError: null, math: [], merror: [], rawTex: [], images: [],
               widgets: {views: 0, unrendered: 0}, ids: [], links: []};
  // images: lazy ones are loaded now, then every image is waited for
  const imgs = Array.from(document.images);
  imgs.forEach((img) => { if (img.loading === "lazy") img.loading = "eager"; });
  await Promise.all(imgs.map((img) => img.complete ? null : new Promise((r) => {
    img.addEventListener("load", r, {once: true}); img.addEventListener("error", r, {once: true});
    setTimeout(r, Math.max(0, deadline - Date.now()));
  })));
  // MathJax: its (deferred) script has run by the load event if it loaded at all
  const mathNodes = document.querySelectorAll(".math");
  if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
    out.mathjax = true;
    try {
      // the startup promise resolves once the initial typesetting of the page is done
      await Promise.race([window.MathJax.startup.promise, sleep(Math.max(0, deadline - Date.now()))]);
    } catch (e) { out.mathjaxError = String(e); }
  }
  const short = (s) => s.replace(/\s+/g, " ").trim().slice(0, 80);
  mathNodes.forEach((n) => { if (!n.querySelector("mjx-container")) out.math.push(short(n.textContent)); });
  // a TeX error: report its message and, when MathJax kept it, the TeX source of the formula
  const sources = new Map();
  try {
    for (const item of window.MathJax.startup.document.math) {
      if (item.typesetRoot) sources.set(item.typesetRoot, item.math);
    }
  } catch (e) { /* no MathJax document */ }
  document.querySelectorAll("mjx-merror").forEach((n) => {
    const root = n.closest("mjx-container");
    const tex = root && sources.has(root) ? ` in ${short(sources.get(root))}` : "";
    out.merror.push(short(n.textContent) + tex);
  });
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {acceptNode: (t) => {
    const p = t.parentElement;
    if (!p || p.closest("script, style, pre, code, textarea, mjx-container, .highlight, .math")) {
      return NodeFilter.FILTER_REJECT;
    }
    return /\\\(|\\\[|\$\$/.test(t.textContent) ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP;
  }});
  for (let t = walker.nextNode(); t; t = walker.nextNode()) out.rawTex.push(short(t.textContent));
  // widgets: html-manager renders each saved view into a .widget-subarea just before its <script>
  const viewType = "application/vnd.jupyter.widget-view+json";
  const views = Array.from(document.querySelectorAll(`script[type="${viewType}"]`));
  const rendered = (s) => {
    const prev = s.previousElementSibling;
    return prev && prev.classList.contains("widget-subarea") && prev.childElementCount > 0;
  };
  const embedder = typeof window.require === "function" && document.querySelector('script[src*="embed-amd"]');
  const widgetDeadline = Math.min(deadline, Date.now() + 15000);
  while (embedder && views.some((s) => !rendered(s)) && Date.now() < widgetDeadline) await sleep(100);
  out.widgets = {views: views.length, unrendered: views.filter((s) => !rendered(s)).length};
  imgs.forEach((img) => {
    if (!img.complete || img.naturalWidth === 0) out.images.push(img.getAttribute("src") || "(no src)");
  });
  out.ids = Array.from(document.querySelectorAll("[id]"), (e) => e.id)
    .concat(Array.from(document.querySelectorAll("a[name]"), (e) => e.getAttribute("name")));
  out.links = Array.from(document.querySelectorAll("a[href]"), (a) => a.href);
  return out;
}
"""


@dataclass
class PageResult:
    """What one page showed: its failures by check name, the ids it defines, the links it holds."""

    page: str
    failures: list[tuple[str, str]] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    links: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def fail(self, check: str, message: str) -> None:
        self.failures.append((check, message))


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A request the browser dropped when it moved on (a broken pipe) is not an error of the site."""
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve ``site`` on 127.0.0.1 (ephemeral port) in a daemon thread; return the server and base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = _QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def site_pages(site: Path) -> list[str]:
    """Every HTML page of the site, as paths relative to it (posix), sorted."""
    skip = {"_static", "_sources", "_images", "_downloads"}
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                  if not (set(p.relative_to(site).parts[:-1]) & skip))


def notebook_pages(site: Path) -> set[str]:
    """Pages built from notebooks: Jupyter Book copies each source to ``_sources/<page>.ipynb``."""
    return {p.relative_to(site / "_sources").with_suffix(".html").as_posix()
            for p in (site / "_sources").rglob("*.ipynb")} if (site / "_sources").is_dir() else set()


def check_page(context: Any, base: str, page: str, source: str, is_notebook: bool,
               timeout_s: float) -> PageResult:
    """Load one page in a new tab and run every per-page check (links are resolved later)."""
    result = PageResult(page)
    start = time.monotonic()
    redirect = REFRESH.search(source)
    if redirect:  # a redirect page (the site's index.html): only its target is checked
        result.links = [urllib.parse.urljoin(base + page, html.unescape(redirect.group(1)))]
        return result
    tab = context.new_page()
    tab.on("console", lambda m: result.fail("console", f"console {m.type}: {m.text[:200]}")
           if m.type == "error" else None)
    tab.on("pageerror", lambda e: result.fail("console", f"page error: {str(e)[:200]}"))
    # the browser's own /favicon.ico probe is not the page's request (the theme sets no favicon)
    tab.on("requestfailed", lambda r: result.fail("console", f"request failed: {r.url} ({r.failure})")
           if not r.url.endswith("/favicon.ico") else None)
    tab.on("response", lambda r: result.fail("console", f"HTTP {r.status}: {r.url}")
           if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    try:
        tab.goto(base + page, wait_until="load", timeout=timeout_s * 1000)
        probe = tab.evaluate(PAGE_PROBE, {"timeoutMs": int(timeout_s * 1000)})
    except Exception as exc:  # noqa: BLE001 - any browser failure is this page's failure
        result.fail("console", f"page did not load: {str(exc).splitlines()[0]}")
        tab.close()
        return result
    if probe["math"] and not probe["mathjax"]:
        result.fail("math", f"{len(probe['math'])} math node(s) and no MathJax, e.g. {probe['math'][0]!r}")
    elif probe["math"]:
        result.fail("math", f"{len(probe['math'])} math node(s) not typeset, e.g. {probe['math'][0]!r}")
    if probe["mathjaxError"]:
        result.fail("math", f"MathJax failed: {probe['mathjaxError']}")
    for text in probe["merror"][:3]:
        result.fail("math", f"MathJax error in a formula: {text!r}")
    for text in probe["rawTex"][:3]:
        result.fail("math", f"raw TeX in the text: {text!r}")
    for src in probe["images"]:
        result.fail("image", f"broken image: {src}")
    if probe["widgets"]["unrendered"]:
        result.fail("widget", f"{probe['widgets']['unrendered']} of {probe['widgets']['views']} saved widget "
                              "view(s) did not render (loading-widget placeholders)")
    result.ids = set(probe["ids"])
    result.links = probe["links"]
    if is_notebook:
        name = page[:-len(".html")] + ".ipynb"
        if not any(h.startswith(COLAB_PREFIX) and h.endswith("/" + name) for h in result.links):
            result.fail("colab", f"no Colab launch link to {name}")
    tab.close()
    result.seconds = time.monotonic() - start
    return result


def check_links(site: Path, base: str, results: dict[str, PageResult]) -> None:
    """Dead internal links: a target file that does not exist, or an anchor its page does not define."""
    for result in results.values():
        seen: set[str] = set()
        for href in result.links:
            if not href.startswith(base) or href in seen:
                continue
            seen.add(href)
            parsed = urllib.parse.urlsplit(href)
            target = urllib.parse.unquote(parsed.path)[1:] or "index.html"
            if target.endswith("/"):
                target += "index.html"
            if not (site / target).is_file():
                result.fail("link", f"dead link: {href[len(base):]} (no file {target})")
                continue
            anchor = urllib.parse.unquote(parsed.fragment)
            if anchor and target in results and anchor not in results[target].ids:
                result.fail("link", f"dead anchor: {href[len(base):]} (no id {anchor!r} on {target})")


def screenshot(context: Any, base: str, page: str, out: Path, mode: str, timeout_s: float) -> Path:
    """A full-page screenshot of ``page`` in the pydata theme's ``mode`` (light or dark)."""
    tab = context.new_page()
    tab.add_init_script(f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');")
    tab.goto(base + page, wait_until="load", timeout=timeout_s * 1000)
    tab.evaluate(PAGE_PROBE, {"timeoutMs": int(timeout_s * 1000)})
    tab.evaluate("(mode) => { document.documentElement.dataset.theme = mode; "
                 "document.documentElement.dataset.mode = mode; }", mode)
    tab.evaluate("document.fonts.ready.then(() => true)")
    tab.wait_for_timeout(800)  # the theme's transitions (sidebar, colours) settle
    path = out / f"{page[:-len('.html')].replace('/', '-')}-{mode}.png"
    tab.screenshot(path=str(path), full_page=True)
    tab.close()
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("site", type=Path, help="the built site, e.g. _build/html")
    parser.add_argument("--chromium", required=True,
                        help="path of the Chromium binary (e.g. /usr/bin/chromium)")
    parser.add_argument("--screenshots", type=Path, default=Path("_build/screenshots"),
                        help="directory for the screenshots (default: _build/screenshots)")
    parser.add_argument("--shot", action="append", metavar="PAGE",
                        help="a page to screenshot, relative to the site (repeatable; default: "
                             + ", ".join(DEFAULT_SHOTS) + "; defaults missing from the site are skipped)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per page (default 30)")
    args = parser.parse_args(argv)

    site = args.site.resolve()
    if not (site / "index.html").is_file():
        print(f"check_site: {args.site} has no index.html (build the book first: make book)", file=sys.stderr)
        return 2
    if not args.chromium or not os.access(args.chromium, os.X_OK):
        print(f"check_site: no Chromium at {args.chromium!r} (apt install chromium, or pass --chromium PATH)",
              file=sys.stderr)
        return 2
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("check_site: playwright is missing (pip install -e '.[test]')", file=sys.stderr)
        return 2
    shots = args.shot or [p for p in DEFAULT_SHOTS if (site / p).is_file()]
    missing = [p for p in shots if not (site / p).is_file()]
    if missing:
        print(f"check_site: no page {', '.join(missing)} in {args.site}", file=sys.stderr)
        return 2

    pages = site_pages(site)
    notebooks = notebook_pages(site)
    server, base = serve(site)
    blocked: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith(base) or r.request.url.startswith(("data:", "blob:", "about:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort("internetdisconnected")

    start = time.monotonic()
    results: dict[str, PageResult] = {}
    saved: list[Path] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=False)
            context.route("**/*", route)
            for page in pages:
                source = (site / page).read_text(encoding="utf-8", errors="replace")
                results[page] = check_page(context, base, page, source, page in notebooks, args.timeout)
            check_links(site, base, results)
            args.screenshots.mkdir(parents=True, exist_ok=True)
            for page in shots:
                for mode in ("light", "dark"):
                    saved.append(screenshot(context, base, page, args.screenshots, mode, args.timeout))
            browser.close()
    finally:
        server.shutdown()
        server.server_close()

    failures = [(page, check, msg) for page, r in results.items() for check, msg in r.failures]
    counts: dict[str, int] = defaultdict(int)
    for _, check, _ in failures:
        counts[check] += 1
    print(f"check_site: {len(pages)} pages ({len(notebooks)} from notebooks) in "
          f"{time.monotonic() - start:.1f} s, served from {base}, every other request aborted "
          f"({len(blocked)} blocked)")
    slowest = max(results.values(), key=lambda r: r.seconds, default=None)
    if slowest:
        print(f"  slowest page: {slowest.page} ({slowest.seconds:.1f} s)")
    print("  " + ", ".join(f"{c}: {counts.get(c, 0)} failure(s)" for c in CHECKS))
    for path in saved:
        print(f"  screenshot: {path}")
    if failures:
        print(f"check_site: FAILED, {len(failures)} failure(s):")
        for page, check, msg in failures:
            print(f"  {page}: [{check}] {msg}")
        return 1
    print("check_site: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
