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
    with pytest.raises(ValueError, match="ns must be >= 1"):
        recall_grid([0], [4])
    with pytest.raises(ValueError, match="statistic"):
        recall_grid([4], [8], statistic="median")
    with pytest.raises(ValueError, match="kind"):
        recall_grid([4], [8], kind="uniform")
    with pytest.raises(ValueError, match="M"):
        recall_grid([4], [8], M=1)
    with pytest.raises(ValueError, match=r"every n in ns and M <= every d in ds, got max\(ns\)=16, M=5"):
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
    (dict(n_stored=9, d=8, kind="orthonormal"), ValueError, "n_stored <= d .*, got n_stored=9 > d=8"),
    (dict(n_stored=4, d=4, M=5, kind="orthonormal"), ValueError, "M <= d .*, got M=5 > d=4"),
    (dict(n_stored=2, d=4, M=5, kind="orthonormal"), ValueError, "got M=5 > d=4"),
    (dict(kind=None), ValueError, "kind"),
    (dict(n_stored=True), TypeError, "n_stored"),
    (dict(d=torch.tensor(True)), TypeError, "d must"),
    (dict(seed=2**64), ValueError, "seed"),
    (dict(seed=10**400), ValueError, "seed"),
    (dict(n_stored=10**6, d=10**4), ValueError, "n_stored=1000000, d=10000"),
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


# ---------------------------------------------------------------- scaling explorer
import math  # noqa: E402

from amtools import error_grid  # noqa: E402
from amtools.explore import (SCALING_SCHEMES, ScalingView, plot_scaling_view,  # noqa: E402
                             scaling_explorer, scaling_view)

SMALL = dict(N=60, M=3, trials=3, points=4)


@pytest.mark.parametrize("scheme", SCALING_SCHEMES)
def test_scaling_view_is_pure(scheme):
    a = scaling_view(2.0, scheme, 40, 300, seed=5, **SMALL)
    torch.manual_seed(999)   # the global generator must not matter
    b = scaling_view(2.0, scheme, 40, 300, seed=5, **SMALL)
    assert a.ds == b.ds and a.Ts == b.Ts
    assert torch.equal(a.errors_d, b.errors_d) and torch.equal(a.errors_T, b.errors_T)
    c = scaling_view(2.0, scheme, 40, 300, seed=6, **SMALL)
    assert not (torch.equal(a.errors_d, c.errors_d) and torch.equal(a.errors_T, c.errors_T))


def test_scaling_view_shapes_grids_and_fields():
    v = scaling_view(1.5, "fill", 37, 250, **SMALL)
    assert isinstance(v, ScalingView)
    assert (v.alpha, v.scheme, v.d, v.T, v.N, v.M) == (1.5, "fill", 37, 250, 60, 3)
    assert 37 in v.ds and 250 in v.Ts
    assert list(v.ds) == sorted(set(v.ds)) and list(v.Ts) == sorted(set(v.Ts))
    assert v.ds[0] == 10 and v.ds[-1] == 1000 and v.Ts[0] == 10 and v.Ts[-1] == 10_000
    assert v.errors_d.shape == (3, len(v.ds)) and v.errors_T.shape == (3, len(v.Ts))
    assert v.errors_d.dtype == torch.float64
    assert ((v.errors_d >= 0) & (v.errors_d <= 1)).all() and ((v.errors_T >= 0) & (v.errors_T <= 1)).all()
    assert v.errors.shape == (3,)
    assert v.mean == pytest.approx(v.errors.mean().item())
    assert v.std == pytest.approx(v.errors.std().item())
    assert scaling_view(2.0, "fill", 20, 30, N=30, trials=1, points=3).std == 0.0
    # the grids widen to include a point outside the default ranges
    w = scaling_view(2.0, "frequency", 1500, 5, N=30, trials=1, points=3)
    assert w.ds[-1] == 1500 and w.Ts[0] == 5


@pytest.mark.parametrize("scheme", SCALING_SCHEMES)
def test_scaling_view_point_is_on_both_curves(scheme):
    v = scaling_view(2.0, scheme, 64, 500, **SMALL)
    i, j = v.ds.index(64), v.Ts.index(500)
    assert torch.equal(v.errors_d[:, i], v.errors_T[:, j])
    assert torch.equal(v.errors, v.errors_T[:, j])


