"""General explanations of each alert kind (`lossacc-tui explain KIND`)."""

from __future__ import annotations

from lossacc_tui.analysis.alerts import KINDS

BASICS = """\
**Reading loss and accuracy together.** Accuracy counts which side of the decision threshold each
prediction lands on. Cross-entropy also weighs how confident it is, and punishes a confident
mistake without bound. Three numbers make the two comparable:

- the **loss floor** (1 - a) ln 2: with accuracy a, every mistake puts at most 1/2 on its true
  class, so the mean loss cannot be lower than that;
- the **chance loss** ln K of a uniform guess over K classes (`--classes K`, or inferred from the
  first evaluations: initial loss near ln K, accuracy near 1/K);
- the **loss per mistake** loss / (1 - a) if right answers cost nothing, and the probability on the
  true class it implies, exp(-loss / (1 - a)). Example: val_loss 0.4577 at val_acc 0.7826 means
  mistakes average at most about 0.12 on their true class; a valid_loss of 162 at accuracy 0.63
  cannot come from sane probabilities at all.

Worked example: binary cross-entropy at p = 0.51 on the true class is 0.673 (right), at p = 0.49
it is 0.713 (wrong). Accuracy flips by one sample, the loss moves by 0.04 nats.
"""

GENERAL: dict[str, str] = {
    "loss-up-acc-up": (
        "Validation loss rises while validation accuracy rises or holds. Borderline samples keep crossing "
        "to the right side (accuracy up, little loss saved) while a few mistakes become confident (loss up, "
        "without bound). Often the first sign of overfitting. Check: the most confident mistakes, "
        "calibration (temperature scaling, label smoothing), early stopping on the loss; report a proper "
        "scoring rule or AUC beside accuracy."
    ),
    "loss-down-acc-down": (
        "The loss improves while accuracy falls: predictions near the decision threshold slip across it "
        "(cheap in loss) while others grow more confident (the loss averages confidence, accuracy counts "
        "sides). A drifting class prior (label noise, imbalance) does this. Check: per-class recall, the "
        "training label distribution, the threshold; keep the checkpoint at the accuracy peak if accuracy "
        "is what you deploy."
    ),
    "acc-flat-loss-down": (
        "Accuracy is flat while the loss keeps falling: the model grows more confident on samples it "
        "already gets right. Accuracy cannot move until samples cross the threshold; a capacity or "
        "label-noise ceiling stops that. Informational: more epochs buy calibration, not accuracy."
    ),
    "val-loss-unstable": (
        "Validation loss swings by large factors while accuracy barely moves: a handful of extremely "
        "confident wrong predictions dominate an unbounded mean. Check the learning rate, input "
        "normalisation, evaluation mode (dropout, batch norm) and numerics (overflowing logits); list the "
        "rows with the highest loss."
    ),
    "high-loss-good-acc": (
        "Good accuracy with a loss far above what that accuracy requires: the few mistakes cost many nats "
        "each, i.e. they are made with near-certainty. Or the logged loss includes more than cross-entropy "
        "(regularisation, label smoothing, class weights). Check the most confident mistakes and "
        "calibration."
    ),
    "overfitting": (
        "Training loss falls while validation loss rises; the gap between them widens. The model fits its "
        "training samples, noise included, in ways that do not carry over. Early-stop at the best "
        "validation loss, regularise, augment, or get more data."
    ),
    "acc-stuck": (
        "Accuracy unchanged for many evaluations, or equal to the majority-class rate you gave "
        "(`--majority`): the model may be predicting one class, and on imbalanced data accuracy then hides "
        "everything else. Check the confusion matrix, a balanced metric (minority-class F1, balanced "
        "accuracy, AUC), and whether the loss is NaN (argmax over NaN logits is a constant class)."
    ),
    "non-finite": (
        "NaN or inf in a loss. Every gradient after it is NaN too. Check the learning rate, gradient "
        "clipping, log(0) or division in a custom loss, fp16 overflow, NaN inputs; resume from the last "
        "good checkpoint."
    ),
    "loss-explosion": (
        "A loss far above its running best (a factor and an absolute margin beyond its own noise): a "
        "divergence step, a bad batch, or numerics. Lower the learning rate, add warmup and clipping, "
        "compare with the best checkpoint."
    ),
    "plateau": (
        "No new best validation loss for a patience window (informational). The alert names the best epoch "
        "and the accuracy there: the checkpoint to keep, and the point where lowering the learning rate or "
        "stopping would save compute."
    ),
    "runs-disagree": (
        "Across runs watched together, final or best losses nearly equal while accuracies differ by several "
        "points, or the loss ranking and the accuracy ranking disagree. Samples near p = 0.5 cost ln 2 "
        "whichever side they fall on, so equal losses can hide different accuracies. Average the last "
        "evaluations or compare a proper scoring rule before picking a run."
    ),
    "metric-mismatch": (
        "A later evaluation in the same log (a classification report, a printed test accuracy) disagrees "
        "with the logged accuracy by more than a few points: a different split, checkpoint, preprocessing, "
        "train-mode layers, or macro vs micro averaging."
    ),
    "not-cross-entropy": (
        "An evaluation's loss and accuracy cannot describe the same predictions under cross-entropy: the "
        "loss is below (1 - a) ln 2, the least it can be when a share 1 - a is wrong, or accuracy sits at "
        "1/K while the loss is far below ln K. A glitched evaluation (degenerate targets), a loss that is "
        "not cross-entropy (MSE, a sum of terms), or an accuracy metric reading the labels differently "
        "(sparse vs one-hot). That evaluation is kept out of bests and trends, and no explanation of the "
        "run reasons about cross-entropy."
    ),
    "eval-non-finite": (
        "Only the validation loss is NaN or inf while the training loss on the same lines stays finite: "
        "the evaluation is broken (empty split or mask, labels out of range, log(0)), not the training. "
        "Check the validation data and how its loss is computed."
    ),
    "acc-at-chance": (
        "Accuracy about 1/K and the loss about ln K for many evaluations while accuracy still jitters: the "
        "predictions carry no information; the model is not learning (learning rate, frozen weights, fp16 "
        "scaler skipping every step, inputs or labels not reaching the model)."
    ),
    "val-unlike-train": (
        "Validation accuracy far below chance while training accuracy is good: the validation data holds "
        "classes or an ordering the training data does not (Keras' validation_split on unshuffled data), "
        "or its labels are mapped differently. Check the class counts of each split."
    ),
}


def explain_kind(kind: str) -> str:
    """The general Markdown explanation of an alert kind (raises KeyError for unknown kinds)."""
    if kind not in GENERAL:
        raise KeyError(f"unknown alert kind {kind!r} (known: {', '.join(KINDS)})")
    return f"# {kind}\n\n{GENERAL[kind]}\n\n{BASICS}"
