"""Tests of amtools.runtime: seeds, device, profile, style and the environment stamp."""

from __future__ import annotations

import platform
import random

import matplotlib
import numpy as np
import pytest
import torch

import amtools
import amtools as am
from amtools import Setup, environment_stamp, pick_device, seed_everything, setup
from amtools.runtime import PROFILE_VARIABLE, PROFILES


@pytest.fixture(autouse=True)
def _restore_rcparams():
    matplotlib.rc_file_defaults()
    yield
    matplotlib.rc_file_defaults()


@pytest.fixture
def no_profile(monkeypatch):
    monkeypatch.delenv(PROFILE_VARIABLE, raising=False)


def _draws():
    return torch.rand(3).tolist(), np.random.rand(3).tolist(), [random.random() for _ in range(3)]


def test_setup_is_reproducible(no_profile, capsys):
    s1 = setup(123)
    first = _draws()
    g1 = torch.rand(4, generator=s1.generator)
    s2 = setup(123)
    second = _draws()
    g2 = torch.rand(4, generator=s2.generator)
    assert first == second
    assert torch.equal(g1, g2)
    setup(124)
    assert _draws() != first


def test_seed_everything_seeds_all_generators():
    gen = seed_everything(5)
    a = _draws() + (torch.rand(2, generator=gen).tolist(),)
    gen = seed_everything(5)
    b = _draws() + (torch.rand(2, generator=gen).tolist(),)
    assert a == b
    assert isinstance(gen, torch.Generator) and gen.device.type == "cpu"
    seed_everything(2**40)   # seeds beyond NumPy's 32-bit range are folded, not rejected


@pytest.mark.parametrize("seed, exc", [(-1, ValueError), (1.5, TypeError), ("0", TypeError),
                                       (None, TypeError)])
def test_seed_validation(seed, exc):
    with pytest.raises(exc, match="seed"):
        seed_everything(seed)
    with pytest.raises(exc, match="seed"):
        setup(seed, quiet=True)


def test_setup_returns_cpu_device_here(no_profile, capsys):
    s = setup(0)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert s.device == torch.device(expected)
    assert setup(0, device="cpu", quiet=True).device == torch.device("cpu")


def test_setup_stamp_and_colab_hint_on_cpu(no_profile, capsys):
    s = setup(7, device="cpu")
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    stamp = lines[0]
    assert f"amtools {amtools.__version__}" in stamp
    assert f"torch {torch.__version__}" in stamp
    assert f"numpy {np.__version__}" in stamp
    assert f"python {platform.python_version()}" in stamp
    assert "device cpu" in stamp and "seed 7" in stamp and "profile default" in stamp
    assert stamp == environment_stamp(7, s.device, "default")
    assert "Colab" in out and "GPU" in out and "AMTOOLS_PROFILE=paper" in out


def test_setup_quiet_prints_nothing(no_profile, capsys):
    setup(0, quiet=True)
    assert capsys.readouterr().out == ""


def test_environment_stamp_format():
    stamp = environment_stamp(3, torch.device("cpu"), "paper")
    assert stamp.startswith(f"amtools {amtools.__version__} | torch ")
    assert stamp.endswith("| device cpu | seed 3 | profile paper")


def test_profile_from_environment(monkeypatch):
    monkeypatch.setenv(PROFILE_VARIABLE, "paper")
    s = setup(0, quiet=True)
    assert s.profile == "paper" and s.paper
    assert s.pick(10, 10_000) == 10_000
    monkeypatch.setenv(PROFILE_VARIABLE, "default")
    s = setup(0, quiet=True)
    assert s.profile == "default" and not s.paper
    assert s.pick(10, 10_000) == 10
    monkeypatch.setenv(PROFILE_VARIABLE, "")
    assert setup(0, quiet=True).profile == "default"
    # an explicit argument wins over the environment
    monkeypatch.setenv(PROFILE_VARIABLE, "paper")
    assert setup(0, profile="default", quiet=True).profile == "default"


def test_default_profile_without_environment(no_profile):
    assert setup(0, quiet=True).profile == "default"
    assert PROFILES == ("default", "paper")


def test_bad_profile_from_environment_or_argument(monkeypatch):
    monkeypatch.setenv(PROFILE_VARIABLE, "huge")
    with pytest.raises(ValueError, match="profile"):
        setup(0, quiet=True)
    monkeypatch.delenv(PROFILE_VARIABLE)
    with pytest.raises(ValueError, match="profile.*'fast'"):
        setup(0, profile="fast", quiet=True)
    with pytest.raises(TypeError, match="profile"):
        setup(0, profile=1, quiet=True)


