"""Self-checks for the exercises of the chapter ``learned-embeddings``."""

from __future__ import annotations

__all__: list[str] = []
