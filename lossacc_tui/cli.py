"""Command line: `lossacc-tui [watch] PATH...`, `check`, and the other subcommands."""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from lossacc_tui import __version__
from lossacc_tui.clean import clean
from lossacc_tui.options import add_analysis_options, add_keep_option
from lossacc_tui.readers import READERS

if TYPE_CHECKING:
    from lossacc_tui.quickframe import QuickFrame

COMMANDS = ("watch", "replay", "check", "explain", "demo", "serve")
#: Commands whose parsing never shows `explain`'s help: for them the parser is built without
#: importing the analysis (its list of alert kinds), so the terminal view starts sooner.
NO_EXPLAIN_HELP = ("watch", "replay", "check", "demo", "serve")


def _poll_seconds(text: str) -> float:
    """`--poll SECONDS`: a finite number above 0 (argparse says so on one line and exits 2)."""
    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if not (math.isfinite(v) and v > 0):
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0, got {text!r}")
    return v


def build_parser(kinds: bool = True) -> argparse.ArgumentParser:
    """The parser of every command; `kinds`: name the alert kinds in `explain`'s help (imports
    the analysis, which the commands in NO_EXPLAIN_HELP can do without)."""
    p = argparse.ArgumentParser(
        prog="lossacc-tui",
        description="Watch training logs and explain when loss and accuracy disagree.",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("paths", nargs="+", metavar="PATH", help="log files, run folders, or folders of runs")
        sp.add_argument(
            "--format", choices=sorted(READERS), help="skip format detection and read as this format"
        )
        sp.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="ROLE=METRIC",
            help=(
                "read a metric as a role (val_loss, val_acc, train_loss, train_acc, lr), e.g. "
                "--map val_acc=eval_exact_match; a metric named as an F1, AUC, mAP... in an accuracy role is "
                "read for its trend only"
            ),
        )
        add_analysis_options(sp)

    c = sub.add_parser("check", help="read logs and print what was found (text, or --json)")
    common(c)
    c.add_argument("--json", action="store_true", help="one JSON document (schema version 1)")
    c.add_argument(
        "--follow", "-f", action="store_true", help="keep reading as the logs grow (one line per record)"
    )
    c.add_argument(
        "--poll",
        type=_poll_seconds,
        metavar="SECONDS",
        help="check files every SECONDS instead of waiting for events",
    )
    add_keep_option(c)
    c.add_argument(
        "--fail-on",
        choices=("warning", "critical"),
        help="exit 1 when an alert of this severity or worse was raised (for CI and schedulers)",
    )
    d = sub.add_parser("demo", help="the terminal view on the bundled demo logs, one run training live")
    d.add_argument(
        "--pace", type=float, default=0.3, metavar="SECONDS", help="seconds per epoch of the live run"
    )
    e = sub.add_parser("explain", help="what an alert kind means, in general (no log needed)")
    if kinds:
        from lossacc_tui.analysis.kinds import KINDS

        kind_help = f"one of: {', '.join(KINDS)}"
    else:
        kind_help = "an alert kind"
    e.add_argument("kind", nargs="?", metavar="KIND", help=kind_help)
    e.add_argument("--params", action="store_true", help="list every analysis parameter with its default")
    e.add_argument(
        "--markdown", action="store_true", help="print the explanation as Markdown (default: plain text)"
    )
    w = sub.add_parser("watch", help="the live terminal view (default command)")
    common(w)
    w.add_argument(
        "--poll",
        type=_poll_seconds,
        metavar="SECONDS",
        help="check files every SECONDS instead of waiting for events",
    )
    w.add_argument(
        "--smoothing", type=float, metavar="W", help="start with smoothing on, EMA weight W in [0, 1)"
    )
    add_keep_option(w)
    r = sub.add_parser("replay", help="play a finished log in the terminal view as if it were live")
    common(r)
    r.add_argument(
        "--speed", type=float, metavar="X", help="X times the log's own pace (default: about 30 s in all)"
    )
    r.add_argument(
        "--smoothing", type=float, metavar="W", help="start with smoothing on, EMA weight W in [0, 1)"
    )
    v = sub.add_parser("serve", help="the view in a web browser (needs: pip install 'lossacc-tui[serve]')")
    common(v)
    v.add_argument("--poll", type=_poll_seconds, metavar="SECONDS", help="check files every SECONDS")
    v.add_argument("--smoothing", type=float, metavar="W", help="start with smoothing on, EMA weight W")
    v.add_argument("--host", default="localhost", help="address to listen on (default: localhost)")
    v.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    return p


