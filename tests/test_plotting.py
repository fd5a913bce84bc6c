"""Tests of amtools.plotting: the figure style, band and guide_line."""

from __future__ import annotations

import math

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

import amtools
import torch
from matplotlib.collections import PolyCollection

from amtools.plotting import PALETTE, STYLE, band, guide_line, plain_log_ticks, use_style


@pytest.fixture(autouse=True)
def _clean():
    matplotlib.rc_file_defaults()
    yield
    plt.close("all")
    matplotlib.rc_file_defaults()


@pytest.fixture
def ax():
    _, ax = plt.subplots()
    return ax


def _fills(ax):
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


def test_use_style_sets_white_background_and_palette():
    matplotlib.rcParams["figure.facecolor"] = "black"
    matplotlib.rcParams["axes.facecolor"] = "black"
    use_style()
    assert matplotlib.rcParams["figure.facecolor"] == "white"
    assert matplotlib.rcParams["axes.facecolor"] == "white"
    assert matplotlib.rcParams["savefig.facecolor"] == "white"
    colors = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    assert [c.upper() for c in colors] == [c.upper() for c in PALETTE]
    for key, value in STYLE.items():
        if key != "axes.prop_cycle":
            got = matplotlib.rcParams[key]
            assert (list(got) if isinstance(got, (list, tuple)) else got) == \
                (list(value) if isinstance(value, (list, tuple)) else value), key


def test_palette_is_eight_distinct_hex_colours():
    assert len(PALETTE) == len(set(PALETTE)) == 8
    assert all(matplotlib.colors.is_color_like(c) for c in PALETTE)


def test_band_draws_mean_line_and_fill_for_several_trials(ax):
    x = np.array([1.0, 2.0, 3.0])
    values = torch.tensor([[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]])
    line = band(ax, x, values, label="error", color="#D55E00")
    np.testing.assert_allclose(line.get_xdata(), x)
    np.testing.assert_allclose(line.get_ydata(), [2.0, 3.0, 4.0])
    assert line.get_label() == "error"
    fills = _fills(ax)
    assert len(fills) == 1
    verts = fills[0].get_paths()[0].vertices
    std = np.std([[1, 2, 3], [3, 4, 5]], axis=0, ddof=1)
    assert verts[:, 1].min() == pytest.approx((np.array([2, 3, 4]) - std).min())
    assert verts[:, 1].max() == pytest.approx((np.array([2, 3, 4]) + std).max())
    assert matplotlib.colors.same_color(fills[0].get_facecolor()[0][:3], line.get_color())


def test_band_has_one_width_for_the_whole_book(ax):
    with pytest.raises(TypeError):
        band(ax, [1, 2], np.array([[0.0, 0.0], [2.0, 2.0]]), k=2.0)   # no per-figure band widths
    assert amtools.plotting.BAND == 1.0


def test_band_caption_states_trials_width_and_randomness():
    text = amtools.plotting.band_caption(20, "embeddings and data")
    assert "20 independent trials" in text and "one standard deviation" in text
    assert "embeddings and data" in text
    assert "no band" in amtools.plotting.band_caption(1, "data")
    with pytest.raises(ValueError, match="trials"):
        amtools.plotting.band_caption(0, "data")
    with pytest.raises(TypeError, match="randomness"):
        amtools.plotting.band_caption(5, " ")


def test_band_single_trial_draws_only_the_line(ax):
    line = band(ax, [1, 2, 3], [0.5, 0.25, 0.125])
    assert len(ax.lines) == 1 and _fills(ax) == []
    np.testing.assert_allclose(line.get_ydata(), [0.5, 0.25, 0.125])
    band(ax, [1, 2, 3], np.array([[0.5, 0.25, 0.125]]))
    assert len(ax.lines) == 2 and _fills(ax) == []


def test_band_on_log_axes_masks_non_positive_lower_edge(ax):
    values = np.array([[0.1, 1.0, 1.0], [1.9, 1.2, 1.0]])   # mean - std < 0 at x = 1
    band(ax, [1.0, 2.0, 3.0], values)
    linear = _fills(ax)[0].get_paths()[0].vertices
    assert linear[:, 1].min() < 0 and 1.0 in linear[:, 0]
    _, log_ax = plt.subplots()
    log_ax.set_yscale("log")
    band(log_ax, [1.0, 2.0, 3.0], values)
    verts = np.concatenate([path.vertices for path in _fills(log_ax)[0].get_paths()])
    assert np.all(verts[:, 1] > 0)             # nothing non-positive on a log axis
    assert 1.0 not in verts[:, 0]              # the point with a negative lower edge is dropped


