"""MLflow file store: one metric file per metric (`mlruns/<exp>/<run>/metrics/<name>`).

Each line is `timestamp value step` (timestamp in ms; files from old MLflow versions omit the step,
which then is 0). The reader is made per file with the metric's name; the helpers below find the
runs of an `mlruns/` tree and the metric files of a run.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import ClassVar

from lossacc_tui.model import Batch, BatchBuilder
from lossacc_tui.readers.base import Reader, clean_text, to_float
from lossacc_tui.readers.layouts import Claim, register_layout
from lossacc_tui.readers.registry import register

#: Folders never searched for runs.
_NEVER = frozenset({"node_modules", "__pycache__", "site-packages", "artifacts"})
_LINE = re.compile(r"^\d{9,14}(?:\.\d*)? +\S+(?: +-?\d+)?$")


@register
class MlflowMetricReader(Reader):
    """One MLflow metric file: rows `{name: value}` with their step and wall time (seconds)."""

    format_id: ClassVar[str] = "mlflow"

    def __init__(self, name: str = "value") -> None:
        super().__init__()
        self.name = clean_text(name) or "value"

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        lines = head.splitlines()
        if lines and not head.endswith(("\n", "\r")):
            lines = lines[:-1]  # the head may cut the last line short
        lines = [ln.strip() for ln in lines[:50] if ln.strip()]
        in_metrics = "/metrics/" in name.replace("\\", "/")
        if not lines:
            return 0.4 if in_metrics and not head.strip() else 0.0
        for ln in lines:
            if not _LINE.match(ln) or to_float(ln.split()[1]) is None:
                return 0.0
        return 0.95 if in_metrics else 0.6

    def _lines(self, block: bytes, first_line: int) -> list[Batch]:
        builder = BatchBuilder()
        for i, raw in enumerate(block.split(b"\n")):
            parts = raw.split()
            if not parts:
                continue
            line = first_line + i
            parsed = _parse(parts)
            if parsed is None:
                text = clean_text(self.decode(raw))[:80]
                self.problem(line, f"not an MLflow metric line (timestamp value step): {text!r}")
                continue
            ms, value, step = parsed
            builder.add({self.name: value}, step=step, time=ms / 1000.0, line=line)
        batch = builder.build()
        return [] if batch is None else [batch]


#: The name the MLflow layout (below) uses.
MlflowReader = MlflowMetricReader


def _parse(parts: list[bytes]) -> tuple[float, float, float] | None:
    if len(parts) not in (2, 3):
        return None
    try:
        ms = float(parts[0])
        step = float(int(parts[2])) if len(parts) == 3 else 0.0
    except ValueError:
        return None
    value = to_float(parts[1].decode("ascii", errors="replace"))
    return None if value is None else (ms, value, step)


def read_meta(path: Path) -> dict[str, str]:
    """Top-level `key: value` pairs of an MLflow `meta.yaml` (a line parser, no YAML library)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line or line[0] in " \t#-":
            continue
        key, sep, value = line.partition(":")
        if not sep:
            continue
        v = value.strip()
        if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
            v = v[1:-1]
        out[key.strip()] = v
    return out


def is_mlflow_run(path: Path) -> bool:
    """A run folder: `meta.yaml` describing a run (`run_id`), or `meta.yaml` beside `metrics/`."""
    try:
        if not (path / "meta.yaml").is_file():
            return False
        meta = read_meta(path / "meta.yaml")
        return (
            "run_id" in meta
            or "run_uuid" in meta
            or ("artifact_location" not in meta and (path / "metrics").is_dir())
        )
    except OSError:
        return False


def is_deleted(path: Path) -> bool:
    """The run or experiment folder's meta.yaml says `lifecycle_stage: deleted`."""
    return read_meta(path / "meta.yaml").get("lifecycle_stage") == "deleted"


def mlflow_run_name(run_dir: Path) -> str:
    """The run's name: the `mlflow.runName` tag, else meta.yaml's `run_name`/`name`, else its id."""
    try:
        tag = (run_dir / "tags" / "mlflow.runName").read_text(encoding="utf-8", errors="replace")
    except OSError:
        tag = ""
    meta = read_meta(run_dir / "meta.yaml")
    for name in (tag, meta.get("run_name", ""), meta.get("name", "")):
        if clean_text(name).strip():
            return clean_text(name).strip()
    return run_dir.name


def mlflow_run_files(run_dir: Path) -> list[tuple[Path, str]]:
    """(metric file, metric name) of every metric of a run; nested folders give names with `/`."""
    metrics = run_dir / "metrics"
    try:
        files = sorted(p for p in metrics.rglob("*") if p.is_file() and not p.name.startswith("."))
    except OSError:
        return []
    return [(p, p.relative_to(metrics).as_posix()) for p in files]


def find_mlflow_runs(root: Path, depth: int = 6) -> list[Path]:
    """The live runs under `root`: a run folder, an experiment folder, an `mlruns/` tree, or any
    folder that holds such trees (searched `depth` levels down). Deleted runs and experiments
    (`lifecycle_stage: deleted`) and hidden folders such as `.trash` are left out."""
    if is_mlflow_run(root):
        return [] if is_deleted(root) else [root]
    found: list[tuple[str, int, str, Path]] = []
    stack = [(root, 0)]
    while stack:
        folder, level = stack.pop()
        if (folder / "meta.yaml").is_file() and is_deleted(folder):
            continue
        for d in _subdirs(folder):
            if d.name.startswith("."):
                continue
            if is_mlflow_run(d):
                if not is_deleted(d):
                    found.append((str(folder), _start_time(d), d.name, d))
            elif level + 1 < depth:
                stack.append((d, level + 1))
    return [d for *_, d in sorted(found)]


def _subdirs(path: Path) -> list[Path]:
    """Sub-folders, found without a stat per file (a folder of 100k images stays cheap)."""
    try:
        with os.scandir(path) as entries:
            names = [e.name for e in entries if e.is_dir() and e.name not in _NEVER]
    except OSError:
        return []
    return [path / n for n in sorted(names)]


def _start_time(run_dir: Path) -> int:
    try:
        return int(read_meta(run_dir / "meta.yaml").get("start_time", ""))
    except ValueError:
        return 0


@register_layout("mlflow")
def mlflow_layout(folder: Path) -> list[Claim]:
    """The MLflow file store through the one discovery hook (`readers.layouts`): a run folder is
    one run of its metric files (a run with no metric yet claims nothing until one appears); an
    experiment folder (its `meta.yaml`) claims its runs in the order they started. A deleted run or
    experiment is covered, so that no scan reads it, and read by nobody."""
    if is_mlflow_run(folder):
        return [_covered(folder) if is_deleted(folder) else _run_claim(folder)]
    if not (folder / "meta.yaml").is_file():
        return []
    if is_deleted(folder):
        return [_covered(folder)]
    runs = sorted((d for d in _subdirs(folder) if is_mlflow_run(d)), key=lambda d: (_start_time(d), d.name))
    return [_covered(d) if is_deleted(d) else _run_claim(d) for d in runs]


def _run_claim(run_dir: Path) -> Claim:
    files = [(p, functools.partial(MlflowReader, name=m)) for p, m in mlflow_run_files(run_dir)]
    return Claim(run_dir, "mlflow", files, covers={run_dir})  # type: ignore[arg-type]


def _covered(folder: Path) -> Claim:
    return Claim(folder, "mlflow", [], covers={folder})
