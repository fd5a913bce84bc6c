"""Write the student edition: ``_build/student/book/*.ipynb`` without solutions (``make student``)."""

from __future__ import annotations

import sys

from editions import STUDENT_DIR, write_student_edition
from notebook_conventions import ROOT

if __name__ == "__main__":
    if sys.argv[1:]:
        print(__doc__)
        raise SystemExit(2)
    for path in write_student_edition():
        print(f"wrote {path.relative_to(ROOT)}")
    print(f"Student edition in {STUDENT_DIR.relative_to(ROOT)}: solutions removed, stubs and checks kept.")
