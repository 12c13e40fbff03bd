"""A bad line in a followed log is told as it is found (a `problem` event, a line on stderr, the
view's status line), as a one-shot `check` lists it; an accuracy in percent streams as a fraction."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
from conftest import REPO, ctrl_c, popen_ctrl_c
from numpy_training import softmax_regression
from test_follow import watch

from lossacc_tui.events import PointsAdded, Problem

ROWS = softmax_regression(epochs=8)


HEADER = "epoch,loss,val_loss,val_acc\n"


def row(e: int, loss: str | None = None, pct: bool = False) -> str:
    r = ROWS[e]
    acc = 100 * r["val_acc"] if pct else r["val_acc"]
    return f"{e},{loss if loss is not None else r['train_loss']:.6f},{r['val_loss']:.6f},{acc:.4f}\n"


def test_a_bad_cell_in_a_followed_log_is_a_problem_event_and_the_rest_arrives(
    tmp_path: Path, stop_all
) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "training.log"
    p.write_text(HEADER + row(0) + row(1))
    m, c = watch(p)
    stop_all(m)
    c.wait(lambda: len(c.values(str(p), "val_loss")) == 2)
    r = ROWS[2]
    with open(p, "a") as f:  # a cell a broken writer garbled, then a good row
        # (a number in colour is that number: the garbling is the `?` after it)
        f.write(f"2,\x1b[31m{r['train_loss']:.4f}?\x1b[0m,{r['val_loss']:.6f},{r['val_acc']:.4f}\n" + row(3))
    c.wait(lambda: len(c.values(str(p), "val_loss")) == 4)
    c.wait(lambda: any(isinstance(e, Problem) for e in c.events))
    (prob,) = [e for e in c.events if isinstance(e, Problem)]
    assert prob.line == 4 and "loss" in prob.message and "\x1b" not in prob.message
    assert c.values(str(p), "loss") == [round(ROWS[e]["train_loss"], 6) for e in (0, 1, 3)]
    assert sum(isinstance(e, PointsAdded) for e in c.events) >= 2


def test_check_follow_json_streams_problems_and_percent_as_a_fraction(tmp_path: Path) -> None:
    p = tmp_path / "training.log"
    p.write_text(HEADER + row(0, pct=True))
    proc = popen_ctrl_c(
        [sys.executable, "-m", "lossacc_tui", "check", "--follow", "--json", str(p)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        seen: list[dict] = []
        with open(p, "a") as f:
            f.write("1,0.5,oops,33.3\n" + row(2, pct=True))
        while not (seen and seen[-1]["event"] == "record" and seen[-1]["epoch"] == 2):
            seen.append(orjson.loads(proc.stdout.readline()))
    finally:
        _out, err = ctrl_c(proc, timeout=30)
    problems = [e for e in seen if e["event"] == "problem"]
    assert len(problems) == 1 and problems[0]["line"] == 3 and "val_loss" in problems[0]["message"]
    accs = [e["values"]["val_acc"] for e in seen if e["event"] == "record"]
    assert accs[-1] == round(ROWS[2]["val_acc"], 6) or abs(accs[-1] - ROWS[2]["val_acc"]) < 1e-4
    assert all(0 <= a <= 1 for a in accs)
    assert "Traceback" not in err
