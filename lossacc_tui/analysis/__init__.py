"""Loss/accuracy analysis: joint states, alerts with explanations, cross-run comparison.

Textual-free. One `Analyzer` per `Run`; call `update()` after new points were appended.
"""

from lossacc_tui.analysis.alerts import SEVERITIES, STATES, Alert, StateSegment
from lossacc_tui.analysis.analyzer import Analyzer
from lossacc_tui.analysis.compare import compare_runs
from lossacc_tui.analysis.kinds import KINDS, explain_kind
from lossacc_tui.analysis.params import CONFIG_FORMATS, Params

__all__ = [
    "CONFIG_FORMATS",
    "KINDS",
    "SEVERITIES",
    "STATES",
    "Alert",
    "Analyzer",
    "Params",
    "StateSegment",
    "compare_runs",
    "explain_kind",
]