def test_setup_pick_and_dataclass(no_profile):
    s = Setup(seed=1, device=torch.device("cpu"), profile="default", generator=torch.Generator())
    assert s.pick("small", "big") == "small"
    p = Setup(seed=1, device=torch.device("cpu"), profile="paper", generator=torch.Generator())
    assert p.pick("small", "big") == "big"
    assert s != p
    assert s == Setup(seed=1, device=torch.device("cpu"), profile="default",
                      generator=torch.Generator().manual_seed(99))   # generator not compared
    assert "generator" not in repr(s)
    with pytest.raises(Exception):
        s.seed = 2   # frozen


def test_generator_on_is_freshly_seeded(no_profile):
    s = setup(11, device="cpu", quiet=True, style=False)
    a = torch.rand(3, generator=s.generator_on())
    b = torch.rand(3, generator=s.generator_on("cpu"))
    assert torch.equal(a, b)
    assert torch.equal(a, torch.rand(3, generator=torch.Generator().manual_seed(11)))


def test_setup_applies_the_style(no_profile):
    assert matplotlib.rcParams["axes.grid"] is False
    assert matplotlib.rcParams["axes.spines.top"] is True
    setup(0, quiet=True)
    assert matplotlib.rcParams["axes.grid"] is True
    assert matplotlib.rcParams["axes.spines.top"] is False
    assert matplotlib.rcParams["figure.facecolor"] == "white"


def test_setup_style_false_leaves_rcparams(no_profile):
    setup(0, quiet=True, style=False)
    assert matplotlib.rcParams["axes.grid"] is False


def test_pick_device():
    assert pick_device("cpu") == torch.device("cpu")
    assert pick_device(torch.device("cpu")) == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert pick_device() == torch.device(expected)
    with pytest.raises(TypeError, match="device"):
        pick_device(0.5)
    with pytest.raises(ValueError, match="device"):
        pick_device("not-a-device")
    with pytest.raises(ValueError, match="device"):
        setup(0, device="not-a-device", quiet=True)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_setup_and_generator(no_profile, capsys):
    s = setup(0)
    assert s.device.type == "cuda"
    assert "Colab" not in capsys.readouterr().out
    gen = s.generator_on()
    assert gen.device.type == "cuda"
    p = amtools.zipf(100, 1.0, device=s.device)
    tokens = amtools.sample_tokens(p, 1000, 2, generator=gen)
    assert tokens.device.type == "cuda"
    counts = amtools.token_counts(tokens, 100)
    assert counts.sum().item() == 2000
    E = amtools.random_embeddings(100, 128, 2, "orthonormal", gen)
    U = amtools.random_embeddings(10, 128, 2, "orthonormal", gen)
    targets = torch.arange(100, device=s.device) % 10
    pred = amtools.decode(amtools.memory_matrix((counts > 0).float(), E, U, targets), E, U)
    err = amtools.generalization_error(pred, targets, p)
    assert err.device.type == "cuda"
    assert (err <= (counts == 0).double() @ p + 1e-6).all()


# ---------------------------------------------------------------- reproducibility that can fail

@pytest.mark.parametrize("seed", [0, 1, 2, 7, 31, 32, 33, 2**32 + 5, 2**63 - 1])
def test_each_generator_gets_the_seed_itself(seed):
    """Python and torch get ``seed``, NumPy ``seed mod 2**32``: compared with freshly seeded generators."""
    gen = seed_everything(seed)
    assert [random.random() for _ in range(3)] == _python_draws(seed)
    seed_everything(seed)
    assert [random.random() for _ in range(3)] == _python_draws(seed)
    assert np.random.rand(3).tolist() == np.random.RandomState(seed % 2**32).rand(3).tolist()
    assert torch.equal(torch.rand(3), torch.rand(3, generator=torch.Generator().manual_seed(seed)))
    assert torch.equal(torch.rand(3, generator=gen), torch.rand(3, generator=torch.Generator().manual_seed(seed)))


def _python_draws(seed, n=3):
    rng = random.Random(seed)
    return [rng.random() for _ in range(n)]


@pytest.mark.parametrize("a, b", [(1, 2), (0, 32), (0, 1), (2, 3), (31, 32), (5, 2**32 + 6)])
def test_different_seeds_give_different_streams_everywhere(a, b, no_profile):
    draws = []
    for seed in (a, b):
        s = setup(seed, quiet=True, style=False)
        draws.append((torch.rand(4).tolist(), np.random.rand(4).tolist(), [random.random() for _ in range(4)],
                      torch.rand(4, generator=s.generator).tolist(),
                      torch.rand(4, generator=s.generator_on("cpu")).tolist()))
    for first, second in zip(*draws):          # every generator separately
        assert first != second


