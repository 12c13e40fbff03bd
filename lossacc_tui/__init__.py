"""lossacc-tui: watch training logs and explain when loss and accuracy disagree."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lossacc_tui.model import Batch, Problem, Run, Series
    from lossacc_tui.source import Source, discover

__version__ = "0.1.0"
__all__ = ["Batch", "Problem", "Run", "Series", "Source", "__version__", "discover"]


def __getattr__(name: str) -> Any:
    """The public names, imported when first used: `import lossacc_tui.probe` inside a training
    script then loads numpy and the probe only, not the readers."""
    if name in ("Batch", "Problem", "Run", "Series"):
        from lossacc_tui import model

        return getattr(model, name)
    if name in ("Source", "discover"):
        from lossacc_tui import source

        return getattr(source, name)
    raise AttributeError(f"module 'lossacc_tui' has no attribute {name!r}")
