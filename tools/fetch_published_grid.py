"""Download the paper's published grid results (``finer_dim/all.jsonl.gz``), checksum verified.

Usage (from the repository root; ``make published-grid`` runs it)::

    python tools/fetch_published_grid.py [--out data/published/finer_dim-all.jsonl.gz] [--url URL] [--sha256 HEX]

Downloads ``projects/scaling_law/grid_experiments/res/finer_dim/all.jsonl.gz`` of
facebookresearch/pal at the pinned commit (``KNOWN_COMMIT`` of ``tools/extract_published_grid.py``)
into a temporary file next to ``--out``, checks its sha256 (``KNOWN_SHA256``) and only then renames it
to ``--out``; on a mismatch the download is deleted and the script exits with an error. If ``--out``
already exists with the right checksum nothing is downloaded. ``--url`` (e.g. a ``file://`` URL)
and ``--sha256`` replace the pinned source and checksum (the tests use them; the machine may be offline).

Licence: the file is CC BY-NC 4.0 (facebookresearch/pal). The book does not redistribute it; the
output directory ``data/published/`` is git-ignored. ``amtools.paper_grid.read_published_runs`` reads it.
Standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extract_published_grid import KNOWN_COMMIT, KNOWN_SHA256, PATH, REPO  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "data" / "published" / "finer_dim-all.jsonl.gz"
URL = f"https://raw.githubusercontent.com/{REPO}/{KNOWN_COMMIT}/{PATH}"
LICENCE = (f"licence: {REPO} {PATH} is CC BY-NC 4.0 (non-commercial use, attribution); "
           "it is downloaded for your own use and not redistributed by this book")
_CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    """The hex sha256 of the file at ``path``."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(out: str | os.PathLike = DEFAULT_OUT, *, url: str = URL, sha256: str = KNOWN_SHA256,
          timeout: float = 60.0) -> Path:
    """Download ``url`` to ``out`` if ``out`` is not already there with checksum ``sha256``; return ``out``.

    The download goes to a temporary file in ``out``'s directory, renamed to ``out`` only if its sha256
    is ``sha256``; otherwise it is deleted and ``ValueError`` says which checksum came. Network errors
    raise ``OSError`` (``urllib.error.URLError``), with nothing left behind.
    """
    if not isinstance(out, (str, os.PathLike)):
        raise TypeError(f"out must be a file path, got {type(out).__name__}")
    if not isinstance(url, str) or not url:
        raise TypeError(f"url must be a non-empty string, got {type(url).__name__}")
    if not isinstance(sha256, str):
        raise TypeError(f"sha256 must be a hex string, got {type(sha256).__name__}")
    sha256 = sha256.lower()
    if len(sha256) != 64 or any(ch not in "0123456789abcdef" for ch in sha256):
        raise ValueError(f"sha256 must be 64 hex digits, got {sha256!r:.80}")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    out = Path(out)
    if out.is_dir():
        raise ValueError(f"out must be a file path, {str(out)!r} is a directory")
    if out.is_file():
        if sha256_of(out) == sha256:
            print(f"{out} is already there (sha256 {sha256[:12]}...): nothing to download", file=sys.stderr)
            return out
        print(f"{out} has a different sha256: downloading it again", file=sys.stderr)
    out.parent.mkdir(parents=True, exist_ok=True)
    print(f"downloading {url}\n{LICENCE}", file=sys.stderr)
    handle, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    tmp = Path(tmp_name)
    try:
        digest, size = hashlib.sha256(), 0
        with os.fdopen(handle, "wb") as sink, urllib.request.urlopen(url, timeout=timeout) as source:
            for block in iter(lambda: source.read(_CHUNK), b""):
                digest.update(block)
                sink.write(block)
                size += len(block)
            sink.flush()
            os.fsync(sink.fileno())
        got = digest.hexdigest()
        if got != sha256:
            raise ValueError(f"{url}: sha256 {got} is not the expected {sha256} ({size} bytes): "
                             "download deleted, nothing written")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    print(f"wrote {out} ({size / 1e6:.1f} MB, sha256 verified)", file=sys.stderr)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write it (default: %(default)s)")
    parser.add_argument("--url", default=URL, help="where to download it from (default: %(default)s)")
    parser.add_argument("--sha256", default=KNOWN_SHA256, help="expected sha256 (default: %(default)s)")
    parser.add_argument("--timeout", type=float, default=60.0, help="network timeout in seconds")
    args = parser.parse_args(argv)
    try:
        fetch(args.out, url=args.url, sha256=args.sha256, timeout=args.timeout)
    except (ValueError, OSError) as exc:
        print(f"fetch_published_grid: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
