"""Only lossacc_tui.app imports Textual: the core (readers, model, monitor, analysis, replay, check)
and the app's own Textual-free modules work without it."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import lossacc_tui

TEXTUAL_FREE_APP = ("decimate", "present", "status", "text", "tracker", "view")


def core_modules() -> list[str]:
    out = []
    for m in pkgutil.walk_packages(lossacc_tui.__path__, "lossacc_tui."):
        if m.name.startswith("lossacc_tui.app.") or m.name in ("lossacc_tui.app", "lossacc_tui.__main__"):
            continue
        out.append(m.name)
    return out + [f"lossacc_tui.app.{name}" for name in TEXTUAL_FREE_APP]


def test_core_never_imports_textual() -> None:
    mods = core_modules()
    assert "lossacc_tui.replay" in mods and "lossacc_tui.cli" in mods
    code = (
        "import importlib, sys\n"
        f"for m in {mods!r}:\n"
        "    importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'textual_plotext'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"Textual imported by the core: {out.stdout.strip()}"
