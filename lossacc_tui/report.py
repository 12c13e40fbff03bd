"""`check` output: per run the format, series with roles, counts and last values; text or JSON."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lossacc_tui.model import Run, Series
from lossacc_tui.source import Source

SCHEMA_VERSION = 1


def _num(v: float) -> float | None:
    """JSON has no NaN/inf: non-finite values become null."""
    return float(v) if math.isfinite(v) else None


def series_summary(s: Series, axis: str) -> dict[str, Any]:
    v = s.values
    finite = v[np.isfinite(v)]
    x = s.x(axis)  # type: ignore[arg-type]
    return {
        "role": s.role,
        "source_name": s.source_name,
        "count": len(v),
        "first": _num(v[0]) if len(v) else None,
        "last": _num(v[-1]) if len(v) else None,
        "min": _num(finite.min()) if len(finite) else None,
        "max": _num(finite.max()) if len(finite) else None,
        "last_x": _num(x[-1]) if len(x) else None,
    }


def run_dict(run: Run, source: Source) -> dict[str, Any]:
    axis = run.x_axis
    return {
        "name": run.name,
        "path": run.path,
        "format": run.format,
        "x_axis": axis,
        "metrics": {name: series_summary(s, axis) for name, s in run.series.items() if len(s)},
        "alerts": [],
        "problems": [p.to_dict() for p in source.problems(run)],
    }


def check_json(sources: list[Source]) -> dict[str, Any]:
    return {"version": SCHEMA_VERSION, "runs": [run_dict(r, src) for src in sources for r in src.runs]}


def _fmt(v: float | None) -> str:
    if v is None:
        return "nan"
    if v != 0 and (abs(v) >= 1e5 or abs(v) < 1e-3):
        return f"{v:.3e}"
    return f"{v:.4f}"


def _fmt_x(v: float | None) -> str:
    if v is None:
        return "-"
    return str(int(v)) if float(v).is_integer() else f"{v:.2f}"


def check_text(sources: list[Source]) -> str:
    out: list[str] = []
    for src in sources:
        for run in src.runs:
            d = run_dict(run, src)
            metrics = d["metrics"]
            xs = [m["last_x"] for m in metrics.values() if m["last_x"] is not None]
            span = f"{len(metrics)} series, last {d['x_axis']} {_fmt_x(max(xs))}" if xs else "no data"
            out.append(f"{run.name}  [{run.format}]  {span}")
            if metrics:
                width = max(6, *(len(n) for n in metrics))
                out.append(
                    f"  {'metric':<{width}}  {'role':<10}  {'count':>6}  {'first':>10}  {'last':>10}"
                    f"  {'min':>10}  {'max':>10}  {'last x':>8}"
                )
                for name, m in metrics.items():
                    out.append(
                        f"  {name:<{width}}  {m['role']:<10}  {m['count']:>6}  {_fmt(m['first']):>10}"
                        f"  {_fmt(m['last']):>10}  {_fmt(m['min']):>10}  {_fmt(m['max']):>10}"
                        f"  {_fmt_x(m['last_x']):>8}"
                    )
            probs = d["problems"]
            if probs:
                out.append(f"  {len(probs)} problem{'s' if len(probs) != 1 else ''}:")
                for p in probs[:5]:
                    where = f"line {p['line']}: " if p["line"] else ""
                    out.append(f"    {where}{p['message']}")
                if len(probs) > 5:
                    out.append(f"    ... and {len(probs) - 5} more (see --json)")
            out.append("")
    return "\n".join(out).rstrip() + "\n"
