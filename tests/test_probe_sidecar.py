"""The sidecar on the reading side: found beside a log, attached to its run, looked up by the run's
x, shown by `check` (text and JSON), followed live by the Monitor, never read as a log itself."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from lossacc_tui.monitor import Monitor
from lossacc_tui.probe import FILENAME, Probe
from lossacc_tui.readers.probe_sidecar import (
    ProbeSidecar,
    attach_sidecars,
    facts_lookup,
    facts_text,
    probe_facts_at,
    probe_facts_between,
    sidecar_path,
)
from lossacc_tui.source import PathError, discover


def train(run_dir: Path, epochs: int = 6, seed: int = 0, csv_name: str = "log.csv") -> list[dict]:
    """A real (numpy) softmax regression on a noisy 4-class problem: a Keras-CSVLogger-style log
    (epoch 0-based) and the probe's sidecar, written as training goes. Returns the probe records."""
    rng = np.random.default_rng(seed)
    k = 4
    centers = rng.normal(size=(k, 6)) * 1.2
    y_tr, y_va = rng.integers(0, k, 1200), rng.integers(0, k, 600)
    x_tr = centers[y_tr] + rng.normal(size=(1200, 6)) * 1.6
    x_va = centers[y_va] + rng.normal(size=(600, 6)) * 1.6
    w, b = np.zeros((6, k)), np.zeros(k)
    probe = Probe(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    records = []
    with open(run_dir / csv_name, "w") as log:
        log.write("epoch,accuracy,loss,val_accuracy,val_loss\n")
        for epoch in range(epochs):
            z = x_tr @ w + b
            p = np.exp(z - z.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            tr_loss = -np.log(p[np.arange(1200), y_tr]).mean()
            tr_acc = (p.argmax(1) == y_tr).mean()
            g = p.copy()
            g[np.arange(1200), y_tr] -= 1
            w -= 3.0 * x_tr.T @ g / 1200
            b -= 3.0 * g.mean(0)
            zv = x_va @ w + b
            rec = probe.log(epoch=epoch, logits=zv, labels=y_va, split="val")
            assert rec is not None
            records.append(rec)
            log.write(f"{epoch},{tr_acc},{tr_loss},{rec['accuracy']},{rec['loss']}\n")
            log.flush()
    return records


def test_check_json_carries_the_probe_per_run_and_the_sidecar_is_not_a_run(tmp_path: Path) -> None:
    records = train(tmp_path / "exp1")
    out = subprocess.run(
        [sys.executable, "-m", "lossacc_tui", "check", "--json", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    doc = json.loads(out.stdout)
    assert len(doc["runs"]) == 1  # the sidecar (a JSON-lines file with accuracy and loss) is no run
    run = doc["runs"][0]
    assert run["probe_path"].endswith(FILENAME)
    assert [r["epoch"] for r in run["probe"]["val"]] == list(range(6))
    assert run["probe"]["val"][-1]["accuracy"] == pytest.approx(records[-1]["accuracy"])
    # the probe's loss is the logged val_loss: the same predictions
    assert run["metrics"]["val_loss"]["last"] == pytest.approx(records[-1]["loss"])


def test_check_text_shows_the_latest_facts(tmp_path: Path) -> None:
    records = train(tmp_path / "exp1")
    out = subprocess.run(
        [sys.executable, "-m", "lossacc_tui", "check", str(tmp_path / "exp1" / "log.csv")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "probe (val, epoch 5): 600 samples" in out
    assert f"{records[-1]['n_wrong']} wrong carry" in out


def test_facts_are_looked_up_by_the_runs_own_x(tmp_path: Path) -> None:
    records = train(tmp_path / "exp1")
    [src] = discover(tmp_path / "exp1" / "log.csv")
    src.read_all()
    attach_sidecars([src])
    [run] = src.runs
    assert run.x_axis == "epoch"
    f = probe_facts_at(run, "val", 3)
    assert f is not None and f.epoch == 3 and f.n_wrong == records[3]["n_wrong"]
    assert f.wrong_loss_share == pytest.approx(records[3]["wrong_loss_share"])
    assert probe_facts_at(run, "val", 17) is None
    assert probe_facts_at(run, "train", 3) is None
    flips = probe_facts_between(run, "val", 1, 4)
    assert [x.epoch for x in flips] == [2, 3, 4]
    assert sum(x.flips or 0 for x in flips) == sum(r["flips"] for r in records[2:5])


def test_a_log_without_sidecar_has_no_probe(tmp_path: Path) -> None:
    train(tmp_path / "exp1")
    (tmp_path / "exp1" / FILENAME).unlink()
    [src] = discover(tmp_path / "exp1" / "log.csv")
    src.read_all()
    assert attach_sidecars([src]) == {}
    assert src.runs[0].probe is None and probe_facts_at(src.runs[0], "val", 1) is None


def test_bad_lines_become_problems_with_line_numbers(tmp_path: Path) -> None:
    train(tmp_path / "exp1", epochs=2)
    side = tmp_path / "exp1" / FILENAME
    with open(side, "a") as f:
        f.write("{not json\n")
        f.write('{"schema": 7, "split": "val"}\n')
        f.write('{"schema": 1, "split": "val", "n": 3}\n')
    sc = ProbeSidecar(side).read_all()
    assert len(sc.splits["val"]) == 2
    assert [(p.line, p.message.split(": ", 1)[1][:10]) for p in sc.problems] == [
        (3, "not JSON"),
        (4, "schema 7 i"),
        (5, "missing k,"),
    ]


def test_pointing_at_the_sidecar_itself_says_what_it_is(tmp_path: Path) -> None:
    train(tmp_path / "exp1", epochs=1)
    with pytest.raises(PathError, match="probe sidecar"):
        discover(tmp_path / "exp1" / FILENAME)


def test_nested_layouts_find_the_sidecar_in_the_run_folder(tmp_path: Path) -> None:
    (tmp_path / "run" / "validation").mkdir(parents=True)
    (tmp_path / "run" / "checkpoint-500").mkdir()
    (tmp_path / "run" / FILENAME).write_text("")
    assert sidecar_path(tmp_path / "run" / "validation" / "events.out") == tmp_path / "run" / FILENAME
    assert sidecar_path(tmp_path / "run" / "checkpoint-500" / "trainer_state.json") == (
        tmp_path / "run" / FILENAME
    )
    assert sidecar_path(tmp_path / "run" / "log.csv") == tmp_path / "run" / FILENAME


def wait_for(cond, what: str, bound: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + bound
    while not cond():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_the_monitor_follows_a_sidecar_that_appears_and_grows(tmp_path: Path) -> None:
    src_dir = tmp_path / "src"
    records = train(src_dir, epochs=4)
    live = tmp_path / "live"
    live.mkdir()
    lines = (src_dir / "log.csv").read_text().splitlines(keepends=True)
    side = (src_dir / FILENAME).read_text().splitlines(keepends=True)
    (live / "log.csv").write_text("".join(lines[:3]))  # header and two epochs, no sidecar yet
    m = Monitor([live], poll=0.1)
    m.start()
    try:
        wait_for(lambda: m.runs and len(m.runs[0].series.get("val_loss", [])) == 2, "the log")
        run = m.runs[0]
        assert run.probe is not None and not run.probe
        with open(live / FILENAME, "a") as f:
            f.write("".join(side[:2]))
        wait_for(lambda: probe_facts_at(run, "val", 1) is not None, "the sidecar's first lines")
        with open(live / FILENAME, "a") as f:
            f.write(side[2][:40])  # the writer is mid-line
        with open(live / "log.csv", "a") as f:
            f.write("".join(lines[3:]))
        wait_for(lambda: len(run.series["val_loss"]) == 4, "the rest of the log")
        with m.lock:
            assert probe_facts_at(run, "val", 2) is None  # half a line is not a record
        with open(live / FILENAME, "a") as f:
            f.write(side[2][40:] + side[3])
        wait_for(lambda: probe_facts_at(run, "val", 3) is not None, "the sidecar's last lines")
        with m.lock:
            got = probe_facts_at(run, "val", 2)
            assert got is not None and got.n_wrong == records[2]["n_wrong"]
            assert len(m.runs) == 1  # the sidecar never became a run
    finally:
        m.stop()


def test_copying_a_real_run_folder_keeps_its_sidecar(tmp_path: Path) -> None:
    train(tmp_path / "a")
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    sources = discover(tmp_path)
    for s in sources:
        s.read_all()
    found = attach_sidecars(sources)
    assert len(found) == 2 and all(s.runs[0].probe is not None for s in sources)


def test_a_split_name_from_the_file_never_carries_markup(tmp_path: Path) -> None:
    line = {
        "schema": 1,
        "split": "[bold]x**\x1b[2J",
        "epoch": 0,
        "n": 4,
        "k": 2,
        "accuracy": 0.5,
        "loss": 0.7,
        "n_wrong": 2,
    }
    (tmp_path / FILENAME).write_text(json.dumps(line) + "\n")
    sc = ProbeSidecar(tmp_path / FILENAME).read_all()
    [series] = sc.splits.values()
    text = facts_text(series.records[0], "epoch")
    assert text.startswith("probe (?bold?x???") and "\x1b" not in text and "[" not in text


def test_facts_lookup_for_the_analyzer_at_or_before_x_by_its_split_names(tmp_path: Path) -> None:
    records = train(tmp_path / "exp1", epochs=6)
    side = tmp_path / "exp1" / FILENAME
    lines = side.read_text().splitlines(keepends=True)
    side.write_text("".join(lines[0:6:2]))  # the probe ran at epochs 0, 2, 4 only
    [src] = discover(tmp_path / "exp1" / "log.csv")
    src.read_all()
    attach_sidecars([src])
    run = src.runs[0]
    lookup = facts_lookup(run, "validation")
    assert lookup is not None
    got = lookup(3.0)
    assert got is not None and got["epoch"] == 2 and got["n_wrong"] == records[2]["n_wrong"]
    assert lookup(4.0)["epoch"] == 4  # type: ignore[index]
    exact = facts_lookup(run, "val", exact=True)
    assert exact is not None and exact(3.0) is None and exact(2.0)["epoch"] == 2  # type: ignore[index]
    assert facts_lookup(run, "training")(3.0) is None  # type: ignore[misc]
    run.probe = None
    assert facts_lookup(run, "validation") is None


@pytest.mark.parametrize("given", ["folder", "file"])
def test_a_missing_sidecar_does_not_push_the_follower_into_polling(tmp_path: Path, given: str) -> None:
    """The Monitor follows a sidecar only once it exists: a tail on a missing file would look to
    the follower's safety check like changes without events."""
    records = train(tmp_path / "src", epochs=3)
    live = tmp_path / "live"
    live.mkdir()
    lines = (tmp_path / "src" / "log.csv").read_text().splitlines(keepends=True)
    (live / "log.csv").write_text("".join(lines[:2]))
    m = Monitor([live if given == "folder" else live / "log.csv"])
    m.start()
    try:
        wait_for(lambda: m.runs and len(m.runs[0].series.get("val_loss", [])) == 1, "the log")
        if m.follower.mode != "events":
            pytest.skip("no file-system events on this machine: the follower polls anyway")
        m.follower._safety_check()
        assert m.follower.mode == "events"
        (live / FILENAME).write_text((tmp_path / "src" / FILENAME).read_text())
        with open(live / "log.csv", "a") as f:
            f.write("".join(lines[2:]))
        run = m.runs[0]
        wait_for(lambda: probe_facts_at(run, "val", 2) is not None, "the sidecar, once it exists")
        with m.lock:
            assert probe_facts_at(run, "val", 2).n_wrong == records[2]["n_wrong"]  # type: ignore[union-attr]
    finally:
        m.stop()