def test_scaling_view_matches_error_grid():
    v = scaling_view(2.0, "threshold", 64, 500, seed=2, **SMALL)
    grid = error_grid(60, 3, 2.0, list(v.ds), list(v.Ts), "threshold", rho=0.0, top=lambda d: d // 8,
                      trials=3, seed=2, device="cpu")
    torch.testing.assert_close(v.errors_d, grid[:, :, v.Ts.index(500)])
    torch.testing.assert_close(v.errors_T, grid[:, v.ds.index(64), :])
    f = scaling_view(2.0, "frequency", 64, 500, seed=2, **SMALL)
    grid_f = error_grid(60, 3, 2.0, list(f.ds), list(f.Ts), "frequency", trials=3, seed=2, device="cpu")
    torch.testing.assert_close(f.errors_d, grid_f[:, :, f.Ts.index(500)])


def test_scaling_view_trends():
    # threshold at alpha = 2: more memory and more data both help (first vs last grid point)
    v = scaling_view(2.0, "threshold", 200, 1000, N=300, trials=6, points=5)
    assert v.errors_d[:, -1].mean() < v.errors_d[:, 0].mean()
    assert v.errors_T[:, -1].mean() < v.errors_T[:, 0].mean()


@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(alpha=-1.0), ValueError, "alpha"),
    (dict(alpha="2"), TypeError, "alpha"),
    (dict(alpha=math.nan), ValueError, "alpha"),
    (dict(scheme="power"), ValueError, "scheme"),
    (dict(scheme=None), ValueError, "scheme"),
    (dict(d=0), ValueError, "d must"),
    (dict(d=10.5), TypeError, "d must"),
    (dict(T=0), ValueError, "T must"),
    (dict(T=math.inf), TypeError, "T must"),
    (dict(N=0), ValueError, "N must"),
    (dict(M=1), ValueError, "M must"),
    (dict(trials=0), ValueError, "trials"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(points=1), ValueError, "points"),
])
def test_scaling_view_rejects_bad_arguments(kwargs, exc, name):
    args = dict(alpha=2.0, scheme="fill", d=20, T=100, N=30, M=3, trials=1, points=3)
    args.update(kwargs)
    with pytest.raises(exc, match=name):
        scaling_view(**args)


def test_plot_scaling_view_returns_axes():
    v = scaling_view(2.0, "threshold", 50, 200, **SMALL)
    axes = plot_scaling_view(v)
    assert len(axes) == 2 and all(isinstance(ax, matplotlib.axes.Axes) for ax in axes)
    assert axes[0].get_title() == "threshold, α = 2: error vs d at T = 200"
    assert axes[1].get_title().startswith("error vs T at d = 50 (point: ")
    assert axes[0].get_xscale() == "log" and axes[1].get_yscale() == "log"
    # the marked point sits at (d, mean) and (T, mean)
    marks = [line for line in axes[0].lines if line.get_marker() == "o"]
    assert len(marks) == 1 and marks[0].get_xdata()[0] == 50
    assert marks[0].get_ydata()[0] == pytest.approx(v.mean)
    labels = [t.get_text() for t in axes[0].get_legend().get_texts()]
    assert any("slope -1" in s for s in labels)                   # threshold guide d^{-(alpha-1)}
    _, given = plt.subplots(1, 2)
    assert plot_scaling_view(scaling_view(0.5, "fill", 50, 200, **SMALL), axes=given) is given


@pytest.mark.parametrize("bad, exc", [(None, TypeError), (0.5, TypeError), ({"d": 3}, TypeError)])
def test_plot_scaling_view_rejects_non_views(bad, exc):
    with pytest.raises(exc, match="view"):
        plot_scaling_view(bad)


def test_plot_scaling_view_needs_two_axes():
    _, ax = plt.subplots(1, 3)
    with pytest.raises(ValueError, match="axes"):
        plot_scaling_view(scaling_view(2.0, "fill", 20, 30, N=30, trials=1, points=3), axes=ax)


def test_scaling_explorer_builds_a_widget():
    import ipywidgets

    w = scaling_explorer(N=50, M=3, trials=2)
    assert isinstance(w, ipywidgets.interactive)
    values = {c.description: c.value for c in w.children if hasattr(c, "description")}
    assert {"alpha", "scheme", "dimension d", "samples T"} <= set(values)
    assert values["alpha"] == 2.0 and values["scheme"] == "threshold"
    assert values["dimension d"] == 100 and values["samples T"] == 1000
    scheme = next(c for c in w.children if getattr(c, "description", "") == "scheme")
    assert tuple(scheme.options) == SCALING_SCHEMES


@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(N=0), ValueError, "N"), (dict(M=1), ValueError, "M"), (dict(M=2.5), TypeError, "M"),
    (dict(trials=0), ValueError, "trials"), (dict(trials="3"), TypeError, "trials"),
])
def test_scaling_explorer_rejects_bad_arguments(kwargs, exc, name):
    with pytest.raises(exc, match=name):
        scaling_explorer(**kwargs)


