"""Interactive explorers: pure, tested callbacks plus thin ipywidgets wiring.

The callbacks compute; the widgets only call them and draw. In the static HTML
book (no kernel), chapters show the same callbacks' output as a fixed figure.
One submodule per chapter family: :mod:`.capacity`, :mod:`.scaling`,
:mod:`.hopfield`, :mod:`.mosaics`; everything is re-exported here
(``am.explore.leak_view`` etc.).
"""

from __future__ import annotations

from . import capacity, hopfield, mosaics, scaling
from .capacity import *  # noqa: F401,F403
from .hopfield import *  # noqa: F401,F403
from .mosaics import *  # noqa: F401,F403
from .scaling import *  # noqa: F401,F403

__all__ = capacity.__all__ + scaling.__all__ + hopfield.__all__ + mosaics.__all__
