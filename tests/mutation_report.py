"""Per-module mutation scores from mutmut's results in ``mutants/`` (the last step of ``make mutation``).

A mutant counts as *killed* when a test failed on it (or it timed out, mutmut's convention). The
score of a module is ``killed / counted``. Mutants that only change the text of an error message
(string constants inside a ``raise``) are *message-text* mutants: a killed one counts (a test pins
that message), a surviving one is left out of the score, since tests pin the argument a message
names, not its wording. The last line is the score over the result-computing modules:
``mutation score: X% (killed/counted)``. ``--survivors`` lists the surviving mutants (inspect one
with ``mutmut show <name>``).
"""

from __future__ import annotations

import ast
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTANTS = ROOT / "mutants" / "amtools"
RESULT_MODULES = ("zipf", "embeddings", "memory", "storage", "theory", "fitting", "checks")
KILLED = {1, 3, 36, -24, 24, 152, 255}       # mutmut: test failure, pytest error, timeouts
SURVIVED = {0, 5, 33}                         # survived, or no test covers the line


def _functions(tree: ast.AST) -> dict[str, ast.FunctionDef]:
    return {n.name: n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}


class _Blank(ast.NodeTransformer):
    """Blank the string constants that sit inside ``raise`` statements."""

    def visit_Raise(self, node: ast.Raise) -> ast.AST:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                sub.value = ""
        return node


def _shape(fn: ast.FunctionDef) -> str:
    fn = ast.parse(ast.unparse(fn)).body[0]  # a copy
    fn.name = "f"
    return ast.dump(_Blank().visit(fn))


def message_only(functions: dict[str, ast.FunctionDef], key: str) -> bool:
    """True if the mutant differs from the original only in the text of raised messages."""
    name = key.rsplit(".", 1)[-1]
    orig = functions.get(name.rsplit("__mutmut_", 1)[0] + "__mutmut_orig")
    mutant = functions.get(name)
    if orig is None or mutant is None:
        return False
    return _shape(orig) == _shape(mutant) and ast.dump(orig) != ast.dump(mutant)


def module_stats(module: str) -> tuple[Counter, list[str]]:
    meta = json.loads((MUTANTS / f"{module}.py.meta").read_text())
    functions = _functions(ast.parse((MUTANTS / f"{module}.py").read_text()))
    stats: Counter = Counter()
    survivors = []
    for key, code in meta["exit_code_by_key"].items():
        stats["total"] += 1
        if code in KILLED:
            stats["killed"] += 1
            stats["counted"] += 1
        elif code in SURVIVED:
            if message_only(functions, key):
                stats["message-text survivors (left out)"] += 1
            else:
                stats["survived"] += 1
                stats["counted"] += 1
                survivors.append(key)
        else:  # not checked, interrupted, suspicious, segfault: counted, not killed
            stats["other"] += 1
            stats["counted"] += 1
            survivors.append(key)
    return stats, survivors


def main(argv: list[str]) -> int:
    if not MUTANTS.exists():
        print("no mutants/ directory: run `make mutation` first")
        return 2
    modules = sorted(p.name[: -len(".py.meta")] for p in MUTANTS.glob("*.py.meta"))
    total: Counter = Counter()
    all_survivors = []
    print(f"{'module':12s} {'killed':>7s} {'counted':>8s} {'score':>7s} {'survived':>9s} {'msg-text left out':>18s}")
    for module in modules:
        stats, survivors = module_stats(module)
        score = 100 * stats["killed"] / max(stats["counted"], 1)
        print(f"{module:12s} {stats['killed']:7d} {stats['counted']:8d} {score:6.1f}% "
              f"{stats['survived'] + stats['other']:9d} {stats['message-text survivors (left out)']:18d}")
        if module in RESULT_MODULES:
            total += stats
        all_survivors += survivors
    if "--survivors" in argv:
        print("\n".join(["", "surviving mutants:"] + all_survivors))
    score = 100 * total["killed"] / max(total["counted"], 1)
    print(f"mutation score: {score:.1f}% ({total['killed']}/{total['counted']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