# ---------------------------------------------------------------- issue 7: sizes, names, costs

def test_stored_recall_names_the_users_argument_not_the_internal_n():
    """n_stored=2 with M=5 outputs in d=4: the message is about M, never about an 'n=5' the user never passed."""
    with pytest.raises(ValueError) as info:
        stored_recall(2, 4, M=5, kind="orthonormal")
    assert "M=5" in str(info.value) and "n=5" not in str(info.value)


@pytest.mark.parametrize("ns, exc", [
    ([2.5, 4], ValueError), ([4, math.nan], ValueError), ([math.inf], ValueError), (5, TypeError),
    (torch.tensor(5), TypeError), (np.array([2.5]), ValueError), ("4", TypeError), ([True], TypeError),
    ([4, "8"], TypeError), (torch.tensor([[4]]), TypeError), ([2**64], ValueError), ([-1], ValueError),
    (None, TypeError), ({4: 1}, TypeError),
])
def test_recall_grid_refuses_non_integer_or_scalar_sizes(ns, exc):
    with pytest.raises(exc, match="ns"):
        recall_grid(ns, [8], trials=1)
    with pytest.raises(exc, match="ds"):
        recall_grid([4], ns, trials=1)


def test_recall_grid_integral_floats_are_the_same_sizes():
    ints = recall_grid([3, 9], [4, 16], M=3, trials=3, seed=1)
    for ns, ds in (([3.0, 9.0], [4.0, 16.0]), (torch.tensor([3.0, 9.0]), torch.tensor([4, 16])),
                   (np.array([3.0, 9.0]), np.array([4, 16]))):
        assert torch.equal(recall_grid(ns, ds, M=3, trials=3, seed=1), ints)


@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(M=1.5), TypeError, "M"), (dict(trials=True), TypeError, "trials"), (dict(seed=-1), ValueError, "seed"),
    (dict(kind=3), ValueError, "kind"), (dict(statistic=None), ValueError, "statistic"),
    (dict(ns=[10**5], ds=[10**4]), ValueError, "ns and ds.*n=100000, d=10000"),
])
def test_recall_grid_checks_everything_before_computing(kwargs, exc, name):
    args = dict(ns=[4], ds=[8], trials=2)
    args.update(kwargs)
    with pytest.raises(exc, match=name):
        recall_grid(**args)


def test_stored_recall_memory_cap_admits_the_books_sizes():
    from amtools.explore import MAX_RECALL_ENTRIES

    assert 200 * ((700 + 5) * 512 + 512 * 512) <= MAX_RECALL_ENTRIES   # paper profile of the chapter
    with pytest.raises(ValueError, match="d=20000"):
        stored_recall(1, 20_000, trials=1)                               # a 20000 x 20000 memory


@pytest.mark.parametrize("kwargs, name", [
    (dict(T=10**9), "T=1000000000 with trials=10 needs 160 GB"),
    (dict(T=2**62), "T="), (dict(trials=10**5), "trials=100000"),
    (dict(N=10**6), "N=1000000"), (dict(d=10**6), "d=1000000"), (dict(M=10**5), "M=100000"),
    (dict(points=10**6), "points must be <="),
])
def test_scaling_view_refuses_huge_sizes_before_allocating(kwargs, name):
    args = dict(alpha=2.0, scheme="fill", d=20, T=100, N=30, M=3, trials=10, points=3)
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        scaling_view(**args)


def test_scaling_view_memory_caps_admit_the_book_and_widget_sizes():
    from amtools.explore import MAX_EMBEDDING_ENTRIES, MAX_SAMPLES
    from amtools.explore.scaling import _check_view_cost

    for trials in (10, 50):
        assert _check_view_cost(1000, 5, 1000, 10**4, trials, 12) == (1000, 10**4)
    assert _check_view_cost(30, 3, 5, 7, 1, 3) == (1000, 10**4)
    assert 10 * 10**4 <= MAX_SAMPLES and MAX_EMBEDDING_ENTRIES == 2**28


@pytest.mark.parametrize("kwargs, name", [(dict(N=10**6), "N=1000000"), (dict(trials=10**5), "trials")])
def test_scaling_explorer_refuses_sizes_its_sliders_cannot_run(kwargs, name):
    with pytest.raises(ValueError, match=name):
        scaling_explorer(**kwargs)


def test_capacity_explorer_refuses_sizes_its_sliders_cannot_run():
    with pytest.raises(ValueError, match="trials=100000"):
        capacity_explorer(trials=10**5)


