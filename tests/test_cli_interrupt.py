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
