"""One call at the top of every chapter: seeds, device, figure style, size profile.

``setup()`` is the second cell of every notebook. It makes a run reproducible,
picks CUDA when present (else the CPU), applies the book's figure style and
returns a :class:`Setup` whose :meth:`Setup.pick` chooses between the CPU-sized
``default`` profile and the ``paper`` profile (the papers' sizes, for GPUs),
selected by the environment variable ``AMTOOLS_PROFILE``.
"""

from __future__ import annotations

import os
import platform
import random
import sys
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import torch

from ._validate import as_bool, as_choice, as_device, as_int

__all__ = ["setup", "Setup", "seed_everything", "pick_device", "environment_stamp",
           "reproducibility_line", "footer", "PROFILES", "PROFILE_VARIABLE"]

#: The size profiles that Setup.pick chooses between.
PROFILES = ("default", "paper")
#: The environment variable that selects the profile.
PROFILE_VARIABLE = "AMTOOLS_PROFILE"
T = TypeVar("T")


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python's ``random``, NumPy and torch (CPU and CUDA); return a seeded CPU generator.

    ``seed`` is an integer in ``[0, 2**63 - 1]`` (what torch holds). Python and torch get
    ``seed`` itself, NumPy's legacy global generator ``seed mod 2**32`` (its range).
    """
    seed = as_int(seed, "seed", minimum=0)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    return torch.Generator().manual_seed(seed)


def pick_device(device: str | torch.device | None = None) -> torch.device:
    """``device`` if given, else CUDA when available, else the CPU.

    A device that is not available here (``"cuda"`` without CUDA, ``"mps"`` off a Mac)
    or not a device at all (``"gpu"``, ``0``, ``torch.float32``) is refused at once.
    """
    dev = as_device(device, "device")
    if dev is not None:
        return dev
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _profile_from_env(profile: str | None) -> str:
    if profile is None:
        profile = os.environ.get(PROFILE_VARIABLE, "default") or "default"
        if profile not in PROFILES:
            raise ValueError(f"${PROFILE_VARIABLE} must be one of {PROFILES}, got {profile!r} "
                             "(it sets the profile argument)")
        return profile
    if not isinstance(profile, str):
        raise TypeError(f"profile must be a string, got {type(profile).__name__}")
    return as_choice(profile, "profile", PROFILES)


def _run_identity(seed: int, device: str | torch.device, profile: str) -> tuple[int, torch.device, str]:
    """``(seed, device, profile)`` checked: what both one-line stamps print."""
    seed = as_int(seed, "seed", minimum=0)
    dev = as_device(device, "device")
    if dev is None:
        raise TypeError("device must be a str or torch.device, got None")
    if not isinstance(profile, str):
        raise TypeError(f"profile must be a string, got {type(profile).__name__}")
    return seed, dev, as_choice(profile, "profile", PROFILES)


def environment_stamp(seed: int, device: torch.device, profile: str) -> str:
    """One line that identifies the run: package versions, device, seed, profile."""
    from . import __version__

    seed, device, profile = _run_identity(seed, device, profile)
    return (f"amtools {__version__} | torch {torch.__version__} | numpy {np.__version__} | "
            f"python {platform.python_version()} | device {device} | seed {seed} | profile {profile}")


def _commit() -> str:
    """The short git commit of the book's checkout, or ``"unknown"`` (no git, not a checkout)."""
    import subprocess
    from pathlib import Path

    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    commit = out.stdout.strip()
    return commit if out.returncode == 0 and commit else "unknown"


def reproducibility_line(seed: int, device: str | torch.device, profile: str) -> str:
    """The one-line footer of a chapter: amtools version, commit, device, seed, profile."""
    from . import __version__

    seed, dev, profile = _run_identity(seed, device, profile)
    return (f"Reproducibility: amtools {__version__} · commit {_commit()} · device {dev} · "
            f"seed {seed} · profile {profile}")


@dataclass(frozen=True)
class Setup:
    """What :func:`setup` decided: use ``.device``, ``.generator`` and ``.pick``."""

    seed: int
    device: torch.device
    profile: str
    generator: torch.Generator = field(repr=False, compare=False)

    @property
    def paper(self) -> bool:
        """True under the ``paper`` profile (the papers' full sizes)."""
        return self.profile == "paper"

    def pick(self, default: T, paper: T) -> T:
        """The size for the active profile: ``default`` on a CPU, ``paper`` for full runs."""
        return paper if self.paper else default

    def generator_on(self, device: str | torch.device | None = None) -> torch.Generator:
        """A fresh generator seeded with ``seed`` on ``device`` (default: ``self.device``).

        ``device`` is checked like :func:`pick_device`'s (``"cuda"`` without CUDA is a ``ValueError``).
        """
        dev = pick_device(self.device if device is None else device)
        return torch.Generator(device=dev).manual_seed(self.seed)

    def footer(self) -> None:
        """Print the chapter's reproducibility line (the last cell of every chapter)."""
        print(reproducibility_line(self.seed, self.device, self.profile))


def setup(seed: int = 0, *, profile: str | None = None, device: str | torch.device | None = None,
          style: bool = True, quiet: bool = False) -> Setup:
    """Seed everything, pick the device and the size profile, style figures, print a stamp.

    ``profile`` defaults to ``$AMTOOLS_PROFILE`` or ``"default"``; ``device``
    defaults to CUDA if available, else CPU. On a CPU it also says how to get a
    GPU on Colab. ``seed`` is an integer in ``[0, 2**63 - 1]``; the returned
    ``.generator`` is a CPU ``torch.Generator`` seeded with it (see :func:`seed_everything`).
    """
    seed = as_int(seed, "seed", minimum=0)
    profile = _profile_from_env(profile)
    dev = pick_device(device)
    style = as_bool(style, "style")
    quiet = as_bool(quiet, "quiet")
    gen = seed_everything(seed)
    if style:
        from .plotting import use_style

        use_style()
    if not quiet:
        print(environment_stamp(seed, dev, profile))
        if dev.type == "cpu":
            if "google.colab" in sys.modules:   # a Colab CPU runtime: one line with the fix
                print("Colab CPU runtime (fine for the default profile). For a GPU: "
                      "Runtime > Change runtime type > T4 GPU, then Runtime > Run all.")
            else:
                print("Running on the CPU (fine for the default profile). On Colab, "
                      "Runtime > Change runtime type > GPU speeds up AMTOOLS_PROFILE=paper runs.")
    return Setup(seed=seed, device=dev, profile=profile, generator=gen)


def footer(env: Setup) -> None:
    """Print ``env``'s reproducibility line; ``am.footer(env)`` ends every chapter."""
    if not isinstance(env, Setup):
        raise TypeError(f"env must be the Setup returned by am.setup(), got {type(env).__name__}")
    env.footer()
