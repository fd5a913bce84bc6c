"""Tests of amtools.explore: the pure recall callbacks and their thin widget wiring."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from amtools.explore import (RecallResult, capacity_explorer, plot_recall, recall_grid,
                             stored_recall)

FAST = settings(max_examples=30, deadline=None, database=None)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_stored_recall_is_pure():
    a = stored_recall(30, 16, M=4, trials=5, seed=3)
    b = stored_recall(30, 16, M=4, trials=5, seed=3)
    torch.manual_seed(999)   # the global generator must not matter
    c = stored_recall(30, 16, M=4, trials=5, seed=3)
    for other in (b, c):
        assert torch.equal(a.accuracy, other.accuracy)
        assert torch.equal(a.probs, other.probs)
    assert not torch.equal(a.accuracy, stored_recall(30, 16, M=4, trials=5, seed=4).accuracy)


def test_stored_recall_result_fields():
    r = stored_recall(12, 8, M=3, trials=4, seed=0)
    assert isinstance(r, RecallResult)
    assert (r.n_stored, r.d, r.M) == (12, 8, 3)
    assert r.accuracy.shape == (4,) and r.accuracy.dtype == torch.float64
    assert ((r.accuracy >= 0) & (r.accuracy <= 1)).all()
    # accuracy is a fraction of the 12 stored inputs
    np.testing.assert_allclose((r.accuracy * 12).numpy(), np.round((r.accuracy * 12).numpy()))
    assert r.probs.shape == (12, 3)
    torch.testing.assert_close(r.probs.sum(-1), torch.ones(12, dtype=torch.float64))
    assert r.mean == pytest.approx(r.accuracy.mean().item())
    assert r.std == pytest.approx(r.accuracy.std().item())
    assert stored_recall(5, 8, trials=1).std == 0.0


def test_stored_recall_matches_a_plain_recomputation():
    n, d, M, trials, seed = 25, 10, 4, 3, 7
    r = stored_recall(n, d, M=M, trials=trials, seed=seed)
    gen = torch.Generator().manual_seed(seed)
    from amtools import random_embeddings
    E = random_embeddings(n, d, trials, "gaussian", gen).double().numpy()
    U = random_embeddings(M, d, trials, "gaussian", gen).double().numpy()
    for t in range(trials):
        W = sum(np.outer(U[t, x % M], E[t, x]) for x in range(n))
        right = sum(int(np.argmax(U[t] @ W @ E[t, x])) == x % M for x in range(n))
        assert r.accuracy[t].item() == pytest.approx(right / n)
    s0 = U[0] @ (sum(np.outer(U[0, x % M], E[0, x]) for x in range(n))) @ E[0].T   # [M, n]
    expected_probs = np.exp(s0.T) / np.exp(s0.T).sum(-1, keepdims=True)
    np.testing.assert_allclose(r.probs.numpy(), expected_probs, atol=1e-5)


@FAST
@given(d=st.integers(2, 24), data=st.data())
def test_orthonormal_memory_recalls_everything_below_capacity(d, data):
    n = data.draw(st.integers(1, d))
    M = data.draw(st.integers(2, d))
    seed = data.draw(st.integers(0, 10_000))
    r = stored_recall(n, d, M=M, trials=3, seed=seed, kind="orthonormal")
    assert r.mean == 1.0
    assert (r.accuracy == 1.0).all()


def test_recall_drops_far_beyond_capacity():
    r = stored_recall(200, 8)
    assert r.mean < 0.6
    assert stored_recall(200, 8, kind="sphere").mean < 0.6


def test_recall_grid_shape_values_and_trend_in_d():
    ns, ds = [5, 20, 80], [4, 16, 64, 256]
    grid = recall_grid(ns, ds, M=5, trials=10, seed=1)
    assert grid.shape == (3, 4) and grid.dtype == torch.float64
    assert grid[1, 2].item() == pytest.approx(stored_recall(20, 64, M=5, trials=10, seed=1).mean)
    # more dimensions, better recall (first vs last column); more stored, worse (first vs last row)
    assert (grid[:, -1] > grid[:, 0]).all()
    assert grid[0, -1] >= grid[-1, -1] and grid[0, 0] > grid[-1, 0]
    assert grid[:, -1].min() > 0.9


def test_recall_grid_rejects_empty_and_bad_sizes():
    with pytest.raises(ValueError, match="ns"):
        recall_grid([], [4])
    with pytest.raises(ValueError, match="ds"):
        recall_grid([4], [])
    with pytest.raises(ValueError, match="n_stored"):
        recall_grid([0], [4])
    with pytest.raises(ValueError, match="statistic"):
        recall_grid([4], [8], statistic="median")
    with pytest.raises(ValueError, match="kind"):
        recall_grid([4], [8], kind="uniform")
    with pytest.raises(ValueError, match="M"):
        recall_grid([4], [8], M=1)
    with pytest.raises(ValueError, match="n <= d"):
        recall_grid([4, 16], [8], kind="orthonormal")


def test_recall_grid_statistics_and_kind():
    ns, ds = [3, 30], [4, 64]
    mean = recall_grid(ns, ds, M=3, trials=6, seed=2)
    perfect = recall_grid(ns, ds, M=3, trials=6, seed=2, statistic="perfect")
    for i, n in enumerate(ns):
        for j, d in enumerate(ds):
            r = stored_recall(n, d, M=3, trials=6, seed=2)
            assert perfect[i, j].item() == pytest.approx(r.perfect)
            assert mean[i, j].item() == pytest.approx(r.mean)
    assert (perfect <= mean + 1e-12).all()        # all-right trials are rarer than average recall
    ortho = recall_grid([2, 8], [8, 16], M=4, trials=3, kind="orthonormal", statistic="perfect")
    assert (ortho == 1.0).all()
    # sizes from NumPy (e.g. a log-spaced grid) are accepted
    grid = recall_grid(np.array([4, 8]), np.logspace(3, 5, 2, base=2), M=3, trials=2)
    assert grid.shape == (2, 2)


def test_recall_result_perfect_counts_all_right_trials():
    r = RecallResult(4, 8, 2, torch.tensor([1.0, 0.75, 1.0, 0.5], dtype=torch.float64),
                     torch.full((4, 2), 0.5, dtype=torch.float64))
    assert r.perfect == 0.5 and r.mean == pytest.approx(0.8125)


@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(n_stored=0), ValueError, "n_stored"),
    (dict(n_stored=2.5), TypeError, "n_stored"),
    (dict(d=0), ValueError, "d must"),
    (dict(d="8"), TypeError, "d must"),
    (dict(M=1), ValueError, "M"),
    (dict(M=3.0), TypeError, "M"),
    (dict(trials=0), ValueError, "trials"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(seed=0.5), TypeError, "seed"),
    (dict(kind="uniform"), ValueError, "kind"),
    (dict(n_stored=9, d=8, kind="orthonormal"), ValueError, "n <= d"),
    (dict(n_stored=4, d=4, M=5, kind="orthonormal"), ValueError, "n <= d"),
])
def test_stored_recall_rejects_bad_arguments(kwargs, exc, name):
    args = dict(n_stored=4, d=8, M=3, trials=2)
    args.update(kwargs)
    with pytest.raises(exc, match=name):
        stored_recall(**args)


def test_plot_recall_returns_axes_with_title_and_heat_map():
    r = stored_recall(10, 16, M=4, trials=3)
    ax = plot_recall(r)
    assert isinstance(ax, matplotlib.axes.Axes)
    assert "n = 10, d = 16" in ax.get_title()
    assert len(ax.images) == 1
    np.testing.assert_allclose(ax.images[0].get_array(), r.probs.numpy())
    assert ax.get_xlabel() == "output y" and ax.get_ylabel() == "stored input x"
    boxes = ax.collections[0].get_offsets()
    np.testing.assert_array_equal(np.asarray(boxes), np.stack([np.arange(10) % 4, np.arange(10)], 1))
    _, given_ax = plt.subplots()
    assert plot_recall(r, ax=given_ax) is given_ax


@pytest.mark.parametrize("bad", [None, 0.5, {"n_stored": 3}, torch.ones(3, 3)])
def test_plot_recall_rejects_non_results(bad):
    with pytest.raises(TypeError, match="result"):
        plot_recall(bad)


def test_capacity_explorer_builds_a_widget():
    import ipywidgets

    w = capacity_explorer(M=4, trials=2)
    assert isinstance(w, ipywidgets.Widget)
    assert isinstance(w, ipywidgets.interactive)
    names = {c.description for c in w.children if hasattr(c, "description")}
    assert {"stored n", "dimension d"} <= names
    values = {c.description: c.value for c in w.children if hasattr(c, "description")}
    assert values["stored n"] == 20 and values["dimension d"] == 32


@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(M=1), ValueError, "M"), (dict(M=2.5), TypeError, "M"),
    (dict(trials=0), ValueError, "trials"), (dict(trials="3"), TypeError, "trials"),
])
def test_capacity_explorer_rejects_bad_arguments(kwargs, exc, name):
    with pytest.raises(exc, match=name):
        capacity_explorer(**kwargs)
