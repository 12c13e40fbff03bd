"""`check` output: per run the format, series with roles, counts and last values, and the alerts
with their explanations; text, or one JSON document."""

from __future__ import annotations

import io
import math
import textwrap
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rich.cells import cell_len
from rich.console import Console

from lossacc_tui.analysis import Alert, Analyzer
from lossacc_tui.feed import Feed
from lossacc_tui.model import Run, Series
from lossacc_tui.readers.probe_align import run_alignment
from lossacc_tui.readers.probe_sidecar import facts_text
from lossacc_tui.source import Source

SCHEMA_VERSION = 1
SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}


@dataclass
class Checked:
    """Logs read to their end and analysed (through one `feed.Feed`): one Analyzer per run, and
    the cross-run alerts."""

    sources: list[Source]
    analyzers: dict[int, Analyzer] = field(default_factory=dict)
    comparisons: list[Alert] = field(default_factory=list)

    @classmethod
    def of(cls, feed: Feed) -> Checked:
        return cls(list(feed.sources), feed.analyzers, feed.comparisons)

    def alerts(self, run: Run) -> list[Alert]:
        return self.analyzers[id(run)].alerts

    def worst(self) -> int:
        """Rank of the worst alert anywhere (-1 when there is none)."""
        every = [a for an in self.analyzers.values() for a in an.alerts] + self.comparisons
        return max((SEVERITY_RANK[a.severity] for a in every), default=-1)


def _num(v: float) -> float | None:
    """JSON has no NaN/inf: non-finite values become null."""
    return float(v) if math.isfinite(v) else None


def _num_x(v: float) -> float | int | None:
    """An x (epoch, step) for JSON: an integer when it is one (149, not 149.0)."""
    f = _num(v)
    return int(f) if f is not None and f.is_integer() else f


X_KEYS = frozenset({"start", "end", "x", "epoch", "step", "at", "since"})


def _is_x_key(key: str) -> bool:
    """Whether a JSON key holds an x (an epoch or step): X_KEYS and every `*_x` (best_x, now_x,
    peak_x... every evidence key of that form is a position on the log's x axis)."""
    return key in X_KEYS or key.endswith("_x")


def _ints_on_x(obj: Any) -> Any:
    """A JSON tree with every integral float under an x key (`_is_x_key`) made an int."""
    if isinstance(obj, dict):
        return {
            k: _num_x(v)
            if isinstance(v, float) and _is_x_key(k)
            else _ints_on_x(v)
            if isinstance(v, (dict, list))
            else v  # (a leaf: no call for each of a long band's numbers)
            for k, v in obj.items()
        }
    if isinstance(obj, list):
        return [_ints_on_x(v) if isinstance(v, (dict, list)) else v for v in obj]
    return obj


def series_summary(s: Series, axis: str) -> dict[str, Any]:
    v = s.values
    finite = v[np.isfinite(v)]
    x = s.x(axis)  # type: ignore[arg-type]
    return {
        "role": s.role,
        "source_name": s.source_name,
        "count": len(v),
        # the first number the analysis uses: a value left out of it (an accuracy outside [0, 1]) or a
        # non-finite first evaluation is named by its own problem line or alert, never printed as `first`
        "first": _num(finite[0]) if len(finite) else None,
        "last": _num(v[-1]) if len(v) else None,
        "min": _num(finite.min()) if len(finite) else None,
        "max": _num(finite.max()) if len(finite) else None,
        "last_x": _num_x(x[-1]) if len(x) else None,
    }


def run_dict(run: Run, source: Source, checked: Checked) -> dict[str, Any]:
    axis = run.x_axis
    an = checked.analyzers[id(run)]
    return {
        "name": run.name,
        "path": run.json_path,
        "format": run.format,
        "x_axis": axis,
        # what the loss measures where the format says: "cross-entropy", "sum-of-terms" (a detection
        # loss: no cross-entropy reasoning), else "unknown"
        "loss_kind": run.loss_kind,
        "metrics": {name: series_summary(s, axis) for name, s in run.series.items() if len(s)},
        "alerts": [a.to_dict() for a in an.alerts],
        "states": [s.to_dict() for s in an.states],
        "problems": [p.to_dict() for p in source.problems(run)]
        + ([p.to_dict() for p in run.probe.problems] if run.probe is not None else []),
        # per split, the probe's per-evaluation facts (schema 1 lines of lossacc_probe.jsonl)
        "probe": run.probe.to_dict() if run.probe else None,
        "probe_path": str(run.probe.path) if run.probe else None,
        # per split, how the probe's x meets the log's: state same/shifted/x/unmatched/none, and the
        # shift added to the probe's x to give the log's (a probe given the loop's 0-based epoch: 1)
        "probe_alignment": {
            name: {"state": (al := run_alignment(run, name)).state, "shift": al.shift}
            for name in (run.probe.splits if run.probe else {})
        },
    }


def check_json(checked: Checked) -> dict[str, Any]:
    """The JSON document; epochs and steps are integers when integral, other numbers are Python
    floats (written in their shortest round-trip form)."""
    return _ints_on_x(
        {
            "version": SCHEMA_VERSION,
            "runs": [run_dict(r, src, checked) for src in checked.sources for r in src.runs],
            "comparisons": [a.to_dict() for a in checked.comparisons],
        }
    )


