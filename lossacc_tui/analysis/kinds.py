"""General explanations of each alert kind (`lossacc-tui explain KIND`)."""

from __future__ import annotations

from lossacc_tui.analysis.kind import REGISTRY

BASICS = """\
**Reading loss and accuracy together.** Accuracy counts which side of the decision threshold each
prediction lands on. Cross-entropy also weighs how confident it is, and punishes a confident
mistake without bound. Three numbers make the two comparable:

- the **loss floor** (1 - a) ln 2: with accuracy a, every mistake puts at most 1/2 on its true
  class, so the mean loss cannot be lower than that;
- the **chance loss** ln K of a uniform guess over K classes (`--classes K`, or inferred from the
  first evaluations: initial loss near ln K, accuracy near 1/K);
- the **share of the loss mistakes carry**: each mistake costs at least ln 2, so mistakes carry at
  least (1 - a) ln 2 / loss of it; a mistake's mean cost lies between ln 2 and loss / (1 - a) (the
  top when right answers cost nothing). Example: val_loss 0.4577 at val_acc 0.7826 means mistakes
  carry at least 33 % of the loss and average at most 2.1 nats (at least about 0.12 on their true
  class, geometric mean); the rest can be unsure right answers. A valid_loss of 162 at accuracy 0.63
  needs mistakes averaging hundreds of nats: no sane probabilities give that.

All three hold for a plain **mean cross-entropy** over the evaluated samples with one decision each
(single-label), which a log cannot confirm. A multi-label run (the loss averaged over L labels,
accuracy counting a sample right only when every label is: subset accuracy) breaks the ln 2: a
sample with one wrong label costs as little as ln 2 / L; its metric names (subset_acc, exact_match,
hamming, f1_micro) or Hugging Face's problem_type multi_label_classification make the explanations
read no cost per sample from it, and with K unknown a share forced by the ln 2 alone is `likely`.
A sum over the batch (reduction='sum'), class weights or pos_weight, focal loss,
distillation or an auxiliary term make the logged loss another objective: a mistake can then cost
less than ln 2, or far more. The explanations say the arithmetic as conditional on a mean
cross-entropy, and say the loss is likely not one where the run's numbers contradict it (a model
that classifies from its first evaluation at a loss needing mistakes over 20 nats each, still so at
its lowest) or its configuration or metric names name another objective; then no cost per sample is
read from it and no claim resting on it is more than `possible`.

Worked example: binary cross-entropy at p = 0.51 on the true class is 0.673 (right), at p = 0.49
it is 0.713 (wrong). Accuracy flips by one sample, the loss moves by 0.04 nats.
"""


def _registered() -> tuple[str, ...]:
    # the modules that declare kinds (importing them registers their classes)
    import lossacc_tui.analysis.compare
    import lossacc_tui.analysis.detectors  # noqa: F401

    return tuple(sorted(REGISTRY, key=lambda k: (REGISTRY[k].order, k)))


#: Every alert kind, in the order alerts are listed when they start at the same x (from the
#: classes that declare them: a kind is named in one place).
KINDS: tuple[str, ...] = _registered()


def explain_kind(kind: str) -> str:
    """The general Markdown explanation of an alert kind (raises KeyError for unknown kinds)."""
    if kind not in REGISTRY:
        raise KeyError(f"unknown alert kind {kind!r} (known: {', '.join(KINDS)})")
    return f"# {kind}\n\n{REGISTRY[kind].general}\n\n{BASICS}"


def readme_table() -> str:
    """The README's table of kinds, from the declarations (a test keeps the README equal to it)."""
    rows = ["| kind | severity | what it means |", "|---|---|---|"]
    rows += [f"| `{k}` | {REGISTRY[k].severity_doc} | {REGISTRY[k].meaning} |" for k in KINDS]
    return "\n".join(rows)
