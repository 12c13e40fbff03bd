"""`lossacc-tui check`: read logs to their end and report (text or JSON, exit codes for CI), or with
`--follow` stream records and alerts as they arrive; and `lossacc-tui explain KIND`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import orjson

from lossacc_tui.analysis import KINDS, Params, explain_kind
from lossacc_tui.clean import clean, json_text
from lossacc_tui.feed import Feed
from lossacc_tui.files import identity
from lossacc_tui.gcpause import collector_paused
from lossacc_tui.options import OptionError, params_from_args, parse_map
from lossacc_tui.readers.audit import audit_duplicates
from lossacc_tui.report import SEVERITY_RANK, Checked, check_json, check_text
from lossacc_tui.source import PathError, discover
from lossacc_tui.unread import unread_note


def run_check(args: argparse.Namespace) -> int:
    try:
        role_map = parse_map(args.map)
        params = params_from_args(args)
    except OptionError as e:
        print(f"lossacc-tui: {e}", file=sys.stderr)
        return 2
    if args.follow:
        return run_follow(args, role_map, params)
    if args.keep is not None:
        print("lossacc-tui: --keep is for --follow (a finished log is read once)", file=sys.stderr)
        return 2
    with collector_paused():  # (read, analysed and reported once: what is built lives to the end)
        return _check_once(args, role_map, params)


def _check_once(args: argparse.Namespace, role_map: dict[str, str], params: Params) -> int:
    """`check` without --follow: read every path to its end, analyse, report; the exit status."""
    feed = Feed(params)  # the one way records reach runs and analysis, as in --follow and replay
    status = 0
    earlier: set[tuple[int, int] | None] = set()  # files the paths before this one read
    for raw in args.paths:
        warnings: list[str] = []
        notes: list[str] = []  # (files skipped by design in a folder: said, not an error)
        mine: set[tuple[int, int] | None] = set()
        try:
            for src in discover(Path(raw), args.format, role_map, warnings, notes):
                ids = {identity(f.path) for f in src.files}
                if None not in ids and ids <= earlier:
                    continue  # (`check run1/history.csv latest.csv`: one file under two names, read once)
                mine |= ids
                feed.read_source(src)
        except PathError as e:
            print(f"lossacc-tui: {e}", file=sys.stderr)
            status = 2
        except OSError as e:
            print(f"lossacc-tui: {clean(raw)}: cannot read ({e.strerror or e})", file=sys.stderr)
            status = 2
        for w in warnings:
            print(f"lossacc-tui: {clean(w)}", file=sys.stderr)
            status = 2
        for n in notes:
            print(f"lossacc-tui: {clean(n)}", file=sys.stderr)
        earlier |= mine
    sources = feed.sources
    audit_duplicates(sources)
    for src in sources:
        if not any(r.points for r in src.runs):
            print(f"lossacc-tui: {src.path}: read as {src.format} but no record found in it", file=sys.stderr)
            status = 2
    status = max(status, _check_names(feed, role_map))
    feed.analyse_all(finished=True)  # (read to their end: the last evaluations are judged as they stand)
    checked = Checked.of(feed)
    if args.json:
        text = orjson.dumps(check_json(checked), option=orjson.OPT_INDENT_2).decode()
        sys.stdout.write(json_text(text) + "\n")
    elif sources:
        sys.stdout.write(check_text(checked))
    if status == 0 and args.fail_on and checked.worst() >= SEVERITY_RANK[args.fail_on]:
        return 1
    return status


def _check_names(feed: Feed, role_map: dict[str, str]) -> int:
    """Tell a `--map` name that no run has (a typo would otherwise be ignored: exit 2), and a run
    whose metrics are all named unlike a loss or an accuracy (no analysis: name them with --map)."""
    runs = [r for src in feed.sources for r in src.runs if r.points]
    names = {n for r in runs for n in r.series}
    status = 0
    for role, name in role_map.items():
        if runs and name not in names:
            known = ", ".join(sorted(clean(n) for n in names)[:8]) + (", ..." if len(names) > 8 else "")
            print(
                f"lossacc-tui: --map {role}={clean(name)}: no metric of that name (there are: {known})",
                file=sys.stderr,
            )
            status = 2
    for run in runs:
        note = unread_note({n: s.role for n, s in run.series.items()})
        if note is not None:
            print(f"lossacc-tui: {clean(run.name)}: {note}", file=sys.stderr)
    return status


def run_follow(args: argparse.Namespace, role_map: dict[str, str], params: Params) -> int:
    """Stream records and alerts as they are read until Ctrl-C or the output goes away; exit 0, or 1
    with `--fail-on LEVEL` when an alert reached that level while following."""
    from lossacc_tui.monitor import Monitor  # the follower (watchdog) only for --follow
    from lossacc_tui.stream import Printer

    if args.poll is not None and args.poll <= 0:
        print("lossacc-tui: --poll takes a number of seconds above 0", file=sys.stderr)
        return 2
    monitor = Monitor([Path(p) for p in args.paths], args.format, role_map, args.poll, params, keep=args.keep)
    printer = Printer(sys.stdout, args.json)
    monitor.subscribe(printer)
    # Ctrl-C is an ending at any point once following starts, also while the first read is under way
    # in start() (records are printed from the follower's thread meanwhile): exit 0, the monitor stopped
    try:
        try:
            monitor.start()
        except PathError as e:
            print(f"lossacc-tui: {e}", file=sys.stderr)
            return 2
        while not printer.broken.wait(3600):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        monitor.stop()
    if args.fail_on and printer.worst >= SEVERITY_RANK[args.fail_on]:
        return 1  # (an alert at that level was raised while following, as batch `check` would say)
    return 0


def run_explain(args: argparse.Namespace) -> int:
    if args.params:
        sys.stdout.write(Params.help_text() + "\n")
        return 0
    if args.kind is None:
        sys.stdout.write("Alert kinds: " + ", ".join(KINDS) + "\n(lossacc-tui explain KIND for one)\n")
        return 0
    if args.kind not in KINDS:
        import difflib

        close = difflib.get_close_matches(args.kind, KINDS, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}? " if close else ""
        print(
            f"lossacc-tui: unknown alert kind {clean(args.kind)!r}; {hint}one of: {', '.join(KINDS)}",
            file=sys.stderr,
        )
        return 2
    text = explain_kind(args.kind).rstrip()
    if not getattr(args, "markdown", False):
        text = explain_plain(text)
    sys.stdout.write(text + "\n")
    return 0


def explain_plain(markdown: str) -> str:
    """A kind's Markdown explanation as plain text for a terminal (no '#', '**' or backticks): the
    width of the terminal (60-100 columns), headings as plain lines at the left margin."""
    import re
    import shutil

    from lossacc_tui.report import plain_markdown

    width = min(100, max(60, shutil.get_terminal_size((100, 24)).columns))
    # a heading becomes a paragraph of its own (Rich centres headings and boxes the first one)
    text = re.sub(r"^#{1,6}\s+(.*)$", r"**\1**", markdown, flags=re.MULTILINE)
    return "\n".join(plain_markdown(text, width))
