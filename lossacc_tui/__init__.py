"""lossacc-tui: watch training logs and explain when loss and accuracy disagree.

The public names are imported on first use (PEP 562), so `import lossacc_tui.cli` pays for numpy
and the readers only when a command needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lossacc_tui.model import Batch, Problem, Run, Series
    from lossacc_tui.source import Source, discover

__version__ = "0.1.0"
__all__ = ["Batch", "Problem", "Run", "Series", "Source", "__version__", "discover"]

_WHERE = {
    "Batch": "lossacc_tui.model",
    "Problem": "lossacc_tui.model",
    "Run": "lossacc_tui.model",
    "Series": "lossacc_tui.model",
    "Source": "lossacc_tui.source",
    "discover": "lossacc_tui.source",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'lossacc_tui' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