@pytest.mark.parametrize("bad, exc", [
    ("ax", TypeError), (3, TypeError), (np.zeros(2), TypeError), ([None], TypeError),
])
def test_plot_recall_refuses_a_bad_ax(bad, exc):
    r = stored_recall(4, 8, M=3, trials=2)
    with pytest.raises(exc, match="ax must be a matplotlib Axes"):
        plot_recall(r, ax=bad)


def test_plot_scaling_view_refuses_bad_axes():
    v = scaling_view(2.0, "fill", 20, 30, N=30, trials=1, points=3)
    _, ax = plt.subplots()
    for bad in (ax, "ab", 3, [ax, "x"], [ax, None], {"a": ax}):
        with pytest.raises(TypeError, match="axes"):
            plot_scaling_view(v, axes=bad)
    with pytest.raises(ValueError, match="two matplotlib Axes, got 1"):
        plot_scaling_view(v, axes=[ax])
    _, grid = plt.subplots(2, 2)
    with pytest.raises(ValueError, match="got 4"):
        plot_scaling_view(v, axes=grid)
    _, two_rows = plt.subplots(2, 2)
    row = two_rows[0]
    assert plot_scaling_view(v, axes=row) is row               # a row of a subplot grid
    _, pair = plt.subplots(1, 2)
    assert plot_scaling_view(v, axes=tuple(pair)) == tuple(pair)


# ---------------------------------------------------------------- Hopfield explorer
from amtools import hopfield as hf  # noqa: E402
from amtools.explore import (HOPFIELD_ALPHA_C, MAX_HOPFIELD_ENTRIES, HopfieldView,  # noqa: E402
                             hopfield_explorer, hopfield_view, plot_hopfield_view)

HOP = dict(trials=4, points=5, sweeps=5)


def test_hopfield_view_is_pure():
    a = hopfield_view(0.1, 40, seed=3, **HOP)
    torch.manual_seed(999)   # the global generator must not matter
    b = hopfield_view(0.1, 40, seed=3, **HOP)
    assert a.Ks == b.Ks and torch.equal(a.overlaps, b.overlaps)
    c = hopfield_view(0.1, 40, seed=4, flips=0.3, **HOP)
    d = hopfield_view(0.1, 40, seed=5, flips=0.3, **HOP)
    assert not torch.equal(c.overlaps, d.overlaps)


def test_hopfield_view_shapes_grid_and_fields():
    v = hopfield_view(0.13, 50, bias=0.2, flips=0.1, **HOP)
    assert isinstance(v, HopfieldView)
    assert (v.load, v.N, v.bias, v.flips, v.sweeps) == (0.13, 50, 0.2, 0.1, 5)
    assert v.K == 6 and 6 in v.Ks
    assert list(v.Ks) == sorted(set(v.Ks)) and v.Ks[-1] == 15          # up to max_load * N = 0.3 * 50
    assert v.overlaps.shape == (4, len(v.Ks)) and v.overlaps.dtype == torch.float64
    assert ((v.overlaps >= -1) & (v.overlaps <= 1)).all()
    # an overlap of N units is a multiple of 2/N
    assert torch.allclose(v.overlaps * 50 / 2, (v.overlaps * 50 / 2).round(), atol=1e-6)
    torch.testing.assert_close(v.loads, torch.tensor(v.Ks, dtype=torch.float64) / 50)
    assert v.at_point.shape == (4,) and v.mean == pytest.approx(v.at_point.mean().item())
    assert v.std == pytest.approx(v.at_point.std().item())
    assert hopfield_view(0.1, 20, trials=1, points=2).std == 0.0
    # a point beyond max_load widens the grid; K is at least 1
    assert hopfield_view(0.8, 10, trials=1, points=3).Ks[-1] == 8
    assert hopfield_view(0.01, 10, trials=1, points=3).K == 1


def test_hopfield_view_one_pattern_is_recalled_or_inverted():
    # one stored pattern: any probe with fewer than N/2 wrong bits returns to it, more than N/2 to its inverse
    for flips, m in ((0.0, 1.0), (0.3, 1.0), (0.8, -1.0), (1.0, -1.0)):
        v = hopfield_view(1 / 40, 40, flips=flips, trials=3, points=2, max_load=0.05)
        assert v.Ks[0] == 1 and torch.equal(v.overlaps[:, 0], torch.full((3,), m, dtype=torch.float64))
    # without sweeps the overlap is that of the probe itself: 1 - 2 flips
    v = hopfield_view(0.1, 40, flips=0.25, trials=3, points=3, sweeps=0)
    assert torch.equal(v.overlaps, torch.full_like(v.overlaps, 0.5))


