"""The examples in the docstrings of the app's Textual-free modules and the replay run as tests."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "lossacc_tui.app.braille",
    "lossacc_tui.app.decimate",
    "lossacc_tui.app.digits",
    "lossacc_tui.app.present",
    "lossacc_tui.app.run_params",
    "lossacc_tui.app.runsets",
    "lossacc_tui.app.status",
    "lossacc_tui.app.text",
    "lossacc_tui.app.view",
    "lossacc_tui.app.screens.compare",
    "lossacc_tui.app.ranks",
    "lossacc_tui.app.compare_words",
    "lossacc_tui.app.screens.metrics",
    "lossacc_tui.app.widgets.explanation",
    "lossacc_tui.app.widgets.legend",
    "lossacc_tui.app.names",
    "lossacc_tui.app.widgets.run_list",
    "lossacc_tui.app.widgets.status_line",
    "lossacc_tui.replay_schedule",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
