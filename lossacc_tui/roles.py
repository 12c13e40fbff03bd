"""Metric names -> roles: a documented alias table, plus user overrides (`--map val_acc=eval_f1`).

A role is one of train_loss, val_loss, train_acc, val_acc, lr, other. Each role goes to at most one
series per run; when several names qualify, the most specific (epoch-level, validation over test)
wins and the rest stay `other` under their own names. A test metric stands in for validation when
the run has no validation metric of its kind (PyTorch's tutorial logs `Loss/val` and `Accuracy/test`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping

from lossacc_tui.clean import clean, fold_marks
from lossacc_tui.roles_numbered import notes as _numbered_notes
from lossacc_tui.roles_numbered import pick as _pick_numbered
from lossacc_tui.roles_said import notes as _said_notes
from lossacc_tui.roles_said import prefer_said

RoleMap = Mapping[str, str]  # role -> source metric name (user overrides)

#: Base names (after removing a split prefix and a _step/_epoch suffix) that mean "loss".
LOSS_NAMES = frozenset(
    {
        "loss",
        "nll",
        "nll_loss",
        "ce",
        "ce_loss",
        "cross_entropy",
        "crossentropy",
        "xent",
        "objective",
        # gradient boosting (XGBoost, LightGBM, CatBoost): the log-loss is the cross-entropy
        "logloss",
        "mlogloss",
        "binary_logloss",
        "multi_logloss",
        "multiclass",
    }
)
#: Base names that mean "accuracy" (higher is better, a fraction or a percent).
ACC_NAMES = frozenset(
    {
        "acc",
        "accuracy",
        "binary_accuracy",
        "categorical_accuracy",
        "sparse_categorical_accuracy",
        "top1",
        "acc1",
        "top1_acc",
        "top_1_accuracy",
        "acc_top1",
        "top1_accuracy",
        "prec1",
        "acc_1",
        "correct",
    }
)
#: Names that mean "learning rate".
LR_NAMES = frozenset({"lr", "learning_rate", "learningrate", "train_lr", "lr_0", "lr0"})
#: Split words meaning validation data, before the metric (`val_loss`, `validation/epoch_loss`) or
#: after it (`Loss/val`, `loss_dev`); test words count only when a run has no validation metric.
VAL_PREFIXES = ("val", "valid", "validation", "eval", "evaluation", "dev", "va", "vl")
TEST_PREFIXES = ("test",)
TRAIN_PREFIXES = ("train", "training", "tr", "trn", "learn")
#: The same words where they follow the metric (`tr` is too short to trust there).
_SUFFIX_SPLITS = (
    (("val", "valid", "validation", "eval", "evaluation", "dev", "va", "vl"), "val"),
    (("test",), "test"),
    (("train", "training", "trn"), "train"),
)
#: every split word, wherever it stands in a name (`best_test_acc` says its split)
_SPLIT_WORDS = frozenset(VAL_PREFIXES + TEST_PREFIXES + TRAIN_PREFIXES + ("testing",))
#: Qualifiers some writers put before the base name: Keras' TensorBoard callback writes `epoch_loss`
#: (per epoch, preferred) and `batch_loss` (per batch, ranked lower).
_QUALIFIERS = (("epoch_", 0), ("batch_", 2))

_SPLIT = re.compile(r"[/\-. '@()\[\]%_]+")  # `Acc@1`, `val_acc(%)`, `val_acc[top1]` too
#: Words some writers put after the metric: an EMA copy, a head of a multi-head model, a
#: dataloader of Lightning's multi-dataloader validation (`val_loss/dataloader_idx_0`). Each one
#: ranks the name below the plain one.
_TRAILING = re.compile(r"_(?:ema|main|head|avg|mean|smooth|smoothed|running|pct|percent|dataloader_idx_\d+)$")
#: accuracies that are not the share of samples predicted right (a class-averaged recall): the
#: cross-entropy bounds between loss and accuracy do not hold for them, so they keep their own name
_NOT_ACCURACY = ("balanced", "mean_class", "class_mean", "per_class", "macro", "weighted")
_NUMBERED = re.compile(r"\d+_")
#: a top-k accuracy with k > 1 (or k not said): a sample counts as a hit when its class is among the k
#: most probable, so it is not the share of samples predicted right, and none of the cross-entropy
#: bounds between loss and accuracy hold for it (a hit can cost more than ln K, a miss far less);
#: `top_k_categorical_accuracy` and `sparse_top_k_categorical_accuracy` are Keras' (k = 5 by default)
_TOP_K_BASE = re.compile(
    r"(?:^|_)(?:top_?(?:k|[2-9]|\d\d+)|topk)(?:_|$)|(?:^|_)(?:acc(?:uracy)?(?:_top|_)?_?|prec)(?:[2-9]|\d\d+)$"
)


#: how many metric names `normalize`, `split_of` and `classify` remember their answers for (pure
#: functions of a name: `check` over thousands of run folders asks the same few names of each, 45
#: times a run)
NAMES_KEPT = 4096


#: fastai reports its metrics on the validation set.
FASTAI_HINTS = {
    "train_loss": "train_loss",
    "valid_loss": "val_loss",
    "accuracy": "val_acc",
    "1-error_rate": "val_acc",
}


@functools.lru_cache(maxsize=NAMES_KEPT)
def normalize(name: str) -> str:
    """`val/Loss` -> `val_loss`; `lr-AdamW` -> `lr_adamw`; `Acc@1` -> `acc_1`; `val_acc(%)` -> `val_acc`;
    `vál_acc` (a combining mark on a letter) -> `val_acc` (`clean.fold_marks`)."""
    return _SPLIT.sub("_", fold_marks(name.strip()).lower()).strip("_")


@functools.lru_cache(maxsize=NAMES_KEPT)
def split_of(n: str) -> tuple[str, str] | None:
    """(split, rest) when a normalized name starts or ends with a split word, else None.

    `val_loss` -> ('val', 'loss'); `loss_val` -> ('val', 'loss'); `accuracy_test_epoch` ->
    ('test', 'accuracy_epoch') (a `_epoch`/`_step` suffix may follow the split word)."""
    for prefixes, sp in ((VAL_PREFIXES, "val"), (TEST_PREFIXES, "test"), (TRAIN_PREFIXES, "train")):
        for p in prefixes:
            if n.startswith(p + "_"):
                rest = n[len(p) + 1 :]
                numbered = _NUMBERED.match(rest)  # LightGBM's `valid_1's binary_logloss`
                return sp, rest[numbered.end() :] if numbered and numbered.end() < len(rest) else rest
    head, tail = n, ""
    for level in ("_epoch", "_step"):
        if n.endswith(level):
            head, tail = n[: -len(level)], level
            break
    for words, sp in _SUFFIX_SPLITS:
        for w in words:
            if head.endswith("_" + w) and len(head) > len(w) + 1:
                return sp, head[: -len(w) - 1] + tail
    return None


@functools.lru_cache(maxsize=NAMES_KEPT)
def classify(name: str) -> tuple[str, str, int] | None:
    """(split, kind, rank) for a metric name, or None if it is no known loss/accuracy/lr.

    split: 'train' | 'val' | 'test'; kind: 'loss' | 'acc' | 'lr'; rank: lower is preferred.
    The split word may come first or last, joined by `_ / - .` or a space, in any case:
    `val_loss`, `Loss/val`, `validation/epoch_loss`, `Accuracy/test`, `loss/dev` all name one.
    """
    n = normalize(name)
    if n in LR_NAMES or n.startswith("lr_") or n.startswith("learning_rate"):
        return ("train", "lr", 0 if n in LR_NAMES else 1)
    split, rank, base = "train", 0, n
    found = split_of(n)
    if found is not None:
        split, base = found
    for qualifier, extra in _QUALIFIERS:
        if base.startswith(qualifier) and len(base) > len(qualifier):
            base, rank = base[len(qualifier) :], rank + extra
            break
    if base.endswith("_epoch"):
        base = base[: -len("_epoch")]
    elif base.endswith("_step"):
        base, rank = base[: -len("_step")], rank + 2
    while (trail := _TRAILING.search(base)) and trail.start() > 0:
        idx = trail.group().rsplit("_", 1)[-1]
        base, rank = base[: trail.start()], rank + 1 + (int(idx) if idx.isdigit() else 0)
    if base in LR_NAMES and split == "train":  # Keras' `train/epoch_learning_rate`
        return ("train", "lr", 1)
    if base in LOSS_NAMES:
        return (split, "loss", rank)
    if base in ACC_NAMES:
        return (split, "acc", rank)
    if _TOP_K_BASE.search(base):  # (Keras' `top_k_categorical_accuracy`, `top5_acc`, HF `top5_accuracy`)
        return None
    # DeiT-style `test_384_acc1`, `val_top1`: an accuracy name at the end after a qualifier.
    tail = base.rsplit("_", 1)[-1]
    if tail in ACC_NAMES and any(w in base for w in _NOT_ACCURACY):
        return None
    if tail in ACC_NAMES and tail not in {"correct"}:
        return (split, "acc", rank + 1)
    if tail == "loss":
        return (split, "loss", rank + 1)
    return None


#: A top-k accuracy (k > 1, mmengine's `accuracy/top5`, timm's `eval_top5`, `acc5`, `top_5_accuracy`,
#: `Acc@5`, the old `prec5`): not the accuracy the analysis reads, but logged in the same unit as it.
_TOPK = re.compile(r"(?:^|_)(?:top_?\d+(?:_acc|_accuracy)?|acc(?:uracy)?(?:_top|_|@)?_?\d+|prec\d+)$")


def accuracy_named(name: str) -> bool:
    """Whether a metric is named as an accuracy, top-1 or top-k (its values may be in percent).

    >>> [accuracy_named(n) for n in ("val/accuracy/top5", "eval_top5", "Acc@5", "val_acc", "lr", "loss")]
    [True, True, True, True, False, False]
    """
    c = classify(name)
    if c is not None:
        return c[1] == "acc"
    return _TOPK.search(normalize(name)) is not None


def assign_roles(
    names: Iterable[str], overrides: RoleMap | None = None, hints: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Role of every name. `hints` come from the reader (fastai's `accuracy` is a validation
    metric); `overrides` come from the user and win over everything."""
    names = list(names)
    roles = dict.fromkeys(names, "other")
    taken: set[str] = set()
    for role, src in (overrides or {}).items():
        if src in roles:
            roles[src] = role
            taken.add(role)
    candidates: dict[str, list[tuple[int, int, str]]] = {}
    have_val: set[str] = set()  # kinds (loss, acc) with a true validation metric
    unsure = set(split_unknown(names, hints))
    for i, name in enumerate(names):
        if roles[name] != "other" or name in unsure:
            continue
        hint = (hints or {}).get(name)
        if hint:
            candidates.setdefault(hint, []).append((-1, i, name))
            if hint.startswith("val_"):
                have_val.add(hint[4:])
            continue
        c = classify(name)
        if c is None:
            continue
        split, kind, rank = c
        if kind == "lr":
            candidates.setdefault("lr", []).append((rank, i, name))
            continue
        if split == "val":
            have_val.add(kind)
        role = f"{'val' if split in ('val', 'test') else 'train'}_{kind}"
        rank += 10 if split == "test" else 0
        candidates.setdefault(role, []).append((rank, i, name))
    for role, cands in candidates.items():
        if role in taken:
            continue
        best = min(cands)[0]
        tied = [c for c in cands if c[0] == best]
        # (resolutions, exits: roles_numbered; an lr's param groups keep the first, `pg0`)
        if role.startswith("train_"):  # (`train_loss` over a bar's bare `loss`: roles_said)
            tied = prefer_said(tied, says_split)
        rank, _, name = min(tied) if role == "lr" else _pick_numbered(tied)
        if role.startswith("val_") and rank >= 10 and role[4:] in have_val:
            continue  # a test metric stands in for validation only when there is none of its kind
        roles[name] = role
    return roles


