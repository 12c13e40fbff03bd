"""The probe: per-sample facts of each evaluation, written beside the training log so lossacc-tui
can confirm or refute its readings of the loss and accuracy curves.

Needs numpy only (no Textual, no framework); the framework adapters import theirs when used:

    from lossacc_tui.probe import Probe
    probe = Probe("runs/exp1")                      # the folder the training log is written to
    probe.log(epoch=e, logits=val_logits, labels=val_labels, split="val")

Each call appends one JSON object (one line, flushed) to `runs/exp1/lossacc_probe.jsonl`.
Schema 1 (units: losses in nats, shares and rates fractions 0..1):

    schema, split, epoch, step, n, k, accuracy, loss (mean cross-entropy, p clipped at 1e-12),
    n_wrong, wrong_loss_share, confident_wrong (mistakes with confidence > 0.9),
    confident_wrong_share, p_true_wrong_hist (5 bins of p_true of mistakes: [0,.1) ... [.4,.5]),
    mean_conf, conf_right, conf_wrong, ece (15 equal-width bins, Guo et al. 2017), flips,
    flips_to_right, flips_to_wrong (predicted class changed since the previous evaluation of
    the split; null on the first one or when the sample order cannot be known; with K > 2 a
    mistake can change to another wrong class, so flips may exceed flips_to_right +
    flips_to_wrong), majority_rate,
    pred_majority_share, per_class_acc (recall per class for K <= 20; null for a class with
    no samples).
    Added keys: flips_note (why flips is null, else null), time (unix seconds of the write).

`epoch` is whatever the caller passes (Keras CSVLogger writes 0-based epochs; HF Trainer writes
fractional epochs, kept as floats). Full meanings: /README.md, "Probe".
"""

from lossacc_tui.probe.stats import SCHEMA, BadInput, ece, facts, looks_like_probs, predictions
from lossacc_tui.probe.writer import FILENAME, Batches, Probe, ProbeWarning, log_eval

__all__ = [
    "FILENAME",
    "SCHEMA",
    "BadInput",
    "Batches",
    "Probe",
    "ProbeWarning",
    "ece",
    "facts",
    "log_eval",
    "looks_like_probs",
    "predictions",
]
