"""Metric names writers really use get their role: Lightning's multi-dataloader validation
(`val_loss/dataloader_idx_0`), an EMA copy (`val_acc_ema`), a model head (`..._main_head`), top-1
written `acc@1`, `acc(%)` or `acc[top1]`; the plain name wins over a qualified one, and a top-5 stays
out of the accuracy role."""

from __future__ import annotations

import pytest

from lossacc_tui.roles import assign_roles


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (
            ["val_loss/dataloader_idx_0", "val_acc/dataloader_idx_0", "val_loss/dataloader_idx_1"],
            {"val_loss/dataloader_idx_0": "val_loss", "val_acc/dataloader_idx_0": "val_acc"},
        ),
        (
            ["train_loss", "val_loss_main", "val_acc_ema", "valid_loss_ema"],
            {"train_loss": "train_loss", "val_loss_main": "val_loss", "val_acc_ema": "val_acc"},
        ),
        (
            [
                "training_cross_entropy_loss_main_head",
                "validation_cross_entropy_loss_main_head",
                "validation_top1_accuracy_main_head_ema",
            ],
            {
                "training_cross_entropy_loss_main_head": "train_loss",
                "validation_cross_entropy_loss_main_head": "val_loss",
                "validation_top1_accuracy_main_head_ema": "val_acc",
            },
        ),
        (
            ["loss", "Acc@1", "Acc@5", "val_acc(%)"],
            {"loss": "train_loss", "Acc@1": "train_acc", "val_acc(%)": "val_acc"},
        ),
        (
            ["val_acc", "val_acc_ema", "val_loss", "val_loss_ema"],
            {"val_acc": "val_acc", "val_loss": "val_loss"},
        ),
    ],
)
def test_qualified_names_get_their_role_and_plain_names_win(
    names: list[str], expected: dict[str, str]
) -> None:
    roles = assign_roles(names)
    assert {n: r for n, r in roles.items() if r != "other"} == expected


def test_a_balanced_accuracy_is_not_the_accuracy_and_a_percent_suffix_is() -> None:
    """A class-averaged recall (balanced accuracy) was read as the accuracy, so cross-entropy bounds
    that hold only for the share of samples right were applied to it; `val_acc_pct` had no role."""
    roles = assign_roles(["val_loss", "val_balanced_accuracy", "val_acc_pct", "val_mean_class_accuracy"])
    assert roles == {
        "val_loss": "val_loss",
        "val_balanced_accuracy": "other",
        "val_acc_pct": "val_acc",
        "val_mean_class_accuracy": "other",
    }


def test_a_loss_scale_or_a_loss_term_is_not_the_loss() -> None:
    roles = assign_roles(["loss_scale", "loss_cls", "grad_norm"])
    assert set(roles.values()) == {"other"}
