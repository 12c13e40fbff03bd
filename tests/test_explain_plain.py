"""`lossacc-tui explain KIND` prints plain text for a terminal; `--markdown` keeps the raw form."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from lossacc_tui.analysis import KINDS


def _explain(*args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "lossacc_tui", "explain", *args], capture_output=True, text=True, check=True
    )
    return proc.stdout


@pytest.mark.parametrize("kind", ["overfitting", "high-loss-good-acc"])
def test_explain_prints_plain_text_without_markdown_marks(kind: str) -> None:
    out = _explain(kind)
    assert out.splitlines()[0] == kind  # the heading is the kind, at the left margin
    assert not re.search(r"^#|\*\*|`", out, flags=re.MULTILINE), out
    assert "\x1b" not in out
    assert "Reading loss and accuracy together." in out  # the bold lead-in survives as text
    assert max(len(line) for line in out.splitlines()) <= 100


def test_explain_markdown_keeps_the_raw_form() -> None:
    out = _explain("overfitting", "--markdown")
    assert out.startswith("# overfitting\n") and "**Reading loss and accuracy together.**" in out


def test_every_kind_renders() -> None:
    from lossacc_tui.analysis import explain_kind
    from lossacc_tui.check import explain_plain

    for kind in KINDS:
        text = explain_plain(explain_kind(kind))
        assert text.startswith(kind) and "**" not in text, kind
