"""``demo_logs/README.md``: fixed text around a table with one row per case."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cases import Case
from writers_base import write_text

README_HEAD = """# demo_logs

Real training runs (numpy softmax regression / small ReLU MLPs trained with SGD or Adam on
generated data), written in the formats real frameworks write, one folder per loss/accuracy
situation. Nothing is hand-drawn: every value is the model's own cross-entropy (mean over
samples) or accuracy. Train loss/accuracy are the sample-weighted means of the batch values
seen during the epoch (what Keras, Lightning and most loops report; fastai's `train_loss` is
its smoothed loss); validation metrics are computed on the whole validation set after the
epoch. Wall-clock fields (timestamps, `2ms/step`, `00:01`, `eval_runtime`) come from a seeded
simulated clock.

Numbers about the curves are computed from the values as written in the files (float32,
or rounded as printed). Diagnostic numbers (per-class recall, per-row losses, the ambiguous
cluster of `eight_runs`) come from the model's predictions at those epochs and are not in
the logs.

| case | format | file | what happens (epochs as numbered in the file) |
|---|---|---|---|
"""

README_TAIL = """
Conventions, as the real tools write them:

- Keras `training.log` (CSVLogger) rows end in `\\r\\n`, values are float32 reprs, epoch from 0.
- Keras stdout is what a terminal receives: `\\r` + backspaces (`\\x08`) rewrite the progress
  bar, `ETA:` while running, then the final `32/32 [====...] - 0s 2ms/step - loss: ...` line.
  Epochs are counted from 1 (`Epoch 3/20`).
- Lightning `metrics.csv` rows end in `\\r\\n`; step rows every `log_every_n_steps`, one
  `val_*` row and one `train_*_epoch` row per epoch at the epoch's last step.
- HuggingFace `epoch` is fractional in training rows and `k.0` in eval rows; `loss` is rounded
  to 4 decimals; the last `log_history` entry is the train summary.
- fastai `train_loss` is fastai's smoothed loss; epochs from 0.
- MLflow metric files are `timestamp_ms value step` lines; params/tags files have no newline.

## Regenerate

```
python demo_logs/scripts/make_demo_logs.py
```

(with the project virtualenv: `/work/venv/bin/python demo_logs/scripts/make_demo_logs.py`).
numpy only, single-threaded BLAS, fixed seeds: two runs give identical bytes on the same
machine and numpy build. The script rewrites the case folders listed above and this README,
and prints one summary line per case (the same text as the table).
"""


def write_readme(root: Path, cases: Sequence[Case]) -> None:
    """Write ``root / "README.md"``; the case files are shown relative to ``root``."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    rows = []
    for c in cases:
        files = "<br>".join(f"`{f.relative_to(root).as_posix()}`" for f in c.files)
        rows.append(f"| `{c.name}` | {cell(c.fmt)} | {files} | {cell(c.summary)}. {cell(c.story)} |")
    write_text(root / "README.md", README_HEAD + "\n".join(rows) + "\n" + README_TAIL)
