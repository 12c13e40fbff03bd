"""lossacc-tui: watch training logs and explain when loss and accuracy disagree."""

from lossacc_tui.model import Batch, Problem, Run, Series
from lossacc_tui.source import Source, discover

__version__ = "0.1.0"
__all__ = ["Batch", "Problem", "Run", "Series", "Source", "__version__", "discover"]
