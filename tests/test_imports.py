"""Start-up imports only what a command needs: `check` on a finished log loads neither the
follower, the terminal view, Markdown rendering nor the optional parsers (polars, tensorboard)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROBE = """
import runpy, sys
sys.argv = ["lossacc-tui", "check", sys.argv[1]]
try:
    runpy.run_module("lossacc_tui", run_name="__main__")
except SystemExit:
    pass
print("LOADED:", *sorted(m for m in sys.modules if m.split(".")[0] in {"watchdog", "textual", "polars",
      "tensorboard", "markdown_it"} or m in {"rich.markdown", "lossacc_tui.monitor", "lossacc_tui.follow"}))
"""


def test_check_on_a_small_healthy_csv_imports_only_what_it_needs(tmp_path: Path) -> None:
    log = tmp_path / "training.log"
    rows = "".join(
        f"{i},{0.5 + i / 100:.4f},{0.9 - i / 100:.4f},{0.5 + i / 100:.4f},{0.95 - i / 100:.4f}\n"
        for i in range(20)
    )
    log.write_text("epoch,accuracy,loss,val_accuracy,val_loss\n" + rows)
    res = subprocess.run([sys.executable, "-c", PROBE, str(log)], capture_output=True, text=True, timeout=120)
    assert "epoch" in res.stdout or "val_loss" in res.stdout  # check did read and report the run
    assert res.stdout.rsplit("LOADED:", 1)[1].split() == []


def test_the_package_itself_imports_nothing_heavy() -> None:
    mods = "('numpy', 'lossacc_tui.source')"
    code = f"import sys, lossacc_tui; print(sorted(m for m in {mods} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert out.strip() == "[]"
    code = "import lossacc_tui; print(lossacc_tui.Run.__name__, lossacc_tui.discover.__name__)"
    assert subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    ).stdout.split() == [
        "Run",
        "discover",
    ]


def test_the_terminal_view_imports_no_analysis_before_it_needs_it() -> None:
    """`watch` imports the command line and the view; the detectors, the comparison and the report
    come later, when a run is first analysed (the first frame is not held up by them)."""
    code = (
        "import sys, lossacc_tui.cli, lossacc_tui.app.launch\n"
        "print(sorted(m for m in sys.modules if m.startswith(('lossacc_tui.analysis.', 'lossacc_tui.report',"
        " 'lossacc_tui.check'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout
    assert out.strip() == "['lossacc_tui.analysis.params']"


def test_the_analysis_package_still_gives_every_public_name() -> None:
    code = (
        "import lossacc_tui.analysis as a\n"
        "print(*(type(getattr(a, n)).__name__ for n in a.__all__))\n"
        "try:\n    a.NoSuchName\nexcept AttributeError as e:\n    print('AttributeError', e)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    first, second = res.stdout.splitlines()
    assert first.split() == [
        "tuple",
        "tuple",
        "tuple",
        "tuple",
        "type",
        "type",
        "type",
        "type",
        "function",
        "function",
    ]
    assert second == "AttributeError module 'lossacc_tui.analysis' has no attribute 'NoSuchName'"