def test_band_passes_line_kwargs(ax):
    line = band(ax, [1, 2], [[1, 2], [2, 3]], linestyle=":", marker="o")
    assert line.get_linestyle() == ":" and line.get_marker() == "o"


@pytest.mark.parametrize("x, values", [
    ([1, 2, 3], [[1.0, 2.0], [3.0, 4.0]]),
    ([1, 2], [1.0, 2.0, 3.0]),
    (torch.arange(4), torch.ones(3, 5)),
])
def test_band_rejects_mismatched_lengths(ax, x, values):
    with pytest.raises(ValueError, match="values has .* columns but x has"):
        band(ax, x, values)


def test_guide_line_values_and_style(ax):
    x = [1.0, 10.0, 100.0]
    line = guide_line(ax, x, -0.5, 2.0, label="theory")
    np.testing.assert_allclose(line.get_ydata(), [2.0, 2.0 / np.sqrt(10), 0.2])
    np.testing.assert_allclose(line.get_xdata(), x)
    assert line.get_linestyle() == "--"
    assert line.get_label() == "theory"
    assert matplotlib.colors.same_color(line.get_color(), "#555555")
    other = guide_line(ax, torch.tensor([2.0, 4.0]), 1.0, 3.0, color="red")
    np.testing.assert_allclose(other.get_ydata(), [6.0, 12.0])
    assert matplotlib.colors.same_color(other.get_color(), "red")


def test_plain_log_ticks_labels_given_values_plainly(ax):
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.plot([10, 20, 50], [0.5, 0.2, 0.1])
    assert plain_log_ticks(ax, x=[10, 20, 50], y=np.array([0.1, 0.2, 0.5])) is ax
    ax.figure.canvas.draw()
    np.testing.assert_allclose(ax.get_xticks(), [10, 20, 50])
    np.testing.assert_allclose(ax.get_yticks(), [0.1, 0.2, 0.5])
    labels = [t.get_text().replace("\u2212", "-") for t in ax.get_xticklabels()]
    assert labels == ["10", "20", "50"]
    assert all("10^" not in t.get_text() and "times" not in t.get_text()
               for t in ax.get_yticklabels())
    assert isinstance(ax.xaxis.get_minor_formatter(), matplotlib.ticker.NullFormatter)
    assert isinstance(ax.yaxis.get_minor_formatter(), matplotlib.ticker.NullFormatter)


def test_plain_log_ticks_leaves_other_axis_alone(ax):
    before = ax.yaxis.get_major_locator()
    plain_log_ticks(ax, x=[1, 2])
    assert ax.yaxis.get_major_locator() is before


@pytest.mark.parametrize("kwargs", [dict(x=[]), dict(x=[1, 0]), dict(y=[-1.0, 2.0])])
def test_plain_log_ticks_rejects_non_positive_or_empty(ax, kwargs):
    with pytest.raises(ValueError, match="ticks"):
        plain_log_ticks(ax, **kwargs)


# ---------------------------------------------------------------- issue 7: bad axes, values, ticks

NOT_AXES = [None, "ax", 3, np.zeros(2), [1, 2], plt]


@pytest.mark.parametrize("bad", NOT_AXES)
def test_helpers_refuse_a_non_axes_ax(bad):
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        band(bad, [1, 2], [1.0, 2.0])
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        guide_line(bad, [1, 2], -1.0, 1.0)
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        plain_log_ticks(bad, x=[1, 2])


def test_an_array_of_axes_gets_a_hint():
    _, axes = plt.subplots(1, 2)
    with pytest.raises(TypeError, match=r"index the array: axes\[0\]"):
        band(axes, [1, 2], [1.0, 2.0])


@pytest.mark.parametrize("name, x, values, exc", [
    ("values", [1, 2], np.ones((2, 2, 2)), ValueError),
    ("values", [1, 2], [[1.0, np.nan], [1.0, 2.0]], ValueError),
    ("values", [1, 2], [1.0, np.inf], ValueError),
    ("values", [1, 2], "ab", TypeError),
    ("values", [1, 2], None, TypeError),
    ("values", [1, 2], torch.tensor([1 + 1j, 2j]), TypeError),
    ("values", [1, 2], torch.tensor([True, False]), TypeError),
    ("values", [1, 2], [[1.0, 2.0], [1.0]], ValueError),
    ("values", [1, 2], 3.0, ValueError),
    ("values", [], np.zeros((2, 0)), ValueError),
    ("values", [1, 2], [10**400, 1], TypeError),
    ("x", [1, np.nan], [1.0, 2.0], ValueError),
    ("x", [[1, 2]], [1.0, 2.0], ValueError),
    ("x", "12", [1.0, 2.0], TypeError),
    ("x", {1: 2, 3: 4}, [1.0, 2.0], TypeError),
    ("x", [1j, 2j], [1.0, 2.0], TypeError),
])
def test_band_refuses_bad_x_and_values(ax, name, x, values, exc):
    with pytest.raises(exc, match=name):
        band(ax, x, values)
    assert len(ax.lines) == 0                # nothing drawn


