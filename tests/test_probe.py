"""The probe's numbers against a direct numpy computation on the same predictions, and bad inputs
that must never raise into a training loop."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from lossacc_tui.probe import FILENAME, Batches, Probe, ProbeWarning, log_eval
from lossacc_tui.probe import stats as probe_stats


def softmax_regression(n: int, k: int, seed: int, epochs: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Real predictions: a softmax regression trained by gradient descent on a noisy problem;
    returns (validation logits, labels) after each epoch."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(k, 8)) * 1.5
    y_tr, y_va = rng.integers(0, k, 2 * n), rng.integers(0, k, n)
    x_tr = centers[y_tr] + rng.normal(size=(2 * n, 8)) * 3.0
    x_va = centers[y_va] + rng.normal(size=(n, 8)) * 3.0
    w, b = np.zeros((8, k)), np.zeros(k)
    out = []
    for _ in range(epochs):
        z = x_tr @ w + b
        p = np.exp(z - z.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        p[np.arange(len(y_tr)), y_tr] -= 1
        w -= 2.0 * x_tr.T @ p / len(y_tr)  # a large step: overconfident late on
        b -= 2.0 * p.mean(0)
        out.append(((x_va @ w + b).astype(np.float32), y_va))
    return out


def direct(logits: np.ndarray, labels: np.ndarray) -> dict[str, object]:
    """Every schema key the plain way: full softmax, loops over samples and bins."""
    z = logits.astype(np.float64)
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    n, k = p.shape
    pred = p.argmax(1)
    conf = p.max(1)
    pt = p[np.arange(n), labels]
    right = pred == labels
    ce = -np.log(np.clip(pt, 1e-12, None))
    wrong = ~right
    hist = [0] * 5
    for v in pt[wrong]:
        hist[min(int(v * 10), 4)] += 1
    ece = 0.0
    for m in range(15):
        lo, hi = m / 15, (m + 1) / 15
        inb = (conf > lo) & (conf <= hi)
        if inb.any():
            ece += inb.sum() / n * abs(right[inb].mean() - conf[inb].mean())
    return {
        "n": n,
        "k": k,
        "accuracy": right.mean(),
        "loss": ce.mean(),
        "n_wrong": int(wrong.sum()),
        "wrong_loss_share": ce[wrong].sum() / ce.sum(),
        "confident_wrong": int((wrong & (conf > 0.9)).sum()),
        "confident_wrong_share": (wrong & (conf > 0.9)).sum() / wrong.sum(),
        "p_true_wrong_hist": hist,
        "mean_conf": conf.mean(),
        "conf_right": conf[right].mean(),
        "conf_wrong": conf[wrong].mean(),
        "ece": ece,
        "majority_rate": max(np.sum(labels == c) for c in range(k)) / n,
        "pred_majority_share": max(np.sum(pred == c) for c in range(k)) / n,
        "per_class_acc": [float(right[labels == c].mean()) for c in range(k)] if k <= 20 else None,
    }


def read_lines(d: Path) -> list[dict[str, object]]:
    return [json.loads(ln) for ln in (d / FILENAME).read_text().splitlines()]


@pytest.mark.parametrize(("n", "k"), [(3000, 10), (2000, 2), (500, 30)])
def test_every_key_matches_a_direct_numpy_computation(tmp_path: Path, n: int, k: int) -> None:
    probe = Probe(tmp_path)
    evals = softmax_regression(n, k, seed=k, epochs=4)
    for epoch, (z, y) in enumerate(evals):
        probe.log(epoch=epoch, logits=z, labels=y)
    lines = read_lines(tmp_path)
    assert len(lines) == 4
    for epoch, ((z, y), rec) in enumerate(zip(evals, lines, strict=True)):
        assert rec["schema"] == 1 and rec["split"] == "val" and rec["epoch"] == epoch and rec["step"] is None
        for key, want in direct(z, y).items():
            got = rec[key]
            if want is None:
                assert got is None, key
            elif isinstance(want, list):
                assert got == pytest.approx(want, abs=1e-6), key
            else:
                assert got == pytest.approx(float(want), rel=1e-5, abs=1e-7), key


def test_probabilities_and_logits_give_the_same_facts(tmp_path: Path) -> None:
    (z, y), *_ = softmax_regression(1500, 5, seed=1, epochs=1)
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    a = Probe(tmp_path / "a").log(epoch=0, logits=z, labels=y)
    b = Probe(tmp_path / "b").log(epoch=0, probs=p, labels=y)
    assert a is not None and b is not None
    for key in ("accuracy", "loss", "wrong_loss_share", "mean_conf", "ece", "confident_wrong"):
        assert a[key] == pytest.approx(b[key], rel=1e-5), key


def test_binary_probabilities_of_class_one(tmp_path: Path) -> None:
    (z, y), *_ = softmax_regression(1000, 2, seed=3, epochs=1)
    z64 = z.astype(np.float64)
    p1 = np.exp(z64[:, 1]) / np.exp(z64).sum(1)
    for shape in [(1000,), (1000, 1)]:
        rec = Probe(tmp_path / str(len(shape))).log(epoch=0, probs=p1.reshape(shape), labels=y)
        assert rec is not None
        assert rec["k"] == 2
        assert rec["accuracy"] == pytest.approx(direct(z, y)["accuracy"])
        assert rec["loss"] == pytest.approx(float(direct(z, y)["loss"]), rel=1e-5)
    lg = Probe(tmp_path / "logit").log(epoch=0, logits=z[:, 1] - z[:, 0], labels=y)
    assert lg is not None and lg["loss"] == pytest.approx(float(direct(z, y)["loss"]), rel=1e-5)


def test_flips_count_samples_crossing_between_evaluations(tmp_path: Path) -> None:
    evals = softmax_regression(2000, 4, seed=5, epochs=3)
    probe = Probe(tmp_path)
    for e, (z, y) in enumerate(evals):
        probe.log(epoch=e, logits=z, labels=y)
    lines = read_lines(tmp_path)
    assert lines[0]["flips"] is None and lines[0]["flips_note"]
    for prev, now, rec in zip(evals[:-1], evals[1:], lines[1:], strict=True):
        pa, pb, y = prev[0].argmax(1), now[0].argmax(1), now[1]
        assert rec["flips"] == int((pa != pb).sum())
        assert rec["flips_to_right"] == int(((pa != y) & (pb == y)).sum())
        assert rec["flips_to_wrong"] == int(((pa == y) & (pb != y)).sum())
        assert rec["flips_note"] is None
    assert lines[1]["flips"] > 0


def test_flips_unknown_when_the_order_cannot_be_known(tmp_path: Path) -> None:
    (z, y), (z2, _) = softmax_regression(1000, 3, seed=2, epochs=2)
    probe = Probe(tmp_path)
    probe.log(epoch=0, logits=z, labels=y)
    perm = np.random.default_rng(0).permutation(1000)
    shuffled = probe.log(epoch=1, logits=z2[perm], labels=y[perm])
    assert shuffled is not None and shuffled["flips"] is None and "reordered" in shuffled["flips_note"]
    fewer = probe.log(epoch=2, logits=z2[:900], labels=y[:900])
    assert fewer is not None and fewer["flips"] is None and "1000 -> 900" in fewer["flips_note"]


def test_ids_let_flips_be_counted_across_a_shuffle(tmp_path: Path) -> None:
    (z, y), (z2, _) = softmax_regression(1000, 3, seed=2, epochs=2)
    ids = np.arange(1000)
    perm = np.random.default_rng(0).permutation(1000)
    probe = Probe(tmp_path)
    probe.log(epoch=0, logits=z, labels=y, ids=ids)
    rec = probe.log(epoch=1, logits=z2[perm], labels=y[perm], ids=ids[perm])
    assert rec is not None
    assert rec["flips"] == int((z.argmax(1) != z2.argmax(1)).sum())


def test_splits_are_tracked_apart_and_lines_accumulate(tmp_path: Path) -> None:
    (z, y), (z2, _) = softmax_regression(300, 3, seed=4, epochs=2)
    log_eval(tmp_path, step=10, logits=z, labels=y, split="val")
    log_eval(tmp_path, step=10, logits=z[:100], labels=y[:100], split="train")
    log_eval(tmp_path, step=20, logits=z2, labels=y, split="val")
    lines = read_lines(tmp_path)
    assert [(r["split"], r["step"]) for r in lines] == [("val", 10), ("train", 10), ("val", 20)]
    assert lines[2]["flips"] == int((z.argmax(1) != z2.argmax(1)).sum())


BAD = {
    "nan": {"probs": np.full((4, 3), np.nan), "labels": [0, 1, 2, 0]},
    "inf logits": {"logits": np.array([[np.inf, 0.0], [0.0, 1.0]]), "labels": [0, 1]},
    "wrong shape": {"probs": np.ones((2, 3, 4)), "labels": [0, 1]},
    "label count": {"probs": np.full((4, 2), 0.5), "labels": [0, 1]},
    "label range": {"probs": np.full((3, 3), 1 / 3), "labels": [0, 1, 3]},
    "negative label": {"probs": np.full((3, 3), 1 / 3), "labels": [0, -1, 2]},
    "fraction label": {"probs": np.full((2, 2), 0.5), "labels": [0.5, 1.0]},
    "n=0": {"probs": np.zeros((0, 3)), "labels": np.zeros(0, dtype=int)},
    "K=1 labels": {"probs": np.full((3, 1), 0.7), "labels": [0, 2, 1]},
    "one class of many": {"probs": np.ones((3, 1, 1)), "labels": [0, 0, 0]},
    "both": {"probs": np.full((2, 2), 0.5), "logits": np.zeros((2, 2)), "labels": [0, 1]},
    "neither": {"labels": [0, 1]},
    "strings": {"probs": [["a", "b"]], "labels": [0]},
    "probability above one": {"probs": np.array([0.5, 1.7]), "labels": [0, 1]},
    "None labels": {"probs": np.full((2, 2), 0.5), "labels": None},
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_warns_once_and_skips_never_raises(tmp_path: Path, case: str) -> None:
    probe = Probe(tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert probe.log(epoch=0, **BAD[case]) is None
        assert probe.log(epoch=1, **BAD[case]) is None
    assert len([w for w in caught if issubclass(w.category, ProbeWarning)]) == 1
    assert not (tmp_path / FILENAME).exists()
    assert probe.skipped == 2
    # the probe goes on working after bad input
    good = probe.log(epoch=2, probs=np.array([[0.9, 0.1], [0.2, 0.8]]), labels=[0, 0])
    assert good is not None and good["accuracy"] == 0.5


def test_warnings_as_errors_still_do_not_raise(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Probe(tmp_path).log(epoch=0, probs=np.full((2, 2), np.nan), labels=[0, 1]) is None


def test_an_unwritable_folder_skips_the_evaluation(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.warns(ProbeWarning, match="skipped"):
        assert Probe(blocker / "sub").log(epoch=0, probs=np.full((2, 2), 0.5), labels=[0, 1]) is None


def test_k_one_column_is_a_binary_models_sigmoid_output(tmp_path: Path) -> None:
    rec = Probe(tmp_path).log(epoch=0, probs=np.array([[0.8], [0.3], [0.6]]), labels=[1, 0, 0])
    assert rec is not None and rec["k"] == 2
    assert rec["accuracy"] == pytest.approx(2 / 3)
    assert rec["loss"] == pytest.approx(-(math.log(0.8) + math.log(0.7) + math.log(0.4)) / 3)


def test_unnormalised_rows_are_divided_by_their_sum(tmp_path: Path) -> None:
    rec = Probe(tmp_path).log(epoch=0, probs=np.array([[2.0, 6.0], [3.0, 1.0]]), labels=[1, 1])
    assert rec is not None
    assert rec["loss"] == pytest.approx(-(math.log(0.75) + math.log(0.25)) / 2)


def test_one_hot_labels_are_read_as_their_class(tmp_path: Path) -> None:
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    rec = Probe(tmp_path).log(epoch=0, probs=p, labels=np.eye(3)[[0, 1]])
    assert rec is not None and rec["n_wrong"] == 1 and rec["per_class_acc"] == [1.0, 0.0, None]


def test_no_mistakes_and_perfect_predictions_give_nulls_not_nan(tmp_path: Path) -> None:
    rec = Probe(tmp_path).log(epoch=0, probs=np.eye(3), labels=[0, 1, 2])
    assert rec is not None
    assert rec["loss"] == 0 and rec["wrong_loss_share"] is None and rec["confident_wrong_share"] is None
    line = (tmp_path / FILENAME).read_text()
    assert "NaN" not in line and json.loads(line)["conf_wrong"] is None


def test_blocks_of_rows_give_the_same_facts_as_one_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (z, y), *_ = softmax_regression(1000, 7, seed=9, epochs=1)
    whole = Probe(tmp_path / "a").log(epoch=0, logits=z, labels=y)
    monkeypatch.setattr(probe_stats, "BLOCK_ELEMENTS", 7 * 33)  # blocks of 33 rows
    blocks = Probe(tmp_path / "b").log(epoch=0, logits=z, labels=y)
    assert whole is not None and blocks is not None
    for key in ("accuracy", "loss", "ece", "wrong_loss_share", "p_true_wrong_hist", "per_class_acc"):
        assert blocks[key] == pytest.approx(whole[key]), key


def test_torch_tensors_are_reduced_on_their_device_to_the_same_facts(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch", reason="torch is not installed: the tensor path needs it")
    (z, y), *_ = softmax_regression(2000, 6, seed=8, epochs=1)
    want = Probe(tmp_path / "np").log(epoch=0, logits=z, labels=y)
    t = torch.from_numpy(z).requires_grad_(True)  # as a model hands it over: with grad
    got = Probe(tmp_path / "torch").log(epoch=0, logits=t, labels=torch.from_numpy(y))
    p = torch.softmax(torch.from_numpy(z).double(), 1)
    got_p = Probe(tmp_path / "probs").log(epoch=0, probs=p, labels=y)
    half = Probe(tmp_path / "half").log(epoch=0, logits=torch.from_numpy(z).half(), labels=y)
    assert want is not None and got is not None and got_p is not None and half is not None
    for key in ("accuracy", "loss", "wrong_loss_share", "ece", "mean_conf", "per_class_acc"):
        assert got[key] == pytest.approx(want[key], rel=1e-5), key
        assert got_p[key] == pytest.approx(want[key], rel=1e-5), key
    # the on-device reduction (used for GPU tensors) gives the numpy path's numbers, here on the CPU
    for scores, lg in [(t, True), (p, False), (p * 3.0, False)]:
        dev = probe_stats._predictions_torch(scores, torch.from_numpy(y), lg)
        ref = probe_stats.predictions(scores.detach().numpy(), y, lg)
        assert np.array_equal(dev.pred, ref.pred) and np.array_equal(dev.labels, ref.labels)
        assert dev.conf == pytest.approx(ref.conf, rel=1e-5)
        assert dev.p_true == pytest.approx(ref.p_true, rel=1e-5)
    assert half["loss"] == pytest.approx(want["loss"], rel=1e-2)
    bad = torch.from_numpy(z).clone()
    bad[3, 2] = float("nan")
    with pytest.warns(ProbeWarning, match="NaN"):
        assert Probe(tmp_path / "nan").log(epoch=0, logits=bad, labels=y) is None
    with pytest.raises(probe_stats.BadInput, match="NaN"):
        probe_stats._predictions_torch(bad, y, True)
    with pytest.warns(ProbeWarning, match="labels outside"):
        assert Probe(tmp_path / "lab").log(epoch=0, logits=torch.from_numpy(z), labels=y + 6) is None


def test_batches_give_the_same_facts_as_one_call(tmp_path: Path) -> None:
    (z, y), *_ = softmax_regression(1000, 4, seed=6, epochs=1)
    batches = Batches()
    for i in range(0, 1000, 96):
        batches.add(logits=z[i : i + 96], labels=y[i : i + 96])
    whole = Probe(tmp_path / "a").log(epoch=0, logits=z, labels=y)
    parts = Probe(tmp_path / "b").log_batches(batches, epoch=0)
    assert whole is not None and parts is not None
    assert {k: v for k, v in parts.items() if k != "time"} == pytest.approx(
        {k: v for k, v in whole.items() if k != "time"}
    )
    batches.add(logits=z[:5], labels=y[:5] + 10)  # a bad batch spoils its evaluation only
    batches.add(logits=z[5:10], labels=y[5:10])
    with pytest.warns(ProbeWarning, match="labels outside"):
        assert Probe(tmp_path / "c").log_batches(batches, epoch=1) is None
    assert len(batches) == 0


def test_the_probe_imports_numpy_and_itself_only() -> None:
    import subprocess
    import sys

    code = (
        "import sys, lossacc_tui.probe, lossacc_tui.probe.adapters\n"
        "mods = {m.split('.')[0] for m in sys.modules}\n"
        "ours = sorted(m for m in sys.modules if m.startswith('lossacc_tui') and '.probe' not in m)\n"
        "heavy = sorted(mods & {'textual', 'rich', 'orjson', 'watchdog', 'plotext', 'torch', 'keras'})\n"
        "print(ours, heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['lossacc_tui'] []"


def test_logits_far_apart_give_no_numpy_warning_in_the_training_loop(tmp_path: Path) -> None:
    """float32 logits of +-3e38 (a diverged model) overflowed in the softmax and numpy's
    RuntimeWarning reached the user's training loop; the facts are still exact (p = 1 or 0)."""
    import warnings

    from lossacc_tui.probe.stats import predictions

    z = np.array([[3e38, -3e38, 0.0], [1.0, 2.0, 3.0], [-3e38, 3e38, 1e38]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = predictions(z, np.array([0, 2, 1]), True)
    assert list(p.conf[[0, 2]]) == [1.0, 1.0] and list(p.p_true[[0, 2]]) == [1.0, 1.0]
