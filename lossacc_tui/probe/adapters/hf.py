"""HuggingFace `Trainer`: a `TrainerCallback` that knows the Trainer's state, and the
`compute_metrics` through which the Trainer hands it the evaluation's predictions (the Trainer
gives callbacks metrics only, never predictions). No extra forward pass.

    probe = HFProbe()                                  # log_dir: the Trainer's output_dir
    trainer = Trainer(..., callbacks=[probe], compute_metrics=probe.compute_metrics(my_metrics))

Each evaluation is logged with `state.global_step` and `state.epoch` (fractional, as
trainer_state.json writes it), split "val".
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from lossacc_tui.probe.stats import looks_like_probs
from lossacc_tui.probe.writer import Batches, Probe, _warn


def _first(x: Any) -> Any:
    """Models may return (logits, hidden states, ...): the logits come first."""
    while isinstance(x, (tuple, list)) and x:
        x = x[0]
    return x


def hf_probe(
    log_dir: str | os.PathLike[str] | None = None, *, split: str = "val", from_logits: bool | None = None
) -> Any:
    """A `transformers.TrainerCallback` with a `compute_metrics(inner=None)` method returning the
    function to give the Trainer (it logs the probe's facts, then returns `inner(eval_pred)` or {}).

    `log_dir`: where `lossacc_probe.jsonl` goes; None: `args.output_dir` (beside trainer_state.json).
    `from_logits`: None decides from the predictions (probabilities lie in [0, 1], summing to 1).
    Raises ImportError naming `pip install transformers`.
    """
    try:
        from transformers import TrainerCallback
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "the HuggingFace probe callback needs transformers: pip install transformers"
        ) from e

    class LossaccProbe(TrainerCallback):  # type: ignore[misc, valid-type]
        """Logs per-sample facts of each evaluation's predictions to lossacc_probe.jsonl."""

        def __init__(self) -> None:
            self.probe: Probe | None = Probe(log_dir) if log_dir is not None else None
            self.state: Any = None
            self._told = False
            self.batches = Batches()

        def on_init_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self.state = state
            if self.probe is None:
                self.probe = Probe(args.output_dir)

        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self.on_init_end(args, state, control)

        def compute_metrics(
            self, inner: Callable[[Any], dict[str, float]] | None = None
        ) -> Callable[[Any], dict[str, float]]:
            def compute(eval_pred: Any, compute_result: bool | None = None) -> dict[str, float]:
                if compute_result is not None:  # batch_eval_metrics=True: called once per batch
                    self._batch(eval_pred, compute_result)
                    return inner(eval_pred, compute_result=compute_result) if inner is not None else {}
                self._log(eval_pred)
                return inner(eval_pred) if inner is not None else {}

            return compute

        def _batch(self, eval_pred: Any, last: bool) -> None:
            out = _first(getattr(eval_pred, "predictions", None))
            labels = _first(getattr(eval_pred, "label_ids", None))
            if out is not None:
                logits = not looks_like_probs(out) if from_logits is None else from_logits
                self.batches.add(labels=labels, **{"logits" if logits else "probs": out})
            if last and self.probe is not None:
                state = self.state
                self.probe.log_batches(
                    self.batches,
                    split=split,
                    step=None if state is None else state.global_step,
                    epoch=None if state is None else state.epoch,
                )

        def _log(self, eval_pred: Any) -> None:
            probe = self.probe
            if probe is None:
                if not self._told:
                    self._told = True
                    _warn("lossacc probe: compute_metrics was called but the probe is not in callbacks=[...]")
                return
            out = _first(getattr(eval_pred, "predictions", None))
            labels = _first(getattr(eval_pred, "label_ids", None))
            if out is None:
                probe.log(labels=labels, probs=None, logits=None)  # one warning, skipped
                return
            logits = not looks_like_probs(out) if from_logits is None else from_logits
            state = self.state
            probe.log(
                labels=labels,
                split=split,
                step=None if state is None else state.global_step,
                epoch=None if state is None else state.epoch,
                **{"logits" if logits else "probs": out},
            )

    return LossaccProbe()
