"""Explanations stay true on hostile numbers from real (numpy) runs: non-finite values counted as
they are seen live, a training loss that went NaN and came back, zero and huge losses, and
metric names that look like Markdown. Each test asserts the text a user reads (`check` output,
`check --json`, or the alert as `check --follow` prints it)."""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(TESTS))

from numpy_training import keras_csv, softmax_regression  # noqa: E402

from benchmarks.truth.score import check_json  # noqa: E402
from lossacc_tui.analysis import Analyzer, Params  # noqa: E402
from lossacc_tui.source import discover  # noqa: E402


def alerts(path: Path, *extra: str) -> list[dict[str, Any]]:
    doc = check_json([path], list(extra))
    assert doc["version"] == 1 and doc["runs"], path
    return [a for run in doc["runs"] for a in run["alerts"]]


def test_a_non_finite_alert_read_as_it_opens_live_counts_its_own_point(tmp_path: Path) -> None:
    """A half-precision evaluation of a real numpy training (val_loss infinite where a confident
    mistake underflows), followed line by line as `check --follow` does: the non-finite alert is
    printed at the update that opens it, and it said "0 non-finite evaluation(s) so far" and
    "0 value(s) say so" there, beside one-shot `check`'s 1."""
    rows = softmax_regression(epochs=10, classes=2, seed=4, lr=6.0, eval_fp16=True)
    first_bad = next(e for e, r in enumerate(rows) if math.isinf(r["val_loss"]))
    path = keras_csv(tmp_path / "training.log", rows)
    (src,) = discover(path)
    analyzers: dict[int, Analyzer] = {}
    seen = []
    for line in path.read_bytes().splitlines(keepends=True):
        src.feed(0, line)
        for run in src.runs:
            for what, alert in analyzers.setdefault(id(run), Analyzer(run, Params())).update():
                if what == "opened" and alert.kind in ("non-finite", "eval-non-finite"):
                    seen.append(alert)
    assert seen and seen[0].start == first_bad
    text = seen[0].explanation
    assert "(one non-finite evaluation so far)" in text or "at 1 of" in seen[0].title, text
    assert "0 non-finite" not in text and "no non-finite" not in text and "no values say so" not in text


def test_eval_non_finite_does_not_say_training_is_finite_when_it_went_nan_and_came_back(
    tmp_path: Path,
) -> None:
    """The half-precision evaluation (val_loss infinite from epoch 1) of a real numpy training, whose
    training loss is NaN at one epoch only: a mixed-precision step whose gradients overflowed, which
    a GradScaler skips, so the next epochs are finite again. The eval-non-finite alert said "Training
    stays finite (0.7 -> 0.5)" beside the critical non-finite alert on the training loss: the check
    looked at the training loss now, not at the span in between."""
    rows = softmax_regression(epochs=10, classes=2, seed=4, lr=6.0, eval_fp16=True)
    rows[3]["train_loss"] = math.nan
    path = keras_csv(tmp_path / "training.log", rows)
    found = alerts(path)
    assert any(a["kind"] == "non-finite" and a["start"] == 3 for a in found)
    (alert,) = [a for a in found if a["kind"] == "eval-non-finite"]
    text = alert["title"] + alert["explanation"]
    assert "training is finite" not in text and "Training stays finite" not in text
    assert "stays finite" not in " ".join(c["text"] for c in alert["claims"])
    assert "evaluation-broken" not in {c["id"] for c in alert["claims"]}
    assert "not finite at epoch 3" in alert["explanation"]


#: metric names that are Markdown: a link and bold (data from the log, or a --map target)
LINK, BOLD = "[vl](http://evil.example)", "**va**"


def markdown_named_run(tmp_path: Path) -> Path:
    """A real numpy run that overfits (an alert opens), its validation columns named as Markdown."""
    rows = softmax_regression(epochs=60, classes=2, lr=0.03, features=30, n_train=80, n_val=200, spread=0.4)
    path = tmp_path / "run.csv"
    path.write_text(
        f"epoch,loss,{LINK},{BOLD}\n"
        + "".join(f"{e},{r['train_loss']!r},{r['val_loss']!r},{r['val_acc']!r}\n" for e, r in enumerate(rows))
    )
    return path


