"""`pip install <wheel> && lossacc-tui demo` outside a clone: a wheel built from the repository,
installed into a fresh virtualenv, run in an empty folder in a real terminal (tmux), shows the demo's
live run and the alert that opens while it is written.

The fresh virtualenv takes the dependencies (Textual, numpy, ...) from the test's own environment
through a path file, so the test needs no network; the lossacc_tui package itself can come only from
the wheel (the test environment's editable install is not on that path)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed: the demo needs a terminal")


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, check=False)


def _last_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else "(no output)"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `lossacc-tui` command of a fresh virtualenv holding only the wheel."""
    root = tmp_path_factory.mktemp("wheel")
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", root / "dist", REPO)
    wheels = list((root / "dist").glob("lossacc_tui-*.whl"))
    if built.returncode != 0 or not wheels:
        pytest.skip(f"could not build a wheel (pip wheel: {_last_line(built.stderr)})")
    venv = root / "venv"
    made = _run(sys.executable, "-m", "venv", "--without-pip", venv)
    if made.returncode != 0:
        pytest.skip(f"could not make a virtualenv ({_last_line(made.stderr)})")
    python = venv / "bin" / "python"
    dest = Path(
        _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
    )
    # the wheel first, into a venv that has nothing (pip would otherwise find the test
    # environment's own lossacc-tui through the paths below and skip the install)
    got = _run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheels[0])
    if got.returncode != 0:
        pytest.skip(f"could not install the wheel ({_last_line(got.stderr)})")
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (dest / "_test_deps.pth").write_text(
        "\n".join(sorted(deps)) + "\n"
    )  # plain paths: no .pth of theirs runs
    where = _run(python, "-c", "import lossacc_tui; print(lossacc_tui.__file__)", cwd=root).stdout
    assert where.startswith(str(venv)), f"lossacc_tui imported from {where!r}, not from the wheel"
    return venv / "bin" / "lossacc-tui"


def _tmux(*args: str) -> str:
    return subprocess.run([TMUX, *args], capture_output=True, text=True, check=False).stdout  # type: ignore[list-item]


def _wait_screen(session: str, texts: tuple[str, ...], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _tmux("capture-pane", "-p", "-t", session)
        if all(t in screen for t in texts):
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{texts!r} not all on screen within {timeout} s:\n{screen}")


def test_demo_from_a_wheel_in_an_empty_folder_shows_the_live_run_and_its_alert(
    installed: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    session = f"lossacc-demo-{uuid.uuid4().hex[:8]}"
    done = tmp_path / "exit-code"
    _tmux(
        "new-session", "-d", "-s", session, "-x", "120", "-y", "40", "-c", str(empty),
        f"{installed} demo; echo $? > {done}",
    )  # fmt: skip
    try:
        first = _wait_screen(session, ("live_run is being written now", "live_run/training.log"), timeout=20)
        assert "demo logs are missing" not in first
        # the live run is the one shown (its summary), and its alert opens while it is written: its
        # row in the alerts pane (kind and severity), not only a toast; the demo says it opens near
        # epoch 80, 12 s after the start at its pace (the bound is generous: the machine is shared)
        _wait_screen(session, ("live_run/training.log", "▲ loss-up-acc-up  warning"), timeout=40)
        _tmux("send-keys", "-t", session, "q")
        deadline = time.monotonic() + 10
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert done.read_text().strip() == "0"
        assert list(empty.iterdir()) == []  # nothing written where the user stood
    finally:
        _tmux("kill-session", "-t", session)
