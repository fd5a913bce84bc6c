"""Sphinx extension (stub, filled in by issue 12)."""


def setup(app):
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