def test_markdown_metric_names_show_as_written_in_check_text(tmp_path: Path) -> None:
    """`check` printed the name `[vl](http://evil.example)` as "vl (http://evil.example)" and
    `**va**` as "va": names were rendered as Markdown link and bold inside the explanation."""
    import subprocess

    path = markdown_named_run(tmp_path)
    maps = ["--map", f"val_loss={LINK}", "--map", f"val_acc={BOLD}"]
    found = alerts(path, *maps)
    assert found
    out = subprocess.run(
        [sys.executable, "-m", "lossacc_tui", "check", str(path), *maps], capture_output=True, text=True
    ).stdout
    body = "\n".join(line for line in out.splitlines() if line.startswith("      "))  # the explanations
    flat = " ".join(body.split())
    assert f"{LINK} " in flat and f"{BOLD} " in flat, flat[:400]
    assert "vl (http://evil.example)" not in flat and " va " not in flat


def test_markdown_metric_names_show_as_written_in_the_explanation_pane(tmp_path: Path) -> None:
    """The app's explanation pane renders the same Markdown: the name is text, not a link."""
    import pytest

    pytest.importorskip("textual")
    sys.path.insert(0, str(TESTS / "app"))
    from app_helpers import settled, sync, wait_for, watch_app

    from lossacc_tui.app.widgets.alert_list import AlertList
    from lossacc_tui.app.widgets.explanation import Explanation

    path = markdown_named_run(tmp_path)

    def _drawn(box: Explanation) -> str:
        """The pane's lines as drawn, joined with single spaces."""
        return " ".join(" ".join("".join(seg.text for seg in strip) for strip in box._strips).split())

    @sync
    async def run() -> None:
        app = watch_app(path, role_map={"val_loss": LINK, "val_acc": BOLD})
        async with app.run_test(size=(120, 40)) as pilot:
            await settled(pilot, app, 180)
            box = app.query_one(Explanation)
            await wait_for(pilot, lambda: box.border_title == "summary", what="the run's summary")
            # (the summary, before any alert is selected, as the pane draws it once Markdown is rendered)
            await wait_for(pilot, lambda: LINK in _drawn(box), what="the name in the summary as written")
            rows = app.query_one(AlertList)
            await wait_for(pilot, lambda: bool(rows.rows), what="the alert rows")
            rows.focus()
            await pilot.press("down")
            await wait_for(pilot, lambda: app.selected_alert is not None, what="alert highlighted")
            await wait_for(pilot, lambda: box.border_title.startswith("explanation"), what="explanation")
            await wait_for(pilot, lambda: BOLD in _drawn(box), what="the explanation drawn")
            shown = _drawn(box)
            app.feed.stop()
        assert LINK in shown and BOLD in shown, shown[:400]
        assert "vl (http://evil.example)" not in shown

    run()


#: what no explanation may print where a number belongs: NaN, inf, a ratio to zero or an
#: overflowed one ("infx", "xinf", "0.0e+00x", "not comparable"), "from 0" with no number after it
NONSENSE = re.compile(
    r"(?<![A-Za-z])(nan|inf)(?![A-Za-z])|infx|xinf|nanx|e\+00x|not comparable|\(from 0\)|is from 0 against"
)


def all_text(found: list[dict[str, Any]]) -> str:
    return "\n".join(a["title"] + "\n" + a["explanation"] for a in found)


def four_decimals_csv(path: Path, rows: list[dict[str, float]]) -> Path:
    """A Keras CSVLogger file printed with 4 decimals (as many user scripts format it)."""
    path.write_text(
        "epoch,accuracy,loss,val_accuracy,val_loss\n"
        + "".join(
            f"{e},{r['train_acc']:.4f},{r['train_loss']:.4f},{r['val_acc']:.4f},{r['val_loss']:.4f}\n"
            for e, r in enumerate(rows)
        )
    )
    return path


def zero_log_of_the_tester(path: Path) -> Path:
    """The tester's generator (gen_zero.py): a 4-decimal log whose losses reach 0.0000 at accuracy
    1.0000, then a validation loss rising from 0.0000 by 0.0001 an epoch."""
    rows = ["epoch,accuracy,loss,val_accuracy,val_loss"]
    for e in range(30):
        tl = max(0.0, 0.5 - 0.05 * e)
        vl = max(0.0, 0.5 - 0.06 * e) if e < 20 else 0.0001 * (e - 19)
        rows.append(f"{e},{min(1, 0.6 + 0.05 * e):.4f},{tl:.4f},{min(1, 0.6 + 0.05 * e):.4f},{vl:.4f}")
    path.write_text("\n".join(rows) + "\n")
    return path


