"""`lossacc-tui serve`: the view in a real browser. A headless Chromium (the Debian package) opens the
served page; the server starts `lossacc-tui watch` for the tab, and the app's own screen (the run's
plot legend and its name) reaches the browser over the page's websocket, and the page shows the
terminal. Skips, saying why, where Chromium, textual-serve or playwright is missing."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from app_helpers import DATA

from lossacc_tui.app.serve import INSTALL, watch_command

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


LOCAL = ("http://localhost", "ws://localhost")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes], bound: float = 60.0) -> None:
    """Poll until the server answers (a generous bound: a loaded machine starts Python slowly)."""
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


def test_the_served_page_shows_the_app_in_a_real_browser(tmp_path: Path) -> None:
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    pytest.importorskip("textual_serve", reason=f"textual-serve is not installed ({INSTALL})")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    port = free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "lossacc_tui", "serve", "training.log", "--port", str(port)]
    server = subprocess.Popen(cmd, cwd=DATA, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    received: list[bytes] = []
    try:
        url = f"http://localhost:{port}/"
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch_persistent_context(  # (while the server starts)
                str(tmp_path / "profile"),  # a fresh user data dir
                executable_path=CHROMIUM,
                headless=True,
                args=FLAGS,
                viewport={"width": 1400, "height": 900},
            )
            try:
                wait_http(url, server)
                page = browser.new_page()

                def on_socket(ws: object) -> None:
                    ws.on(  # type: ignore[attr-defined]
                        "framereceived", lambda p: received.append(p if isinstance(p, bytes) else p.encode())
                    )

                page.on("websocket", on_socket)
                # nothing from outside (the page links a web font; there is no network to wait for)
                page.route(
                    "**/*",
                    lambda r: r.continue_() if r.request.url.startswith(LOCAL) else r.abort(),
                )
                page.goto(url, wait_until="commit")
                seen = b""
                deadline = time.monotonic() + 90  # the app starts in the server, then draws
                while time.monotonic() < deadline:
                    seen = b"".join(received)
                    if b"val_loss" in seen and b"training.log" in seen:
                        break
                    page.wait_for_timeout(200)
                assert b"val_loss" in seen and b"training.log" in seen, seen[-2000:]
                page.wait_for_function("document.body.classList.contains('-first-byte')", timeout=30_000)
            finally:
                browser.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def test_serve_without_textual_serve_says_what_to_install(tmp_path: Path) -> None:
    """One line naming the extra, exit 2 (textual-serve hidden by a module that refuses to load)."""
    blocker = tmp_path / "textual_serve"
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ImportError('hidden for this test')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    got = subprocess.run(
        [sys.executable, "-m", "lossacc_tui", "serve", str(DATA / "training.log")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert got.returncode == 2
    assert got.stderr.strip().splitlines() == [f"lossacc-tui: 'serve' needs textual-serve: {INSTALL}"]


def test_each_tab_runs_watch_with_the_same_options_but_not_the_servers() -> None:
    cmd = watch_command(["runs/", "--port", "9000", "--map", "val_acc=f1", "--host=0.0.0.0"]).split()
    assert cmd[:4] == [sys.executable, "-m", "lossacc_tui", "watch"]
    assert cmd[4:] == ["runs/", "--map", "val_acc=f1"]
