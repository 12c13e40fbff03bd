"""A run's parameters where its log folder has them, for the run overview: Lightning's hparams.yaml,
MLflow's params/ folder, W&B's config.yaml and the scalar fields of a Hugging Face trainer_state.json.
Files are opened read-only and only read, small ones only; nested YAML is left out (flat keys only).
Textual-free."""

from __future__ import annotations

import json
import os
from pathlib import Path

MAX_BYTES = 64 * 1024  # a parameter file larger than this is not read
MAX_PARAMS = 40  # shown at most (the rest are counted)
HF_SKIP = {"log_history", "best_model_checkpoint", "trial_name", "trial_params", "stateful_callbacks"}


def _small_text(p: Path) -> str | None:
    try:
        if not p.is_file() or p.stat().st_size > MAX_BYTES:
            return None
        return p.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def flat_yaml(text: str) -> dict[str, str]:
    """Top-level `key: value` lines of a YAML file (nested blocks and lists are skipped; W&B's
    `key:\\n  value: v` form is read as key = v).

    >>> flat_yaml("lr: 0.001\\nbatch_size: 64\\nopt:\\n  name: adam\\nepochs:\\n  value: 3\\n")
    {'lr': '0.001', 'batch_size': '64', 'epochs': '3'}
    """
    out: dict[str, str] = {}
    pending: str | None = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0] in " \t":
            stripped = line.strip()
            if pending is not None and stripped.startswith("value:"):
                out[pending] = stripped[len("value:") :].strip().strip("'\"")
            continue
        key, sep, value = line.partition(":")
        pending = None
        if not sep:
            continue
        value = value.strip().strip("'\"")
        if value:
            out[key.strip()] = value
        else:
            pending = key.strip()
    return out


def read_params(run_path: str) -> dict[str, str]:
    """The parameters found beside a run's log (empty when there are none)."""
    path = Path(run_path)
    here = path if path.is_dir() else path.parent
    found: dict[str, str] = {}
    for folder in (here, here.parent):
        for name in ("hparams.yaml", "config.yaml") if folder == here else ():  # (beside the log only)
            text = _small_text(folder / name)
            if text:
                found.update(flat_yaml(text))
        params = folder / "params"  # (MLflow: in the run's folder, the log may be in metrics/)
        if params.is_dir():  # MLflow: one file per parameter, its value the file's text
            try:
                entries = sorted(os.listdir(params))[: MAX_PARAMS * 2]
            except OSError:
                entries = []
            for entry in entries:
                text = _small_text(params / entry)
                if text is not None:
                    found[entry] = text.strip()
        if found:
            break
    if not found and path.name == "trainer_state.json":
        text = _small_text(path)
        try:
            doc = json.loads(text) if text else {}
        except ValueError:
            doc = {}
        if isinstance(doc, dict):
            found = {
                k: str(v)
                for k, v in doc.items()
                if k not in HF_SKIP and isinstance(v, (int, float, str, bool)) and v is not None
            }
    return found


def params_markdown(params: dict[str, str], clean: object) -> str:
    """The parameters as a Markdown section whose values show literally (a fenced block)."""
    if not params:
        return ""
    fix = clean  # (control characters out: strings from files are data)
    items = sorted(params.items())
    lines = [f"{fix(k)} = {fix(v)}".replace("`", "'") for k, v in items[:MAX_PARAMS]]  # type: ignore[operator]
    if len(items) > MAX_PARAMS:
        lines.append(f"... and {len(items) - MAX_PARAMS} more")
    return "\n\n**Parameters** (from the run's folder)\n\n```text\n" + "\n".join(lines) + "\n```\n"