def test_losses_at_zero_make_no_nonsense_text(tmp_path: Path) -> None:
    """Losses printed as 0.0000 (a real numpy run on separable data, and the tester's log): no alert
    opens on a loss level that "fell 0 -> 0", no ratio to zero is printed, a loss of 0 is not "paid
    by right answers held with less than full confidence", and at accuracy 1 the binomial standard
    error (0) is not said to be 5 points."""
    rows = softmax_regression(epochs=30, classes=2, seed=1, lr=4.0, spread=3.0, n_train=200, n_val=20)
    assert rows[-1]["val_loss"] < 5e-5  # (prints as 0.0000)
    for path in (
        four_decimals_csv(tmp_path / "numpy.csv", rows),
        zero_log_of_the_tester(tmp_path / "zero.csv"),
    ):
        found = alerts(path)
        text = all_text(found)
        assert not NONSENSE.search(text), (path.name, NONSENSE.search(text), text)
        assert not re.search(r"fell (\S+) -> \1 \(unchanged\)", text), text
        assert "geometric-mean probability 1 " not in text
        assert not re.search(r"at 1 another evaluation set of that size would differ", text)
    zero = alerts(tmp_path / "zero.csv")
    # (the loss stepped 0.02 -> 0 and stayed there: no loss falling at flat accuracy)
    assert "acc-flat-loss-down" not in {a["kind"] for a in zero}
    overfit = [a for a in zero if a["kind"] == "overfitting"]
    assert overfit and "from 0 to 0.001" in overfit[0]["explanation"]