#: words people try as commands that are not ones, and what does that job here
NOT_COMMANDS = {
    "compare": "runs are compared in the view (lossacc-tui watch PATH..., then c) and by check PATH...",
    "follow": "follow a log with lossacc-tui watch PATH, or lossacc-tui check --follow PATH for plain output",
    "tail": "follow a log with lossacc-tui watch PATH, or lossacc-tui check --follow PATH for plain output",
    "view": "open the view with lossacc-tui watch PATH",
    "show": "open the view with lossacc-tui watch PATH",
    "plot": "open the view with lossacc-tui watch PATH",
    "help": "lossacc-tui --help lists the commands",
}


def _mistyped_command(word: str) -> str | None:
    """The command `word` was probably meant to be (`chekc` -> `check`), when it is not a path that
    exists and does not look like one; None otherwise (then it is a path to watch, maybe later)."""
    if os.path.lexists(word) or os.sep in word or "." in word:
        return None
    import difflib  # (only for a mistyped command: not on the start-up path)

    close = difflib.get_close_matches(word.lower(), COMMANDS, n=1, cutoff=0.6)
    return close[0] if close else None


def main(argv: Sequence[str] | None = None) -> int:
    """The `lossacc-tui` command: returns its exit code. Ctrl-C at any moment, even while the
    modules a command needs are still being imported (the first 0.1-3 s of `check --follow` on a
    loaded machine), ends it with 130 and no traceback."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        return 130


def _main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] not in COMMANDS and not argv[0].startswith("-"):
        if argv[0].lower() in NOT_COMMANDS and not os.path.lexists(argv[0]):
            print(
                f"lossacc-tui: '{clean(argv[0])}' is not a command: {NOT_COMMANDS[argv[0].lower()]}",
                file=sys.stderr,
            )
            return 2
        typo = _mistyped_command(argv[0])
        if typo:
            print(
                f"lossacc-tui: '{clean(argv[0])}' is not a command or an existing path; "
                f"did you mean '{typo}'? (a log that does not exist yet: lossacc-tui watch {clean(argv[0])})",
                file=sys.stderr,
            )
            return 2
        argv.insert(0, "watch")
    parser = build_parser(kinds=not argv or argv[0] not in NO_EXPLAIN_HELP)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if args.command == "check":
        from lossacc_tui.check import run_check

        try:
            return run_check(args)
        except KeyboardInterrupt:
            return 130
    if args.command == "explain":
        from lossacc_tui.check import run_explain

        return run_explain(args)
    if args.command == "demo":
        from lossacc_tui.demo import run_demo

        return run_demo(args)
    if args.command == "serve":
        from lossacc_tui.app.serve import serve

        return serve(argv[argv.index("serve") + 1 :], args.host, args.port)
    if args.command in ("watch", "replay"):
        quick: QuickFrame | None = None
        try:
            from lossacc_tui.quickframe import show  # (a first frame before Textual is imported)

            quick = show(args)  # (Ctrl-C from here on: the terminal given back, exit 130)
            from lossacc_tui.app.launch import launch  # Textual is imported only for the terminal view

            return launch(args, exit_fast=True, quick=quick)  # (the process ends when the view does)
        except KeyboardInterrupt:
            return 130
        finally:
            if quick is not None:
                quick.close()
    print(
        f"lossacc-tui: '{args.command}' is not available in this version yet; "
        "use 'lossacc-tui check PATH' to read logs",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
