"""Whether a metric in the accuracy role is the share of samples predicted right, by its name.

`--map val_acc=eval_f1` gives an F1 score the accuracy role (the analysis reads one accuracy per
split). An F1, a precision, a recall, an AUC, a mAP, an IoU, a balanced (class-averaged) accuracy
are not the share of samples predicted right: none of the arithmetic that rests on that share holds
for them (the (1 - a) ln 2 floor of cross-entropy, "x % of the samples are wrong", sample counts,
chance at 1/K). Tester h19t: an F1 of 0.2 beside val_loss 0.25 on a healthy imbalanced run (accuracy
~0.93) was called "80 % of the predictions are wrong ... not cross-entropy (follows)". Such a metric
is read for its trend beside the loss only (`Ctx.acc_not_share`).
"""

from __future__ import annotations

import re

#: name words -> what the metric is (said in the note); matched as whole words of the normalized
#: name (`val_f1`, `eval/F1-score`, `valid_mAP@0.5`, `val_auroc`, `val_balanced_accuracy`)
_KINDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rf"(?:^|_)(?:{words})(?:_|$)"), what)
    for words, what in (
        (r"f1|f1_?score|f_?score|f_?beta|fbeta|f_?measure|dice", "an F-score"),
        (r"precision|ppv|average_precision|ap|map|m_ap", "a precision (or mean average precision)"),
        (r"recall|sensitivity|specificity|tpr|tnr|fpr", "a recall (or a rate of one class)"),
        (r"auc|auroc|roc_auc|auc_roc|roc|auprc|pr_auc", "an AUC"),
        (r"iou|miou|m_iou|jaccard", "an IoU"),
        (r"balanced|mean_class|class_mean|per_class|macro|weighted", "a class-averaged accuracy"),
        (r"mcc|matthews|kappa|cohen_kappa|r2|bleu|rouge|wer|cer|ndcg|hit_rate", "a score"),
    )
)
_NORM = re.compile(r"[^a-z0-9]+")


def not_share(name: str) -> str:
    """What a metric whose name says it is not plain accuracy is ("an F-score"), or "" for an
    accuracy (or a name that says nothing: then it is read as one).

    >>> not_share("eval_f1"), not_share("val/F1-score"), not_share("val_mAP@0.5"), not_share("val_auc")
    ('an F-score', 'an F-score', 'a precision (or mean average precision)', 'an AUC')
    >>> not_share("val_balanced_accuracy"), not_share("val_acc"), not_share("prec1"), not_share("Acc@1")
    ('a class-averaged accuracy', '', '', '')
    """
    n = _NORM.sub("_", name.lower()).strip("_")
    for pattern, what in _KINDS:
        if pattern.search(n):
            return what
    return ""


def not_share_note(name: str, role: str, what: str) -> str:
    """The one-line problem that says why only the trend of `name` (in `role`) is read."""
    return (
        f"{name} (read as {role}) is {what}, not the share of samples predicted right: only its trend "
        "beside the loss is read (no cross-entropy bound, chance level or sample count rests on it)"
    )