def test_hopfield_view_matches_hebbian_and_recall():
    # the first trial's cell, recomputed with amtools.hopfield from the same draws
    v = hopfield_view(0.1, 30, trials=2, points=2, max_load=0.1, sweeps=3, seed=7)
    gen = torch.Generator().manual_seed(7)
    X = torch.where(torch.rand(2, v.Ks[-1], 30, generator=gen) < 0.5, 1.0, -1.0)
    torch.rand(2, 30, generator=gen)                                   # the (unused) flip positions
    W = torch.stack([hf.hebbian(X[:, :k]) for k in v.Ks])
    final = hf.recall(W, X[:, 0].expand(len(v.Ks), 2, 30), sweeps=3, generator=gen)
    torch.testing.assert_close(v.overlaps, hf.overlap(final, X[:, 0]).T.double())


def test_hopfield_view_trends():
    # random patterns: perfect at low load, lost well beyond 0.138; biased patterns are lost far earlier
    v = hopfield_view(0.05, 200, trials=8, points=6)
    assert v.overlaps[:, 0].mean() > 0.99 and v.overlaps[:, -1].mean() < 0.8
    b = hopfield_view(0.05, 200, bias=0.6, trials=8, points=6)
    assert b.mean < v.mean - 0.2


@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(load=0.0), ValueError, "load"), (dict(load=1.5), ValueError, "load"), (dict(load="0.1"), TypeError, "load"),
    (dict(load=math.nan), ValueError, "load"),
    (dict(N=1), ValueError, "N must"), (dict(N=20.0), TypeError, "N must"),
    (dict(bias=-0.1), ValueError, "bias"), (dict(bias=1.0), ValueError, "bias must be < 1"),
    (dict(flips=-0.1), ValueError, "flips"), (dict(flips=1.5), ValueError, "flips"),
    (dict(trials=0), ValueError, "trials"), (dict(seed=-1), ValueError, "seed"),
    (dict(points=1), ValueError, "points"), (dict(points=10**6), ValueError, "points"),
    (dict(max_load=0.0), ValueError, "max_load"), (dict(max_load=2.0), ValueError, "max_load"),
    (dict(sweeps=-1), ValueError, "sweeps"), (dict(sweeps=10**6), ValueError, "sweeps"),
    (dict(N=10**5), ValueError, "N=100000 with trials=2"),
])
def test_hopfield_view_rejects_bad_arguments(kwargs, exc, name):
    args = dict(load=0.1, N=20, trials=2, points=3)
    args.update(kwargs)
    with pytest.raises(exc, match=name):
        hopfield_view(**args)


def test_hopfield_view_memory_cap_admits_the_chapter_sizes():
    assert 60 * 1000 * 1000 <= MAX_HOPFIELD_ENTRIES           # paper profile: N = 1000, 60 networks per load
    assert 20 * 500 * 500 <= MAX_HOPFIELD_ENTRIES             # the widget's largest N


def test_plot_hopfield_view_returns_axes():
    v = hopfield_view(0.1, 40, **HOP)
    ax = plot_hopfield_view(v)
    assert isinstance(ax, matplotlib.axes.Axes)
    assert ax.get_title() == "N = 40, bias 0, probe flips 0"
    assert ax.get_xlabel() == "load K/N"
    marks = [line for line in ax.lines if line.get_marker() == "o"]
    assert len(marks) == 1 and marks[0].get_xdata()[0] == pytest.approx(v.K / 40)
    assert marks[0].get_ydata()[0] == pytest.approx(v.mean)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("one synchronous step" in s for s in labels) and any(str(HOPFIELD_ALPHA_C) in s for s in labels)
    # the one-step curve 1 - 2P is drawn only for random patterns and exact probes
    ax_b = plot_hopfield_view(hopfield_view(0.1, 40, bias=0.3, **HOP))
    assert not any("one synchronous step" in t.get_text() for t in ax_b.get_legend().get_texts())
    _, given = plt.subplots()
    assert plot_hopfield_view(v, ax=given) is given


@pytest.mark.parametrize("bad", [None, 0.5, {"N": 3}, torch.ones(3)])
def test_plot_hopfield_view_rejects_non_views(bad):
    with pytest.raises(TypeError, match="view"):
        plot_hopfield_view(bad)


def test_plot_hopfield_view_refuses_a_bad_ax():
    v = hopfield_view(0.1, 20, trials=2, points=2)
    for bad in ("ax", 3, np.zeros(2)):
        with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
            plot_hopfield_view(v, ax=bad)


def test_hopfield_explorer_builds_a_widget():
    import ipywidgets

    w = hopfield_explorer(trials=2)
    assert isinstance(w, ipywidgets.interactive)
    values = {c.description: c.value for c in w.children if hasattr(c, "description")}
    assert {"load K/N", "units N", "bias c", "probe flips"} <= set(values)
    assert values["load K/N"] == 0.1 and values["units N"] == 200 and values["bias c"] == 0.0


