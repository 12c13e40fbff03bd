"""A multi-class SGD model's one-vs-rest blocks (tester h19t fault 7; real scikit-learn 1.9 consoles
from tests/data/sklearn_ovr/make.py). A 3-class `partial_fit` loop was read as one run whose
`loss` zig-zagged through the 3 classes' losses (one epoch per class); with `n_jobs=2` the classes'
threads interleave their lines and records were mixed or dropped ("an SGD epoch line without a
`-- Epoch N` line before it")."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import REPO, feed_in_chunks, read_runs, read_sources, snapshot, source_in_chunks

DATA = REPO / "tests" / "data" / "sklearn_ovr"
FACTS = json.loads((DATA / "facts.json").read_text())
_STATS = re.compile(r"Bias: (-?[\d.]+), T: \d+, Avg\. loss: ([\d.]+)")


def _blocks(name: str) -> list[tuple[float, float]]:
    """(bias, loss) of each stats line of a console, in order."""
    return [(float(m[1]), float(m[2])) for m in _STATS.finditer((DATA / name).read_text())]


def _said(name: str) -> list[str]:
    return [p.message for s in read_sources(DATA / name) for r in s.runs for p in s.problems(r)]


def test_partial_fit_calls_of_a_multi_class_model_are_one_record_a_call_per_class_series() -> None:
    for name, k in (("pf3_jobs1.log", 3), ("pf4_jobs1.log", 4), ("pf3_big_jobs1.log", 3)):
        (run,) = read_runs(DATA / name)
        calls = FACTS[name]  # sklearn's intercept_ after each call, in the order of classes_
        assert [float(x) for x in run.series["loss"].x("epoch")] == [1.0, 2.0, 3.0, 4.0]
        blocks = _blocks(name)
        for c, intercepts in enumerate(calls):
            for i, bias in enumerate(intercepts):
                # the block whose printed Bias is sklearn's intercept_ of class i after call c
                (loss,) = [lo for b, lo in blocks if abs(b - bias) < 1e-5]
                assert run.series[f"class {i + 1} loss"].values[c] == loss
            mean = sum(run.series[f"class {i + 1} loss"].values[c] for i in range(k)) / k
            assert abs(run.series["loss"].values[c] - mean) < 1e-12
        assert {n for n, s in run.series.items() if s.role == "train_loss"} == {"loss"}
        assert not [m for m in _said(name) if "one epoch each" in m]
        assert snapshot(feed_in_chunks(DATA / name, [1, 7, 300])) == snapshot(read_runs(DATA / name))


def test_a_binary_partial_fit_loop_is_still_one_call_an_epoch() -> None:
    (run,) = read_runs(DATA / "pf2_jobs1.log")
    assert [lo for _, lo in _blocks("pf2_jobs1.log")] == list(run.series["loss"].values)
    assert [float(x) for x in run.series["loss"].x("epoch")] == [1.0, 2.0, 3.0, 4.0]


def test_threads_interleaving_the_classes_lines_give_the_mean_of_the_classes() -> None:
    """With n_jobs=2 the same seed fits the same models: the mean of the n_jobs=1 console's
    classes, call by call (partial_fit) and epoch by epoch (fit, whose classes are runs there)."""
    (threaded,) = read_runs(DATA / "pf3_big_jobs2.log")
    (plain,) = read_runs(DATA / "pf3_big_jobs1.log")
    assert list(threaded.series["loss"].x("epoch")) == list(plain.series["loss"].x("epoch"))
    for a, b in zip(threaded.series["loss"].values, plain.series["loss"].values, strict=True):
        assert abs(a - b) < 1e-9
    assert not [n for n in threaded.series if n.startswith("class")]
    (fit,) = read_runs(DATA / "fit3_jobs2.log")
    per_class = read_runs(DATA / "fit3_jobs1.log")
    assert len(per_class) == 3
    assert [float(x) for x in fit.series["loss"].x("epoch")] == [1.0, 2.0, 3.0, 4.0]
    for e in range(4):
        mean = sum(r.series["loss"].values[e] for r in per_class) / 3
        assert abs(fit.series["loss"].values[e] - mean) < 1e-9
    for name in ("pf3_big_jobs2.log", "fit3_jobs2.log"):
        said = _said(name)
        assert any("interleave" in m for m in said), said
        assert not [m for m in said if "without a `-- Epoch N`" in m], said
        assert snapshot(feed_in_chunks(DATA / name, [1, 7, 300])) == snapshot(read_runs(DATA / name))


def test_the_testers_console() -> None:
    """Tester h19t's own 3-class partial_fit console (32 calls): 32 points, not 96."""
    (run,) = read_runs(DATA / "h19t_pf3.log")
    assert len(run.series["loss"]) == 32
    assert run.series["class 1 loss"].values[0] == 35.454693
    assert run.series["class 2 loss"].values[0] == 17.101222