def split_unknown(names: Iterable[str], hints: Mapping[str, str] | None = None) -> list[str]:
    """The accuracies and losses among `names` whose split is not known: named bare (`accuracy`,
    `loss`: no split word in the name) in a run that names its training metrics with a split word
    (`train_loss`, `tr_loss`; for a bare loss, a training loss so named) and names no validation or
    test metric of the bare one's kind. A bare name means training where training's are bare too
    (Keras' `loss`, `accuracy` beside `val_loss`) or where the held-out one of its kind is named
    (`train loss .. acc ..` / `valid loss .. acc ..`); else it may as well be a validation metric,
    and read as training it would be paired with the other split's (tester 24 N3). A reader's hint
    settles it.

    >>> split_unknown(["train_loss", "loss", "accuracy"]), split_unknown(["loss", "accuracy", "val_loss"])
    (['loss', 'accuracy'], [])
    """
    names = list(names)
    hints = hints or {}
    said: dict[str, set[str]] = {"train": set(), "val": set(), "test": set()}  # split -> kinds named so
    for n in names:
        if n not in hints and split_of(normalize(n)) is not None and (c := classify(n)) is not None:
            said[c[0]].add(c[1])
    if not said["train"]:
        return []
    out = []
    for name in names:
        if name in hints or _SPLIT_WORDS & set(normalize(name).split("_")):
            continue
        c = classify(name)
        if c is None or c[1] not in ("acc", "loss") or c[1] in said["val"] | said["test"]:
            continue  # (a held-out one of its kind is named: the bare one is training's, as before)
        if c[1] == "acc" or "loss" in said["train"]:
            out.append(name)
    return out