def test_setup_generator_repeats_for_the_same_seed(no_profile):
    a = setup(42, quiet=True, style=False)
    b = setup(42, quiet=True, style=False)
    assert isinstance(a.generator, torch.Generator) and a.generator.device.type == "cpu"
    assert a.generator is not b.generator
    x = torch.rand(5, generator=a.generator)
    assert torch.equal(x, torch.rand(5, generator=b.generator))
    assert torch.equal(x, torch.rand(5, generator=torch.Generator().manual_seed(42)))
    assert a.seed == 42
    # the generator is fresh: drawing from the global generator in between does not shift it
    c = setup(42, quiet=True, style=False)
    torch.rand(10)
    assert torch.equal(x, torch.rand(5, generator=c.generator))


def test_numpy_seed_is_the_seed_mod_2_32():
    seed_everything(2**32 + 3)
    folded = np.random.rand(3).tolist()
    seed_everything(3)
    assert np.random.rand(3).tolist() == folded
    assert folded == np.random.RandomState(3).rand(3).tolist()


# ---------------------------------------------------------------- devices and huge seeds

CUDA = torch.cuda.is_available()


@pytest.mark.parametrize("device, exc", [
    ("gpu", ValueError), ("GPU", ValueError), ("cuda:0x", ValueError), ("float32", ValueError),
    ("meta", ValueError), ("", ValueError), (0, TypeError), (1.5, TypeError), (True, TypeError),
    (torch.float32, TypeError), (["cpu"], TypeError),
] + ([] if CUDA else [("cuda", ValueError), ("cuda:0", ValueError), (torch.device("cuda"), ValueError)]))
def test_bad_devices_are_refused_up_front(device, exc, no_profile):
    with pytest.raises(exc, match="device"):
        pick_device(device)
    with pytest.raises(exc, match="device"):
        setup(0, device=device, quiet=True, style=False)
    s = setup(0, device="cpu", quiet=True, style=False)
    with pytest.raises(exc, match="device"):
        s.generator_on(device)
    with pytest.raises(exc, match="device"):
        environment_stamp(0, device, "default")


@pytest.mark.skipif(CUDA, reason="checks the message when CUDA is absent")
def test_cuda_without_cuda_says_so():
    with pytest.raises(ValueError, match="CUDA.*not available"):
        pick_device("cuda")


@pytest.mark.parametrize("seed", [2**63, 2**64, 2**64 + 1, 10**400])
def test_huge_seeds_are_a_value_error(seed, no_profile):
    with pytest.raises(ValueError, match="seed"):
        seed_everything(seed)
    with pytest.raises(ValueError, match="seed"):
        setup(seed, quiet=True)
    with pytest.raises(ValueError, match="seed"):
        environment_stamp(seed, "cpu", "default")


@pytest.mark.parametrize("seed", [True, torch.tensor(True), torch.tensor(1.0), 1 + 0j, np.float64(1.0)])
def test_non_integer_seeds_are_a_type_error(seed):
    with pytest.raises(TypeError, match="seed"):
        seed_everything(seed)


def test_integer_like_seeds_are_accepted():
    for seed in (np.int64(3), torch.tensor(3), np.uint32(3)):
        a = torch.rand(2, generator=seed_everything(seed))
        assert torch.equal(a, torch.rand(2, generator=torch.Generator().manual_seed(3)))


@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(style=1), TypeError, "style"), (dict(style="yes"), TypeError, "style"),
    (dict(quiet=None), TypeError, "quiet"), (dict(quiet=0), TypeError, "quiet"),
])
def test_setup_flags_must_be_bools(kwargs, exc, name, no_profile):
    with pytest.raises(exc, match=name):
        setup(0, **kwargs)


@pytest.mark.parametrize("profile, exc", [("huge", ValueError), (None, TypeError), (3, TypeError)])
def test_environment_stamp_validates_profile(profile, exc):
    with pytest.raises(exc, match="profile"):
        environment_stamp(0, "cpu", profile)


def test_environment_stamp_accepts_a_device_string():
    assert environment_stamp(1, "cpu", "default").endswith("| device cpu | seed 1 | profile default")


def test_reproducibility_line_names_version_commit_device_seed_profile():
    import re

    line = am.reproducibility_line(7, "cpu", "paper")
    assert line.startswith(f"Reproducibility: amtools {am.__version__} · commit ")
    assert re.search(r"commit ([0-9a-f]{7,}|unknown) · device cpu · seed 7 · profile paper$", line), line


def test_footer_prints_the_setup_line(capsys):
    env = am.setup(seed=3, quiet=True, style=False)
    am.footer(env)
    assert capsys.readouterr().out.strip() == am.reproducibility_line(3, env.device, env.profile)


@pytest.mark.parametrize("bad, exc", [((-1, "cpu", "default"), ValueError), ((0, None, "default"), TypeError),
                                      ((0, "cpu", "fast"), ValueError), ((0, "gpu", "default"), ValueError)])
def test_reproducibility_line_rejects_bad_arguments(bad, exc):
    with pytest.raises(exc):
        am.reproducibility_line(*bad)


def test_footer_rejects_a_non_setup():
    with pytest.raises(TypeError, match="env"):
        am.footer("cpu")
