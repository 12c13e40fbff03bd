"""Files of facts written beside a training log, told from a log of metrics by their records'
content (not by their name): a per-evaluation truth file (`{"nan": true, "epoch": 3,
"logged_val_loss": NaN}`, one line per evaluation) or a per-sample predictions file (`{"epoch": 3,
"sample": 17, "label": 4, "pred": 1, "loss": 2.3}`, one line per sample). Both are JSON lines the
JSON-lines reader would take, with a loss named among their keys; read as a run, they add a run
whose only "metric" is a copy of the log's own (tester 20: `truth.jsonl` beside `log.jsonl` read
as a second run with `logged_val_loss` as its training loss and a `non-finite` critical).

A log of metrics holds one number per metric a line: a record with a true/false value and no metric
under a plain name (`loss`, `val_acc`, ...) holds facts (a log's `"is_best": true` rides beside its
`val_loss`), and a record naming both a sample's true class and its predicted class is one sample. In a folder
such a file is skipped and said so (`check`: a note on stderr; the follower: a `skipped` status);
named on its own, or with `--format jsonl`, it is read as the user asked.
"""

from __future__ import annotations

import re
from pathlib import Path

from lossacc_tui.detection import detect, document_name
from lossacc_tui.readers import jsonvalue
from lossacc_tui.readers.base import Reader
from lossacc_tui.roles import normalize

#: keys that name a sample's true class, and its predicted class (normalised: `y_true`, `Label`)
TRUE_KEYS = frozenset(
    {"label", "labels", "target", "targets", "y_true", "true_label", "true_class", "gt", "truth"}
)
PRED_KEYS = frozenset(
    {"pred", "preds", "prediction", "predicted", "y_pred", "pred_label", "pred_class", "predicted_class"}
)
LINES = 20  # the records looked at: the start of the file, as the readers' sniffers look
#: metric names a training loop logs under these very names: a record holding one is a log's record,
#: whatever flag rides along (`{"epoch": 3, "val_loss": 0.41, "is_best": true}`)
PLAIN_METRICS = frozenset(
    f"{split}{name}"
    for split in ("", "train_", "val_", "valid_", "eval_", "test_")
    for name in ("loss", "acc", "accuracy")
)


def side_facts(head: str) -> str | None:
    """Why the JSON lines at the start of a file (`head`: its first few KB as text) are facts
    written beside a log rather than a log of metrics, or None when they are not (or are no JSON
    lines at all). Only whole lines are read (the last one of `head` may be cut)."""
    lines = [ln.strip() for ln in head.splitlines()[:LINES]]
    if len(lines) > 1 and not head.endswith("\n"):
        lines.pop()  # (cut at the head's end)
    for ln in lines:
        if not ln.startswith("{"):
            continue
        try:
            obj = jsonvalue.loads(ln)
        except ValueError:
            continue
        if not isinstance(obj, dict):
            continue
        plain = any(normalize(str(k)) in PLAIN_METRICS for k in obj)
        for k, v in obj.items():
            if isinstance(v, bool) and not plain:
                return (
                    f"its records hold a true/false fact (`{k}: {'true' if v else 'false'}`), not one number "
                    "per metric: facts written beside a log (per sample or per evaluation)"
                )
        keys = {normalize(str(k)): str(k) for k in obj}
        true = next((keys[k] for k in keys if k in TRUE_KEYS), None)
        pred = next((keys[k] for k in keys if k in PRED_KEYS), None)
        if true is not None and pred is not None:
            return f"each record is one sample (its `{true}` and `{pred}`): predictions written beside a log"
    return None


def skipped(why: str) -> str:
    """The note for a side file skipped in a folder."""
    return f"skipped: not a training log: {why}; name the file itself (or --format jsonl) to read it as one"


#: what a file's start must hold for it to be looked at as facts about the log beside it (the
#: words of `facts_beside.FACT_WORDS`, cheaply: most logs are never parsed twice)
_FACT_HINT = re.compile(
    r"wrong|right|mistake|conf|ece|mce|brier|calibration|flip|changed|pred|major|hist|class", re.IGNORECASE
)


def facts_beside_log(path: Path, head: str, reader: type[Reader] | None = None) -> str | None:
    """Why a file a reader takes (`head`: its start as text; `reader`: that reader, when known) is
    facts about the run logged beside it (`facts_beside.facts_about`), or None."""
    if not _FACT_HINT.search(head):
        return None
    from lossacc_tui.facts_beside import facts_about  # (only for a file that may be such facts)

    return facts_about(path, reader)


def document_note(path: Path, head: str | None = None, quiet_below: float | None = None) -> str | None:
    """What to say of a document of a run folder by its name (`detection.document_name`: notes, a
    README) that is passed over as no log: its kind, and when a reader would have read its lines as
    one (`epoch 3 loss 0.52` lines in `notes.txt`), the `--format` that does. None for other files,
    and, with `quiet_below` (a folder scan's least score), for a document no reader would have taken
    at that score: a folder's README or package list is passed over without a word."""
    doc = document_name(path.name)
    if doc is None:
        return None
    found = detect(path, head=head, documents=True)
    if quiet_below is not None and (found is None or found[1] < quiet_below):
        return None
    said = f"{doc} by its name ({path.name})"
    return f"{said}; --format {found[0].format_id} reads it as one" if found else said


def side_note(path: Path, head: str) -> str | None:
    """The note for a file in a folder that is a document by its name a reader would have read
    (`document_note`), facts written beside a log, not a run (`side_facts`, `facts_beside_log`), or
    prose that quotes metrics (`readers/prose.py`), or None. `head`: the file's start as text."""
    if document_name(path.name) is not None:
        from lossacc_tui.source import FOLDER_MIN_SCORE  # (the score a folder scan asks)

        doc = document_note(path, head, FOLDER_MIN_SCORE)
        return None if doc is None else f"skipped: not a training log: {doc}"
    side = side_facts(head)
    if side is not None:
        return skipped(side)
    from lossacc_tui.readers.text_kv import prose_note  # (a notes file that quotes metrics)

    notes = prose_note(path.name, head)
    if notes is not None:
        return f"skipped: not a training log: {notes}; --format text-kv reads it as one"
    about = facts_beside_log(path, head)
    if about is not None:
        return f"skipped: {about}; name the file itself to read it as a run of its own"
    return None


__all__ = ["document_note", "facts_beside_log", "side_facts", "side_note", "skipped"]
