"""`lossacc-tui watch PATH...` and `lossacc-tui replay PATH`: build the feed, the app, and run it."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lossacc_tui.app.app import make_app
from lossacc_tui.app.fit import Field
from lossacc_tui.monitor import Monitor
from lossacc_tui.options import OptionError, params_from_args, parse_map
from lossacc_tui.source import PathError

if TYPE_CHECKING:
    from lossacc_tui.quickframe import QuickFrame


def _fail(message: str, quick: QuickFrame | None = None) -> int:
    if quick is not None:  # (the quick frame's screen is left first: the message stays readable)
        quick.close()
    print(f"lossacc-tui: {message}", file=sys.stderr)
    return 2


def _drop_typed_ahead() -> None:
    """Drop what the terminal sent after `q` and nobody read (a mouse report in flight): Textual's
    own flush is skipped since `q` no longer waits for its keyboard thread (`actions.action_quit`)."""
    try:
        import termios
    except ImportError:  # (not a POSIX terminal)
        return
    try:
        if sys.stdin is not None and sys.stdin.isatty():
            termios.tcflush(sys.stdin.fileno(), termios.TCIFLUSH)
    except (termios.error, OSError, ValueError):  # (stdin closed or replaced)
        pass


def launch(
    args: argparse.Namespace,
    *,
    focus: Path | None = None,
    banner: str | Sequence[Field] | None = None,
    exit_fast: bool = False,
    quick: QuickFrame | None = None,
) -> int:
    """Run the terminal view; `focus`: a path whose runs are shown first (the demo's live run),
    `banner`: one line shown above the panes (what the demo is doing). `exit_fast`: once the app
    has ended (terminal restored, follower stopped), end the process at once instead of returning:
    the interpreter's teardown frees a long run's objects one by one (2 s after `q` here on a
    100,000-point run) with nothing left to do. `quick`: the first frame `watch` painted before
    Textual was imported (quickframe.py): Textual takes its screen over; it is closed on every way out."""
    try:
        role_map = parse_map(args.map)
        params = params_from_args(args)
    except OptionError as e:
        return _fail(str(e), quick)
    if args.smoothing is not None and not 0.0 <= args.smoothing < 1.0:
        return _fail("--smoothing takes a weight in [0, 1), e.g. 0.6", quick)
    web = "web_driver" in os.environ.get("TEXTUAL_DRIVER", "")  # (run by `serve`, for a browser tab)
    if not web and not (sys.stdin.isatty() and sys.stdout.isatty()):
        return _fail(
            f"'{args.command}' needs a terminal; for plain output use 'lossacc-tui check --follow PATH'",
            quick,
        )
    if not web and (sys.__stderr__ is None or not sys.__stderr__.isatty()):
        # (Textual draws on stderr: redirected to a file, the screen stayed blank while the view ran)
        message = (
            f"'{args.command}' draws on stderr, which is redirected (2> FILE): run it without redirecting "
            "stderr, or use 'lossacc-tui check --follow PATH' for plain output"
        )
        print(f"lossacc-tui: {message}")  # (on the terminal too: stderr is the file)
        return _fail(message, quick)
    paths = [Path(p) for p in args.paths]
    from lossacc_tui.replay import Replay  # (imported here: `watch` starts faster without it)

    if args.command == "replay":
        if args.speed is not None and args.speed <= 0:
            return _fail("--speed takes a number above 0", quick)
        feed: Monitor | Replay = Replay(paths, args.format, role_map, args.speed, params=params)
    else:
        if args.poll is not None and args.poll <= 0:
            return _fail("--poll takes a number of seconds above 0", quick)
        feed = Monitor(
            paths, args.format, role_map, args.poll, params=params, keep=getattr(args, "keep", None)
        )
    label = " ".join(args.paths)
    replay = feed if isinstance(feed, Replay) else None
    app = make_app(
        feed, label, params=params, smoothing=args.smoothing, replay=replay, focus=focus, banner=banner
    )
    try:
        feed.start()
    except PathError as e:
        feed.stop()
        return _fail(str(e), quick)
    if quick is not None:
        quick.handover()
    app.warm = True  # type: ignore[attr-defined]  # (views built ahead, the collector frozen: `_warm_views`)
    try:
        app.run()
    finally:
        _drop_typed_ahead()
        feed.stop()
        if quick is not None:
            quick.close()  # (Textual restored the settings it found: the quick frame's)
    failure = getattr(app, "failure", None)
    # Textual sets a return code of 1 after an unhandled exception (it has printed the traceback)
    code = _fail(failure) if failure else (app.return_code or 0)
    if exit_fast:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
