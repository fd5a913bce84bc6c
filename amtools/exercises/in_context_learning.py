"""Self-checks for the exercises of the chapter book/in-context-learning.ipynb."""

from __future__ import annotations

__all__: list[str] = []
