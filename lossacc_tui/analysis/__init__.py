"""Loss/accuracy analysis: joint states, alerts with explanations, cross-run comparison.

Textual-free. One `Analyzer` per `Run`; call `update()` after new points were appended.

The names below are loaded on first use (PEP 562 module `__getattr__`), so that importing a light
part (`Params`, `KINDS`) does not import the detectors and numpy: the terminal view draws its first
frame before the analysis modules are imported.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lossacc_tui.analysis.alerts import SEVERITIES, STATES, Alert, StateSegment
    from lossacc_tui.analysis.analyzer import Analyzer
    from lossacc_tui.analysis.compare import compare_runs
    from lossacc_tui.analysis.kinds import KINDS, explain_kind
    from lossacc_tui.analysis.params import CONFIG_FORMATS, Params

_WHERE = {
    "CONFIG_FORMATS": "params",
    "KINDS": "kinds",
    "SEVERITIES": "alerts",
    "STATES": "alerts",
    "Alert": "alerts",
    "Analyzer": "analyzer",
    "Params": "params",
    "StateSegment": "alerts",
    "compare_runs": "compare",
    "explain_kind": "kinds",
}

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


def __getattr__(name: str) -> Any:
    """The public name `name`, imported from its module on first use; AttributeError otherwise."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