def _fmt(v: float | None) -> str:
    if v is None:
        return "-"
    if v != 0 and (abs(v) >= 1e5 or abs(v) < 1e-3):
        return f"{v:.3e}"
    return f"{v:.4f}"


def _fmt_logged(v: float) -> str:
    """A logged value as written: a non-finite one as `nan`, `inf` or `-inf` (what the log holds),
    never a placeholder that reads as another value."""
    v = float(v)
    return _fmt(v) if math.isfinite(v) else str(v)


def _fmt_first(first: float | None, vals: np.ndarray) -> str:
    """The table's `first`: the first finite value, or the logged first value (`nan`) when there is
    none (a series that never had a number)."""
    return _fmt(first) if first is not None else _fmt_logged(vals[0])


def _fmt_x(v: float | None) -> str:
    if v is None:
        return "-"
    return str(int(v)) if float(v).is_integer() else f"{v:.2f}"


def alert_text(a: Alert, axis: str, indent: str = "  ") -> list[str]:
    """An alert as plain text: one heading line, then its explanation indented."""
    span = _fmt_x(a.start) if a.end is None or a.end == a.start else f"{_fmt_x(a.start)}-{_fmt_x(a.end)}"
    state = "active" if a.active else "closed"
    out = [f"{indent}[{a.severity}] {a.kind}: {a.title} ({axis} {span}, {state})"]
    return out + [f"{indent}    {line}".rstrip() for line in plain_markdown(a.explanation, 100)]


def plain_markdown(markdown: str, width: int) -> list[str]:
    """Markdown (an explanation) as plain text lines `width` wide: Rich renders it without colour
    or styles, so no `**` or backticks are left and no escape sequence is written."""
    from rich.markdown import Markdown  # markdown-it: only when an explanation is printed

    buf = io.StringIO()
    console = Console(file=buf, width=width, color_system=None, force_terminal=False, emoji=False)
    console.print(Markdown(markdown.strip(), hyperlinks=False))
    lines = [line.rstrip() for line in buf.getvalue().splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def check_text(checked: Checked) -> str:
    out: list[str] = []
    for src in checked.sources:
        for run in src.runs:
            d = run_dict(run, src, checked)
            metrics = d["metrics"]
            xs = [m["last_x"] for m in metrics.values() if m["last_x"] is not None]
            if xs:
                span = f"{len(metrics)} series, last {d['x_axis']} {_fmt_x(max(xs))}"
            else:  # (series whose points have no x on the run's axis are data too: never "no data")
                span = f"{len(metrics)} series, no {d['x_axis']} read" if metrics else "no data"
            out.append(f"{run.name}  [{run.format}]  {span}")
            if metrics:
                width = max(6, *(cell_len(n) for n in metrics))  # (a combining mark takes no cell)
                out.append(
                    f"  {'metric':<{width}}  {'role':<10}  {'count':>6}  {'first':>10}  {'last':>10}"
                    f"  {'min':>10}  {'max':>10}  {'last x':>8}"
                )
                for name, m in metrics.items():
                    vals = run.series[name].values
                    out.append(
                        f"  {name}{' ' * (width - cell_len(name))}  {m['role']:<10}  {m['count']:>6}"
                        f"  {_fmt_first(m['first'], vals):>10}"
                        f"  {_fmt_logged(vals[-1]):>10}  {_fmt(m['min']):>10}  {_fmt(m['max']):>10}"
                        f"  {_fmt_x(m['last_x']):>8}"
                    )
            an = checked.analyzers[id(run)]
            if an.states:
                now = an.states[-1]
                why = ""
                if now.state == "warming-up" and any(
                    a.end is None and a.severity in ("warning", "critical") for a in an.alerts
                ):  # (as the summary says it: the band's rule waits, an alert below did not)
                    why = (
                        " (too few evaluations for the band's own trend reading; the alerts below"
                        " judge by their own rules)"
                    )
                out.append(f"  state: {now.state} since {d['x_axis']} {_fmt_x(now.start)}{why}")
            if run.probe:
                for series in run.probe.splits.values():
                    last, al = series.latest(), run_alignment(run, series.split)
                    if last is not None:
                        said = facts_text(last, d["x_axis"], al.shift) + " " + al.note(d["x_axis"])
                        out += textwrap.wrap(said.strip(), 100, initial_indent="  ", subsequent_indent="    ")
            for a in an.alerts:
                out += alert_text(a, d["x_axis"])
            probs = d["problems"]
            if probs:
                out.append(f"  {len(probs)} problem{'s' if len(probs) != 1 else ''}:")
                for p in probs[:5]:
                    where = f"line {p['line']}: " if p["line"] else ""
                    out.append(f"    {where}{p['message']}")
                if len(probs) > 5:
                    out.append(f"    ... and {len(probs) - 5} more (see --json)")
            out.append("")
    if checked.comparisons:
        out.append("across runs:")
        for a in checked.comparisons:
            out += alert_text(a, a.data.get("axis", "x"))
    return "\n".join(out).rstrip() + "\n"