#: how each `split_unknown_notes` sentence ends (a reader of problems tells them by it)
SPLIT_UNKNOWN_END = " (its split is not in its name)"


def split_unknown_notes(roles: Mapping[str, str], hints: Mapping[str, str] | None = None) -> list[str]:
    """What to tell of each accuracy or loss whose split is not known (`split_unknown`) and that the
    user did not map: it is not read as either split's, and how to read it (`--map`)."""
    out = []
    for name in split_unknown(roles, hints):
        if roles[name] != "other":
            continue  # (mapped)
        shown, kind = clean(name), "acc" if classify(name)[1] == "acc" else "loss"  # type: ignore[index]
        what = "an accuracy" if kind == "acc" else "a loss"
        out.append(
            f"{shown}: {what} whose name does not say its split (training or validation) beside "
            f"metrics named with a split word, so it is not read as either split's {what[2:].strip()} "
            f"and no loss/accuracy reasoning rests on it; name it with --map val_{kind}={shown} or "
            f"--map train_{kind}={shown}{SPLIT_UNKNOWN_END}"
        )
    return out


def candidate_role(name: str) -> str | None:
    """The loss or accuracy role a metric name is a candidate for (`assign_roles`), or None.

    >>> [candidate_role(n) for n in ("test_384_acc1", "test_384_acc5", "Loss/train", "lr")]
    ['val_acc', None, 'train_loss', None]
    """
    c = classify(name)
    if c is None or c[1] == "lr":
        return None
    return f"{'val' if c[0] in ('val', 'test') else 'train'}_{c[1]}"


