"""book/reproducing-the-grid.ipynb: its main checks can fail.

The appendix asserts (1) that a sweep of the slice runs every task once, (2) that a rerun after
losing results runs exactly the missing tasks, and the store then holds every task once, (3) that
SGD's error falls with the step size, (4) that the 160 means agree with the published ones (a
Bonferroni family of Welch tests), and (5) that two wrong settings fail that comparison. The slice is
trained once (the shared cells); each variant then perturbs the key quantity of one claim: a rerun
into the wrong store, a store missing a task, the step sizes in reverse order, runs relabelled with
the wrong step size, and a "control" that is in fact the right setting.
"""

from __future__ import annotations

from editions import BOOK, run_variants

CHAPTER = BOOK / "reproducing-the-grid.ipynb"
RUN = "report = sweep.run("                     # the sweep of the slice (shared: about a minute)
RESUME = "lost = sorted("                       # delete results, rerun, load
STEP = 'sgd = runs[(runs.optimizer == "sgd")'   # SGD: larger steps are better
COMPARE = "comparison = paper_grid.compare_with_published(runs)"
CONTROLS = "def smallest_p(frame)"


def test_checks_pass_unperturbed_and_fail_when_perturbed():
    results = run_variants(CHAPTER, shared=["all_tasks = paper_grid.slice_tasks", RUN], variants={
        "unperturbed": ([RESUME, STEP, COMPARE, CONTROLS], {}),
        # the rerun goes to an empty store: it runs everything again, not the missing tasks
        # (the variants share the kernel: this one deletes nothing, so the store stays whole for the next)
        "wrong store": ([RESUME], {"again = sweep.run(paper_grid.grid_task, tasks, store=store,":
                                   "again = sweep.run(paper_grid.grid_task, tasks[:8], store=Path(tempfile.mkdtemp()),",
                                   "    path.unlink()": "    pass"}),
        # one task's runs are missing from what was loaded
        "missing task": ([RESUME], {'per_task = runs.groupby("_hash").size()':
                                    'per_task = runs.iloc[40:].groupby("_hash").size()'}),
        # the step sizes in reverse order: "larger is better" becomes "smaller is better"
        "reversed steps": ([RESUME, STEP], {'values="error")   # rows: draws':
                                            'values="error").iloc[:, ::-1]   # rows: draws'}),
        # our gamma = 10 runs compared as if they were gamma = 100 and vice versa
        "swapped steps": ([RESUME, COMPARE], {COMPARE: "comparison = paper_grid.compare_with_published("
                                              "runs.assign(lr=runs.lr.replace({10.0: 100.0, 100.0: 10.0})))"}),
        # a "control" that relabels nothing must not be rejected
        "idle control": ([RESUME, CONTROLS], {"assign(lr=lambda f: f.lr * 10)": "assign(lr=lambda f: f.lr * 1)"}),
    })
    assert results["unperturbed"].index is None, results["unperturbed"]
    expected = {"wrong store": "ran exactly the", "missing task": "exactly once",
                "reversed steps": "larger step size lowers", "swapped steps": "Bonferroni",
                "idle control": "control (step size x 10)"}
    for name, text in expected.items():
        result = results[name]
        assert result.ename == "CheckFailed", (name, result)
        assert text in result.evalue, (name, result)
