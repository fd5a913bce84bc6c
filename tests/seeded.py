"""Shared by the torch tests: a seeded CPU generator."""

from __future__ import annotations

import torch


def gen(seed: int) -> torch.Generator:
    """A fresh CPU ``torch.Generator`` seeded with ``seed``."""
    return torch.Generator().manual_seed(seed)
