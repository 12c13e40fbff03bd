"""Command line: `lossacc-tui [watch] PATH...`, `check`, and the other subcommands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import orjson

from lossacc_tui import __version__
from lossacc_tui.monitor import Monitor
from lossacc_tui.readers import READERS
from lossacc_tui.report import check_json, check_text
from lossacc_tui.source import PathError, Source, discover
from lossacc_tui.stream import Printer

COMMANDS = ("watch", "replay", "check", "explain", "demo")
ROLE_NAMES = ("train_loss", "val_loss", "train_acc", "val_acc", "lr")


def parse_map(items: Sequence[str]) -> dict[str, str]:
    """`--map val_acc=eval_f1` (repeatable, or comma separated) -> {role: source name}."""
    out: dict[str, str] = {}
    for item in items:
        for part in item.split(","):
            role, sep, name = part.partition("=")
            role, name = role.strip(), name.strip()
            if not sep or role not in ROLE_NAMES or not name:
                raise argparse.ArgumentTypeError(
                    f"--map takes ROLE=METRIC with ROLE one of {', '.join(ROLE_NAMES)}; got {part!r}"
                )
            out[role] = name
    return out


def build_parser() -> argparse.ArgumentParser:
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
            help="give a role to a metric, e.g. --map val_acc=eval_f1",
        )

    c = sub.add_parser("check", help="read logs and print what was found (text, or --json)")
    common(c)
    c.add_argument("--json", action="store_true", help="one JSON document (schema version 1)")
    c.add_argument(
        "--follow", "-f", action="store_true", help="keep reading as the logs grow (one line per record)"
    )
    c.add_argument(
        "--poll",
        type=float,
        metavar="SECONDS",
        help="check files every SECONDS instead of waiting for events",
    )
    w = sub.add_parser("watch", help="the live terminal view (default command)")
    common(w)
    w.add_argument(
        "--poll",
        type=float,
        metavar="SECONDS",
        help="check files every SECONDS instead of waiting for events",
    )
    w.add_argument(
        "--smoothing", type=float, metavar="W", help="start with smoothing on, EMA weight W in [0, 1)"
    )
    r = sub.add_parser("replay", help="play a finished log in the terminal view as if it were live")
    common(r)
    r.add_argument(
        "--speed", type=float, metavar="X", help="X times the log's own pace (default: about 30 s in all)"
    )
    r.add_argument(
        "--smoothing", type=float, metavar="W", help="start with smoothing on, EMA weight W in [0, 1)"
    )
    return p


def run_follow(args: argparse.Namespace, role_map: dict[str, str]) -> int:
    """Stream records as they are read until Ctrl-C (exit 0) or the output goes away."""
    if args.poll is not None and args.poll <= 0:
        print("lossacc-tui: --poll takes a number of seconds above 0", file=sys.stderr)
        return 2
    monitor = Monitor([Path(p) for p in args.paths], args.format, role_map, args.poll)
    printer = Printer(sys.stdout, args.json)
    monitor.subscribe(printer)
    try:
        monitor.start()
    except PathError as e:
        print(f"lossacc-tui: {e}", file=sys.stderr)
        return 2
    try:
        while not printer.broken.wait(3600):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        monitor.stop()
    return 0


def run_check(args: argparse.Namespace) -> int:
    try:
        role_map = parse_map(args.map)
    except argparse.ArgumentTypeError as e:
        print(f"lossacc-tui: {e}", file=sys.stderr)
        return 2
    if args.follow:
        return run_follow(args, role_map)
    sources: list[Source] = []
    status = 0
    for raw in args.paths:
        warnings: list[str] = []
        try:
            found = discover(Path(raw), args.format, role_map, warnings)
            for src in found:
                src.read_all()
            sources += found
        except PathError as e:
            print(f"lossacc-tui: {e}", file=sys.stderr)
            status = 2
        except OSError as e:
            print(f"lossacc-tui: {raw}: cannot read ({e.strerror or e})", file=sys.stderr)
            status = 2
        for w in warnings:
            print(f"lossacc-tui: {w}", file=sys.stderr)
            status = 2
    if args.json:
        sys.stdout.write(orjson.dumps(check_json(sources), option=orjson.OPT_INDENT_2).decode() + "\n")
    elif sources:
        sys.stdout.write(check_text(sources))
    return status


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] not in COMMANDS and not argv[0].startswith("-"):
        argv.insert(0, "watch")
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if args.command == "check":
        try:
            return run_check(args)
        except KeyboardInterrupt:
            return 130
    if args.command in ("watch", "replay"):
        from lossacc_tui.app.launch import launch  # Textual is imported only for the terminal view

        return launch(args)
    print(
        f"lossacc-tui: '{args.command}' is not available in this version yet; "
        "use 'lossacc-tui check PATH' to read logs",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