def says_split(name: str) -> bool:
    """Whether a metric name says its split (`train_loss`, `Loss/train`; `loss` does not)."""
    return split_of(normalize(name)) is not None


def said_notes(roles: Mapping[str, str], overrides: RoleMap | None = None) -> list[str]:
    """What to tell of a training loss/accuracy named bare that lost its role to one named with its
    split (`roles_said`)."""
    unsure = set(split_unknown(roles))  # (said by `split_unknown_notes`)

    def role_of(name: str) -> tuple[str, int] | None:
        c = classify(name)
        if c is None or c[1] == "lr" or name in unsure:
            return None
        return (f"{'val' if c[0] in ('val', 'test') else 'train'}_{c[1]}", c[2])

    return _said_notes(roles, role_of, says_split, overrides or {})


def numbered_notes(roles: Mapping[str, str], overrides: RoleMap | None = None) -> list[str]:
    """What to tell when a role was read from one of several names that differ only in numbers
    (input resolutions, heads, exits): which was read and how to read another (roles_numbered);
    none for a role the user mapped (`overrides`)."""
    return _numbered_notes(roles, candidate_role, overrides or {})


def top_k_accuracy(name: str) -> bool:
    """Whether a metric is named as a top-k accuracy with k > 1 (or k not said).

    >>> [top_k_accuracy(n) for n in ("val_top_k_categorical_accuracy", "eval_top5_accuracy", "val_top1")]
    [True, True, False]
    """
    n = normalize(name)
    found = split_of(n)
    return _TOP_K_BASE.search(found[1] if found else n) is not None


def top_k_notes(roles: Mapping[str, str]) -> list[str]:
    """What to tell about top-k accuracies left out (role 'other') of a run that has no top-1
    accuracy of their split: the analysis of loss against accuracy is without them."""
    have = {role for role in roles.values() if role in ("train_acc", "val_acc")}
    out = []
    for name, role in roles.items():
        if role != "other" or not top_k_accuracy(name):
            continue
        split = classify_split(name)
        if f"{split}_acc" in have:
            continue
        shown = clean(name)
        out.append(
            f"{shown}: a top-k accuracy (a sample counts when its class is among the k most probable), "
            "so it is not read as the accuracy and no loss/accuracy reasoning rests on it; if it is a "
            f"top-1 accuracy, --map {split}_acc={shown}"
        )
    return out


def classify_split(name: str) -> str:
    """'val' for a validation or test metric name, else 'train' (the role prefix it would take)."""
    found = split_of(normalize(name))
    return "val" if found is not None and found[0] in ("val", "test") else "train"


#: a total named like this beside two or more `loss_*` terms (detectron2's `total_loss` with
#: `loss_cls`, `loss_box_reg`, `loss_mask`...; mmdetection's `loss` with `loss_cls`, `loss_bbox`)
SUMMED_TOTALS = frozenset({"total_loss", "loss"})


def summed_losses(names: list[str]) -> set[str]:
    """The names among `names` that are a total of several named loss terms (a detection loss,
    not one cross-entropy): a `total_loss` or `loss` beside at least two `loss_*` series, with
    any split prefix (`val/`, `train_`) of the total matched by its terms.

    >>> sorted(summed_losses(["total_loss", "loss_cls", "loss_box_reg", "lr"]))
    ['total_loss']
    >>> summed_losses(["loss", "val_loss", "accuracy"])
    set()
    """
    out: set[str] = set()
    for name in names:
        low = name.lower()
        for total in ("total_loss", "loss"):
            if low == total or low.endswith(("/" + total, "." + total)):
                lead = name[: len(name) - len(total)]
                break
        else:
            continue
        terms = [
            n
            for n in names
            if n != name and n.startswith(lead) and n[len(lead) :].lower().startswith("loss_")
        ]
        if len(terms) >= 2:
            out.add(name)
    return out