def test_calls_fits_and_threads_in_one_console_each_a_run(tmp_path: Path) -> None:
    """One console holding, in turn, 3-class partial_fit calls, a 3-class fit, the calls again, a
    binary partial_fit loop, a threaded fit and threaded calls: each a run of its own, read whole or
    followed in chunks alike."""
    parts = ["pf3_jobs1", "fit3_jobs1", "pf3_jobs1", "pf2_jobs1", "fit3_jobs2", "pf3_big_jobs2"]
    path = tmp_path / "train.log"
    path.write_text("".join((DATA / f"{p}.log").read_text() for p in parts))
    runs = read_runs(path)
    assert [len(r.series["loss"]) for r in runs] == [4] * 8
    assert [i for i, r in enumerate(runs) if "class 1 loss" in r.series] == [0, 4]
    assert snapshot(feed_in_chunks(path, [1, 7, 300])) == snapshot(runs)


def test_threaded_models_that_stop_apart_are_read_while_all_run() -> None:
    """With tol the one-vs-rest models stop at their own epochs (early stopping: 7, 8 and 14 here):
    the mean is read over the epochs all 3 printed, said; their validation scores (each one
    class's binary accuracy) are not read as the model's accuracy. Where all 3 ran 30 epochs the
    mean is the n_jobs=1 console's classes', epoch by epoch."""
    (run,) = read_runs(DATA / "fit3_jobs2_es.log")
    assert [float(x) for x in run.series["loss"].x("epoch")] == [float(e) for e in range(1, 8)]
    assert "validation score" not in run.series
    said = _said("fit3_jobs2_es.log")
    assert any("the 7 epochs after the first stopped are not read" in m for m in said), said
    assert any("binary accuracy" in m for m in said), said
    (fit,) = read_runs(DATA / "fit3_jobs2_tol.log")
    per_class = read_runs(DATA / "fit3_jobs1_tol.log")
    assert len(fit.series["loss"]) == 30 and [len(r.series["loss"]) for r in per_class] == [30] * 3
    for e in range(30):
        mean = sum(r.series["loss"].values[e] for r in per_class) / 3
        assert abs(fit.series["loss"].values[e] - mean) < 1e-9


def test_a_followed_binary_loop_is_not_held_for_a_done_line_it_never_prints(tmp_path: Path) -> None:
    """A binary model prints no `Done` line: its calls are let go at the loop's own print between
    them (or at a block with another T), shown one record late as before, not held to the end."""
    blocks = (DATA / "pf2_jobs1.log").read_text().split("-- Epoch 1\n")[1:]
    path = tmp_path / "loop.log"
    path.write_text("".join(f"-- Epoch 1\n{b}call {i} done\n" for i, b in enumerate(blocks[:3])))
    (run,) = source_in_chunks(path, [5000], finish=False).runs
    assert len(run.series["loss"]) >= 2
    sizes = tmp_path / "sizes.log"  # batches of another size at each call, no print between them
    resized = [b.replace("T: 1000,", f"T: {900 + i},") for i, b in enumerate(blocks)]
    sizes.write_text("".join(f"-- Epoch 1\n{b}" for b in resized))
    (run,) = source_in_chunks(sizes, [5000], finish=False).runs
    assert len(run.series["loss"]) >= 2
