"""Self-checks for the exercises of the chapter book/tiny-language-model.ipynb."""

from __future__ import annotations

__all__: list[str] = []