@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(trials=0), ValueError, "trials"), (dict(trials="3"), TypeError, "trials"),
    (dict(trials=10**5), ValueError, "trials=100000"),
])
def test_hopfield_explorer_rejects_bad_arguments(kwargs, exc, name):
    with pytest.raises(exc, match=name):
        hopfield_explorer(**kwargs)


# ============================================================================ leak_view (memory-units chapter)

from amtools.explore import LeakView, leak_explorer, leak_view, plot_leak_view  # noqa: E402


@pytest.mark.parametrize("leak", [0.0, 0.3, 0.6, 0.95, 1.0])
def test_leak_view_weights_are_a_unit_vector_and_theory_is_exact_at_lag_zero(leak):
    v = leak_view(leak, T=16, d=32, trials=4)
    assert isinstance(v, LeakView) and v.cosines.shape == (4, 16) and v.weights.shape == (16,)
    assert torch.allclose(v.weights.square().sum(), torch.tensor(1.0, dtype=torch.float64))
    assert torch.allclose(v.cosines[:, 0], torch.ones(4, dtype=torch.float64))
    assert v.theory[0] == 1.0
    assert torch.all(v.theory[1:] <= v.theory[:-1] + 1e-12)         # the past fades monotonically


def test_leak_view_cosines_match_the_orthonormal_formula_in_high_dimension():
    v = leak_view(0.7, T=12, d=4096, trials=8, seed=3)
    assert (v.cosines.mean(0) - v.theory).abs().max() < 0.03       # std of a cosine ~ 1/sqrt(d) = 0.016
    w = leak_view(0.7, T=12, d=4096, trials=8, seed=3)
    assert torch.equal(v.cosines, w.cosines)                         # pure


def test_leak_view_edge_leaks_and_half_life():
    zero, one = leak_view(0.0, T=5, d=8, trials=2), leak_view(1.0, T=5, d=8, trials=2)
    assert torch.equal(zero.weights, torch.tensor([1.0, 0, 0, 0, 0], dtype=torch.float64))
    assert torch.allclose(one.weights, torch.full((5,), 5 ** -0.5, dtype=torch.float64))
    assert zero.half_life == 0.0 and one.half_life == math.inf
    assert leak_view(0.5, T=3, d=2, trials=1).half_life == pytest.approx(1.0)


@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(leak=1.5), ValueError, "leak"), (dict(leak=-0.1), ValueError, "leak"), (dict(leak="0.5"), TypeError, "leak"),
    (dict(leak=0.5, T=0), ValueError, "T"), (dict(leak=0.5, d=0), ValueError, "d"),
    (dict(leak=0.5, trials=0), ValueError, "trials"), (dict(leak=0.5, seed=-1), ValueError, "seed"),
    (dict(leak=0.5, T=10**4, d=10**4), ValueError, "cap"),
])
def test_leak_view_rejects_bad_arguments(kwargs, exc, name):
    with pytest.raises(exc, match=name):
        leak_view(**kwargs)


def test_plot_leak_view_draws_and_rejects_non_views():
    import matplotlib.pyplot as plt

    ax = plot_leak_view(leak_view(0.5, T=6, d=8, trials=3))
    assert "half-life" in ax.get_title() and len(ax.get_lines()) >= 2
    plt.close("all")
    for bad in (None, 0.5, torch.ones(3)):
        with pytest.raises(TypeError, match="view"):
            plot_leak_view(bad)


def test_leak_explorer_builds_a_widget_and_validates():
    import ipywidgets

    w = leak_explorer(T=8, trials=2)
    assert isinstance(w, ipywidgets.interactive)
    values = {c.description: c.value for c in w.children if hasattr(c, "description")}
    assert values["leak λ"] == 0.6 and values["dimension d"] == 64
    with pytest.raises(ValueError, match="trials"):
        leak_explorer(trials=0)
    with pytest.raises(ValueError, match="too many"):
        leak_explorer(T=10**4, trials=10)


# ============================================================================ kernel regression: bandwidth view

from amtools import mosaics as _mm  # noqa: E402
from amtools.explore import (BandwidthView, bandwidth_explorer, bandwidth_view,  # noqa: E402
                             plot_bandwidth_view)


