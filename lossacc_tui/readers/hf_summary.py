"""Hugging Face `Trainer.save_metrics` summaries: `all_results.json`, `train_results.json`,
`eval_results.json`, `test_results.json` (one flat JSON object of final values, as written by the
example scripts such as run_image_classification.py).

Each is one point per metric at the run's final `epoch`, so it is accepted only when pointed at
directly (a folder scan leaves it to `trainer_state.json`, which holds the whole history), and a
problem says that it is a summary. Runtime and throughput counters are not metrics.
"""

from __future__ import annotations

from typing import Any, ClassVar

from lossacc_tui.readers.jsondoc import JsonDocumentReader, Row, number
from lossacc_tui.readers.layouts import Level
from lossacc_tui.readers.registry import register

SUMMARY_FILES = frozenset(
    {"all_results.json", "train_results.json", "eval_results.json", "test_results.json"}
)
_NOT_METRICS = frozenset({"epoch", "step", "total_flos", "num_input_tokens_seen"})
_THROUGHPUT = ("_runtime", "_samples_per_second", "_steps_per_second", "_samples", "_tokens_per_second")


@register
class HFSummaryReader(JsonDocumentReader):
    format_id: ClassVar[str] = "hf-summary"

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        base = name.replace("\\", "/").rsplit("/", 1)[-1]
        if base not in SUMMARY_FILES or not head.lstrip("\ufeff \t\r\n").startswith("{"):
            return 0.0
        return Level.GUESS.score  # below a folder scan's bar: only read when given directly

    def rows(self, doc: Any) -> list[Row]:
        values = self.final_values(
            doc,
            lambda key: key in _NOT_METRICS or key.endswith(_THROUGHPUT),
            "a summary of final values (one point per metric, at the last epoch); the whole history "
            "is in trainer_state.json beside it",
        )
        if values is None:
            return []
        epoch = number(doc.get("epoch"))
        step = number(doc.get("step"))
        return [(values, step if step == step else None, epoch if epoch == epoch else None)]
