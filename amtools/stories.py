"""Placeholder: being written (issue 11). See /work/notes/lm-api.md."""

from __future__ import annotations

__all__: list[str] = []
