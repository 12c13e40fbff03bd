"""Ctrl-C while a command is still importing what it needs (the first 0.1-3 s of `check --follow`
on a loaded machine) ends it with 130 and no traceback; it had printed a Python traceback and
exited -2 (found by sending SIGINT early, 40 trials)."""

from __future__ import annotations

import builtins
from typing import Any

import pytest

from lossacc_tui import cli


def test_ctrl_c_while_the_command_imports_its_modules_exits_130(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    real_import = builtins.__import__

    def interrupted(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "lossacc_tui.check":
            raise KeyboardInterrupt
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", interrupted)
    assert cli.main(["check", "--follow", str(tmp_path)]) == 130


def test_ctrl_c_while_the_command_line_itself_is_imported_exits_130(tmp_path: Any) -> None:
    # (the console script's first import pulls in numpy and the readers, 0.1-0.3 s: tester h19t's
    # ^C there printed a KeyboardInterrupt traceback; here the interrupt lands in that import)
    import subprocess
    import sys

    code = (
        "import builtins, sys\n"
        "real = builtins.__import__\n"
        "def imp(name, *a, **k):\n"
        "    if name == 'lossacc_tui.readers':\n"
        "        raise KeyboardInterrupt\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = imp\n"
        "from lossacc_tui.entry import main\n"
        "sys.argv = ['lossacc-tui', 'check', sys.argv[1]]\n"
        "sys.exit(main())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