def test_a_huge_finite_loss_prints_no_infinite_ratio_and_no_numpy_warning(tmp_path: Path) -> None:
    """A real numpy run whose logged training loss is 1e308 at one epoch (finite, at the float
    maximum): `check` printed "xinf its best", "infx", and numpy's "overflow encountered in add" on
    stderr."""
    import subprocess

    rows = softmax_regression(epochs=30, classes=3, seed=2, lr=0.05, n_train=400, n_val=200)
    rows[10]["train_loss"] = 1e308
    path = keras_csv(tmp_path / "huge.csv", rows)
    done = subprocess.run(
        [sys.executable, "-W", "default", "-m", "lossacc_tui", "check", str(path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode in (0, 1) and done.stderr == "", done.stderr
    assert "loss-explosion" in done.stdout and "more than 1e6x" in done.stdout
    assert not NONSENSE.search(done.stdout), NONSENSE.search(done.stdout)


def mlp_run(folder: Path, lr: float = 3.0, epochs: int = 60, probe: bool = False) -> Path:
    """A real training (the tester's generator, train_runs.py / train_probe.py "highlr"): a numpy
    one-hidden-layer MLP on 5 Gaussian classes, 600 training and 300 validation samples, SGD at
    learning rate 3.0. Writes a 4-decimal Keras CSV, and with `probe` the per-sample probe sidecar
    (lossacc_tui.probe) beside it."""
    from lossacc_tui.probe import Probe

    rng = np.random.default_rng(3)
    k, ntr, nva, hidden = 5, 600, 300, 128
    centers = rng.normal(0, 0.8, (k, 20))
    y_all = rng.choice(k, ntr + nva)
    x_all = centers[y_all] + rng.normal(0, 1.0, (ntr + nva, 20))
    xtr, ytr, xva, yva = x_all[:ntr], y_all[:ntr], x_all[ntr:], y_all[ntr:]
    w1 = rng.normal(0, 1 / np.sqrt(20), (20, hidden))
    b1 = np.zeros(hidden)
    w2 = rng.normal(0, 1 / np.sqrt(hidden), (hidden, k))
    b2 = np.zeros(k)

    def softmax(z: np.ndarray) -> np.ndarray:
        z = z - z.max(1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(1, keepdims=True)

    def ev(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float, float]:
        with np.errstate(all="ignore"):
            p = softmax(np.maximum(0, x @ w1 + b1) @ w2 + b2)
        loss = -np.log(np.clip(p[np.arange(len(y)), y], 1e-12, 1))
        return p, float((p.argmax(1) == y).mean()), float(loss.mean())

    folder.mkdir(parents=True, exist_ok=True)
    lines = ["epoch,accuracy,loss,val_accuracy,val_loss"]
    sidecar = Probe(folder) if probe else None
    for ep in range(epochs):
        for idx in np.array_split(rng.permutation(ntr), ntr // 32):
            h = np.maximum(0, xtr[idx] @ w1 + b1)
            g = softmax(h @ w2 + b2)
            g[np.arange(len(idx)), ytr[idx]] -= 1
            g /= len(idx)
            gw2, gb2, gh = h.T @ g, g.sum(0), g @ w2.T
            gh[h <= 0] = 0
            gw1, gb1 = xtr[idx].T @ gh, gh.sum(0)
            w1 -= lr * gw1
            b1 -= lr * gb1
            w2 -= lr * gw2
            b2 -= lr * gb2
        _, tacc, tloss = ev(xtr, ytr)
        p, vacc, vloss = ev(xva, yva)
        if sidecar is not None:
            sidecar.log(epoch=ep, probs=p, labels=yva, split="val")
        lines.append(f"{ep},{tacc:.4f},{tloss:.4f},{vacc:.4f},{vloss:.4f}")
    log = folder / "training.log"
    log.write_text("\n".join(lines) + "\n")
    return log


READINGS = {"mistakes-carry-loss": "mistakes", "right-answers-carry-loss": "right", "underconfident": "right"}


def test_acc_flat_loss_down_quotes_its_own_span_and_agrees_with_the_other_alerts(tmp_path: Path) -> None:
    """The MLP at learning rate 3.0: its validation loss spikes (epochs 10-12), steps back down and
    then stays flat at accuracy 0.96 while training loss goes to 0.005 (12 mistakes carry 99.97% of
    the loss). acc-flat-loss-down said "the val_loss level fell 1.1713 -> 1.1056" over epochs 14-21
    with 1.1713 averaging in epoch 12, before its span, and read right answers and underconfidence
    where overfitting/loss-up-acc-up, at the same numbers, read mistakes."""
    import csv

    log = mlp_run(tmp_path / "highlr")
    rows = list(csv.DictReader(log.open()))
    val = {int(r["epoch"]): float(r["val_loss"]) for r in rows}
    found = alerts(log)
    half = Params().half
    for a in [a for a in found if a["kind"] == "acc-flat-loss-down"]:
        e = a["evidence"]
        first = int(e["from_x"])
        own = [val[x] for x in range(first, first + half)]
        assert e["from_level"] == pytest.approx(sum(own) / half), (a["title"], own)  # its own span's values
    # (the loss stepped down as the spike recovered, then stayed flat: 1.1059 -> 1.1055 over epochs
    # 13-21, so no "loss falling at flat accuracy" opens there)
    assert not [a for a in found if a["kind"] == "acc-flat-loss-down" and a["start"] <= 21]
    readings = {READINGS[c["id"]] for a in found for c in a["claims"] if c["id"] in READINGS}
    assert readings == {"mistakes"}, [(a["kind"], c["id"]) for a in found for c in a["claims"]]


def test_the_probe_paragraph_quotes_the_epoch_its_claims_are_about_and_confirms_no_hedge(
    tmp_path: Path,
) -> None:
    """The same MLP with the per-sample probe sidecar: val-loss-unstable's claims are about its
    high point (epoch 4), its probe paragraph quoted epoch 14 (12 mistakes; 37 at epoch 4); a
    confirmed claim kept "may carry" and "the same samples are right and wrong" while the probe
    said 38 samples changed class there."""
    pytest.importorskip("lossacc_tui.probe")
    log = mlp_run(tmp_path / "highlr", probe=True)
    found = alerts(log)
    (unstable,) = [a for a in found if a["kind"] == "val-loss-unstable"]
    ends = {c["end"] for c in unstable["claims"] if c["id"] != "classes"}
    assert len(ends) == 1
    at = re.search(r"Per-sample facts \(probe\)\.\W* At epoch (\d+)", unstable["explanation"])
    assert at and int(at.group(1)) == int(ends.pop())
    for a in found:
        for c in a["claims"]:
            if c["strength"] == "confirmed":
                assert " may " not in c["text"] and "same samples are right and wrong" not in c["text"], c


def test_run_names_in_the_runs_disagree_explanation_show_as_written(tmp_path: Path) -> None:
    """The demo's eight Lightning runs (a sweep whose rankings by loss and accuracy disagree) in
    folders named as Markdown: the runs-disagree explanation, printed as `check` prints it, shows
    the names as written (a folder `[run_1](http://evil.example)` became a link)."""
    import shutil

    from lossacc_tui.analysis import Analyzer, compare_runs
    from lossacc_tui.report import plain_markdown

    src = REPO / "demo_logs" / "eight_runs"
    names = {
        f"run_{i}": (f"[run_{i}](http://evil.example)" if i % 2 else f"**run_{i}**") for i in range(1, 9)
    }
    for old, new in names.items():
        shutil.copytree(src / old, tmp_path / new)
    runs = []
    for s in discover(tmp_path):
        s.read_all()
        for run in s.runs:
            Analyzer(run, Params()).update()
            runs.append(run)
    (alert,) = compare_runs(runs)
    shown = " ".join(" ".join(plain_markdown(alert.explanation, 100)).split())
    named = [n for n in names.values() if n in shown]
    assert named, shown[:600]
    assert "(http://evil.example)" not in shown.replace("](http://evil.example)", "")