def test_bandwidth_view_is_pure_and_shares_the_draw_across_beta():
    a, b = bandwidth_view(30.0, 40, seed=3), bandwidth_view(30.0, 40, seed=3)
    assert torch.equal(a.curve, b.curve) and torch.equal(a.keys, b.keys)
    c = bandwidth_view(300.0, 40, seed=3)
    assert torch.equal(a.keys, c.keys) and torch.equal(a.values, c.values) and not torch.equal(a.curve, c.curve)
    assert not torch.equal(bandwidth_view(30.0, 40, seed=4).keys, a.keys)


def test_bandwidth_view_shapes_and_fields():
    v = bandwidth_view(10.0, 25, noise=0.1, points=17)
    assert isinstance(v, BandwidthView) and (v.beta, v.n, v.noise) == (10.0, 25, 0.1)
    for t, n in ((v.keys, 25), (v.values, 25), (v.grid, 17), (v.curve, 17), (v.nearest, 17), (v.target, 17)):
        assert t.shape == (n,) and t.dtype == torch.float64
    assert bool((v.keys[1:] >= v.keys[:-1]).all()) and 0 <= float(v.keys.min()) and float(v.keys.max()) <= 1
    assert v.grid[0] == 0 and v.grid[-1] == 1
    assert torch.allclose(v.target, torch.sin(2 * torch.pi * v.grid))
    assert v.error == pytest.approx(float(((v.curve - v.target) ** 2).mean()))


def test_bandwidth_view_matches_kernel_regression_and_its_limits():
    v = bandwidth_view(50.0, 30, seed=1, points=9)
    direct = torch.stack([_mm.kernel_regression(v.keys[:, None], v.values[:, None], q[None], 50.0)[0] for q in v.grid])
    assert torch.allclose(v.curve, direct, atol=1e-12)
    flat = bandwidth_view(0.0, 30, seed=1, points=9)
    assert torch.allclose(flat.curve, torch.full((9,), float(flat.values.mean()), dtype=torch.float64), atol=1e-12)
    assert flat.mean == pytest.approx(float(flat.values.mean()))
    sharp = bandwidth_view(1e9, 30, seed=1, points=9)
    assert torch.allclose(sharp.curve, sharp.nearest, atol=1e-9)
    # the nearest-key curve is the value of the closest stored key
    i = (v.grid[:, None] - v.keys[None]).abs().argmin(-1)
    assert torch.equal(v.nearest, v.values[i])


def test_bandwidth_view_noiseless_error_has_an_interior_minimum_in_beta():
    errs = [bandwidth_view(b, 200, noise=0.3, seed=0).error for b in (0.0, 300.0, 1e8)]
    assert errs[1] < errs[0] and errs[1] < errs[2]
    assert bandwidth_view(300.0, 200, noise=0.0).error < 0.01


@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(beta=-1.0, n=5), ValueError, "beta"), (dict(beta="1", n=5), TypeError, "beta"),
    (dict(beta=1.0, n=0), ValueError, "n"), (dict(beta=1.0, n=5, noise=-0.1), ValueError, "noise"),
    (dict(beta=1.0, n=5, points=1), ValueError, "points"), (dict(beta=1.0, n=5, seed=-1), ValueError, "seed"),
    (dict(beta=1.0, n=10**6, points=10**3), ValueError, "n=1000000"),
])
def test_bandwidth_view_rejects_bad_arguments(kwargs, exc, name):
    with pytest.raises(exc, match=name):
        bandwidth_view(**kwargs)


def test_plot_bandwidth_view_draws_and_checks_its_arguments():
    v = bandwidth_view(30.0, 20, points=11)
    ax = plot_bandwidth_view(v)
    assert len(ax.lines) >= 4 and "n = 20" in ax.get_title()
    _, ax2 = plt.subplots()
    assert plot_bandwidth_view(v, ax=ax2) is ax2
    for bad in (None, 0.5, torch.ones(3)):
        with pytest.raises(TypeError, match="view"):
            plot_bandwidth_view(bad)
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        plot_bandwidth_view(v, ax="ax")


def test_bandwidth_explorer_builds_a_widget():
    import ipywidgets

    w = bandwidth_explorer(noise=0.1)
    assert isinstance(w, ipywidgets.interactive)
    values = {c.description: c.value for c in w.children if hasattr(c, "description")}
    assert {"log10 beta", "pairs n", "seed"} <= set(values)
    with pytest.raises(ValueError, match="noise"):
        bandwidth_explorer(noise=-1.0)


# ============================================================================ three moons: forecast view

from amtools.explore import ForecastView, forecast_explorer, forecast_view, plot_forecast_view  # noqa: E402