@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(label=3), TypeError, "label"), (dict(color="not-a-colour"), ValueError, "color"),
    (dict(color=5), ValueError, "color"), (dict(bogus=1), TypeError, "keyword"),
])
def test_band_refuses_bad_label_colour_and_keywords(ax, kwargs, exc, name):
    with pytest.raises(exc, match=name):
        band(ax, [1, 2], [[1.0, 2.0], [2.0, 3.0]], **kwargs)


@pytest.mark.parametrize("args, exc, name", [
    (([0, 1], -1.0, 1.0), ValueError, "x must be positive"),
    (([-1, 1], 0.5, 1.0), ValueError, "x must be positive"),
    (([1, np.inf], -1.0, 1.0), ValueError, "x must contain only finite"),
    (([1, 2], "1", 1.0), TypeError, "exponent"),
    (([1, 2], np.nan, 1.0), ValueError, "exponent"),
    (([1, 2], 1j, 1.0), TypeError, "exponent"),
    (([1, 2], -1.0, None), TypeError, "prefactor"),
    (([1, 2], -1.0, math.inf), ValueError, "prefactor"),
    (([1, 2], -1.0, 10**400), ValueError, "prefactor"),
    (([1e10, 1e300], 5.0, 1.0), ValueError, "overflows"),
    ((None, -1.0, 1.0), TypeError, "x must be"),
])
def test_guide_line_refuses_bad_arguments(ax, args, exc, name):
    with pytest.raises(exc, match=name):
        guide_line(ax, *args)
    assert len(ax.lines) == 0


def test_guide_line_refuses_bad_label_and_colour(ax):
    with pytest.raises(TypeError, match="label"):
        guide_line(ax, [1, 2], -1.0, 1.0, label=["a"])
    with pytest.raises(ValueError, match="color"):
        guide_line(ax, [1, 2], -1.0, 1.0, color=None)


@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(x="10"), TypeError, "x ticks"), (dict(y=[1, "a"]), TypeError, "y ticks"),
    (dict(x=5), ValueError, "x ticks"), (dict(y=[[1, 2]]), ValueError, "y ticks"),
    (dict(x=[1, math.nan]), ValueError, "x ticks"), (dict(y=[1, math.inf]), ValueError, "y ticks"),
    (dict(x=[1 + 1j]), TypeError, "x ticks"), (dict(x=torch.tensor([True])), TypeError, "x ticks"),
    (dict(x={1: 2}), TypeError, "x ticks"), (dict(y=np.array([])), ValueError, "y ticks"),
])
def test_plain_log_ticks_refuses_bad_ticks(ax, kwargs, exc, name):
    with pytest.raises(exc, match=name):
        plain_log_ticks(ax, **kwargs)


def test_plain_log_ticks_changes_nothing_when_one_axis_is_bad(ax):
    before = ax.xaxis.get_major_locator()
    with pytest.raises(ValueError, match="y ticks"):
        plain_log_ticks(ax, x=[1, 2], y=[0, 1])
    assert ax.xaxis.get_major_locator() is before


def test_plain_log_ticks_accepts_tensors_and_arrays(ax):
    plain_log_ticks(ax, x=torch.tensor([10, 20]), y=np.array([0.1, 0.5]))
    np.testing.assert_allclose(ax.get_xticks(), [10, 20])
    np.testing.assert_allclose(ax.get_yticks(), [0.1, 0.5])


@pytest.mark.parametrize("trials, exc", [(True, TypeError), (2.0, TypeError), (10**400, ValueError),
                                         (-1, ValueError), (None, TypeError)])
def test_band_caption_refuses_bad_trials(trials, exc):
    with pytest.raises(exc, match="trials"):
        amtools.plotting.band_caption(trials, "data")


@pytest.mark.parametrize("randomness", [None, 3, b"data", ""])
def test_band_caption_refuses_bad_randomness(randomness):
    with pytest.raises(TypeError, match="randomness"):
        amtools.plotting.band_caption(3, randomness)