def _identity_moons_net() -> "_mm.ThreeMoonsNet":
    """A one-head net keyed on the joint state, storing the next input: a nearest-neighbour forecaster."""
    net = _mm.ThreeMoonsNet(1, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        for lin in (net.W_phi, net.W_psi, net.W_z):
            lin.weight.zero_()
            lin.weight[..., 0] = torch.eye(3)
    return net


def test_forecast_view_is_pure_and_has_the_documented_fields():
    net = _mm.ThreeMoonsNet(3, generator=torch.Generator().manual_seed(1))
    a, b = forecast_view(net, 30, T=60, horizon=7, trials=3, seed=2), forecast_view(net, 30, T=60, horizon=7, trials=3, seed=2)
    assert isinstance(a, ForecastView) and torch.equal(a.prediction, b.prediction) and torch.equal(a.truth, b.truth)
    assert a.history.shape == (3, 30, 6) and a.truth.shape == a.prediction.shape == (3, 7, 6)
    assert a.errors.shape == (3, 7) and a.errors.dtype == torch.float64
    assert a.error == pytest.approx(float((a.prediction - a.truth).abs().mean()), rel=1e-6)
    assert a.triple == _mm.VALIDATION_TRIPLE and a.full == pytest.approx(6 / _mm.three_moons_time_step(60))
    assert not any(p.requires_grad for p in (a.prediction,))
    assert not torch.equal(forecast_view(net, 30, T=60, horizon=7, trials=3, seed=3).truth, a.truth)


def test_forecast_view_feeds_the_drawn_sequences_to_generate():
    net = _mm.ThreeMoonsNet(1, generator=torch.Generator().manual_seed(4))
    v = forecast_view(net, 12, T=40, horizon=5, trials=2, seed=9, split="train", system=2)
    x, y = _mm.three_moons(40, 2, split="train", system=2, generator=torch.Generator().manual_seed(9))
    seq = torch.cat([x, y[:, -1:]], 1)
    assert torch.equal(v.history, seq[:, :12]) and torch.equal(v.truth, seq[:, 12:17])
    with torch.no_grad():
        assert torch.equal(v.prediction, net.generate(seq[:, :12], 5))
    assert v.triple == _mm.TRAIN_TRIPLES[2]
    mixed = forecast_view(net, 12, T=40, horizon=5, trials=2, split="train")
    assert math.isnan(mixed.full) and all(math.isnan(p) for p in mixed.periods)


def test_a_joint_state_memory_forecasts_only_after_one_full_period():
    """The argument of the chapter on a hand-built net: exact recurrence needs a full period of context."""
    net, T = _identity_moons_net(), 240
    full = forecast_view(net, 10, T=T).full                        # 80 steps for the validation system
    short = forecast_view(net, int(full) - 10, T=T, horizon=25)
    long = forecast_view(net, int(full) + 20, T=T, horizon=25)
    assert short.error > 0.3 and long.error < 1e-3


def test_forecast_view_validates():
    net = _mm.ThreeMoonsNet(1)
    with pytest.raises(TypeError, match="net"):
        forecast_view(torch.nn.Linear(6, 6), 5, T=20)
    with pytest.raises(ValueError, match="context"):
        forecast_view(net, 0, T=20)
    with pytest.raises(ValueError, match="context \\+ horizon"):
        forecast_view(net, 15, T=20, horizon=7)
    with pytest.raises(ValueError, match="split"):
        forecast_view(net, 5, T=20, split="test")
    with pytest.raises(ValueError, match="cap"):
        forecast_view(net, 5, T=4000, trials=1000)
    with pytest.raises(TypeError, match="view"):
        plot_forecast_view("not a view")


def test_plot_forecast_view_draws_on_two_axes():
    import matplotlib.pyplot as plt

    v = forecast_view(_identity_moons_net(), 90, T=120, horizon=10, trials=3)
    fig, axes = plt.subplots(1, 2)
    left, right = plot_forecast_view(v, axes)
    assert len(left.lines) >= 9 and len(right.lines) >= 1
    plt.close(fig)


def test_forecast_explorer_builds_a_widget_and_validates():
    import ipywidgets

    nets = {"one head": _mm.ThreeMoonsNet(1), "three heads": _mm.ThreeMoonsNet(3)}
    w = forecast_explorer(nets, T=60, horizon=10, trials=2)
    assert isinstance(w, ipywidgets.interactive)
    values = {c.description: c.value for c in w.children if hasattr(c, "description")}
    assert values["network"] == "one head" and values["system"] == "validation" and values["context"] == 30
    with pytest.raises(TypeError, match="nets"):
        forecast_explorer({}, T=60)
    with pytest.raises(TypeError, match="nets\\['x'\\]"):
        forecast_explorer({"x": torch.nn.Linear(6, 6)}, T=60)
    with pytest.raises(ValueError, match="horizon"):
        forecast_explorer(nets, T=60, horizon=61)
