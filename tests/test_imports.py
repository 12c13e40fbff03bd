"""Start-up imports only what a command needs: `check` on a finished log loads neither the
follower, the terminal view, Markdown rendering, the optional parsers (polars, tensorboard) nor the
readers of other formats (TensorBoard, W&B, MLflow: `readers.registry.DEFERRED`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import REALWORLD, REPO, realworld

PROBE = """
import runpy, sys
sys.argv = ["lossacc-tui", "check", sys.argv[1]]
try:
    runpy.run_module("lossacc_tui", run_name="__main__")
except SystemExit:
    pass
OTHER_READERS = ("tensorboard", "tb_vector", "wandb_run", "wandb_folder", "mlflow", "mlflow_db")
print("LOADED:", *sorted(m for m in sys.modules if m.split(".")[0] in {"watchdog", "textual", "polars",
      "tensorboard", "markdown_it", "wandb", "sqlite3"} or m in {"rich.markdown", "lossacc_tui.monitor",
      "lossacc_tui.follow", "urllib.request", "http.client"}
      or m in {"lossacc_tui.readers." + r for r in OTHER_READERS}))
"""


def test_check_on_a_small_healthy_csv_imports_only_what_it_needs(tmp_path: Path) -> None:
    log = tmp_path / "training.log"
    rows = "".join(
        f"{i},{0.5 + i / 100:.4f},{0.9 - i / 100:.4f},{0.5 + i / 100:.4f},{0.95 - i / 100:.4f}\n"
        for i in range(20)
    )
    log.write_text("epoch,accuracy,loss,val_accuracy,val_loss\n" + rows)
    res = subprocess.run([sys.executable, "-c", PROBE, str(log)], capture_output=True, text=True, timeout=120)
    assert "epoch" in res.stdout or "val_loss" in res.stdout  # check did read and report the run
    assert res.stdout.rsplit("LOADED:", 1)[1].split() == []


def test_the_package_itself_imports_nothing_heavy() -> None:
    mods = "('numpy', 'lossacc_tui.source')"
    code = f"import sys, lossacc_tui; print(sorted(m for m in {mods} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert out.strip() == "[]"
    code = "import lossacc_tui; print(lossacc_tui.Run.__name__, lossacc_tui.discover.__name__)"
    assert subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    ).stdout.split() == [
        "Run",
        "discover",
    ]


def test_the_terminal_view_imports_no_analysis_before_it_needs_it() -> None:
    """`watch` imports the command line and the view; the detectors, the comparison and the report
    come later, when a run is first analysed (the first frame is not held up by them)."""
    code = (
        "import sys, lossacc_tui.cli, lossacc_tui.app.launch\n"
        "print(sorted(m for m in sys.modules if m.startswith(('lossacc_tui.analysis.', 'lossacc_tui.report',"
        " 'lossacc_tui.check'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout
    assert out.strip() == "['lossacc_tui.analysis.params']"


QUICK_FRAME = """
import sys
from pathlib import Path
import lossacc_tui.cli
from lossacc_tui import quickframe
run, fraction = quickframe.read_head(Path(sys.argv[1]), None, None)
lines = quickframe.frame_lines(run, sys.argv[1], fraction, 120, 40, True)
assert any("last epoch 19" in line for line in lines), lines
print("LOADED:", *sorted(m for m in sys.modules if m.split(".")[0] in {"textual", "rich", "plotext",
      "textual_plotext", "markdown_it", "pygments", "watchdog", "polars"}
      or m.startswith(("lossacc_tui.analysis.", "lossacc_tui.monitor", "lossacc_tui.follow",
      "lossacc_tui.app.app", "lossacc_tui.app.widgets", "lossacc_tui.report", "lossacc_tui.check"))
      and m != "lossacc_tui.analysis.params"))
"""


def test_the_quick_first_frame_imports_neither_textual_rich_plotext_nor_the_analysis(tmp_path: Path) -> None:
    """`watch FILE` paints its first frame (quickframe.py) with the command line, the readers and
    the view's Textual-free plot code only: Textual, Rich, plotext, the follower and the analysis
    are imported after it is on the screen."""
    log = tmp_path / "training.log"
    rows = "".join(
        f"{i},{0.5 + i / 100:.4f},{0.9 - i / 100:.4f},{0.5 + i / 100:.4f},{0.95 - i / 100:.4f}\n"
        for i in range(20)
    )
    log.write_text("epoch,accuracy,loss,val_accuracy,val_loss\n" + rows)
    res = subprocess.run(
        [sys.executable, "-c", QUICK_FRAME, str(log)], capture_output=True, text=True, timeout=120
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.rsplit("LOADED:", 1)[1].split() == []


def test_the_analysis_package_still_gives_every_public_name() -> None:
    code = (
        "import lossacc_tui.analysis as a\n"
        "print(*(type(getattr(a, n)).__name__ for n in a.__all__))\n"
        "try:\n    a.NoSuchName\nexcept AttributeError as e:\n    print('AttributeError', e)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    first, second = res.stdout.splitlines()
    assert first.split() == [
        "tuple",
        "tuple",
        "tuple",
        "tuple",
        "type",
        "type",
        "type",
        "type",
        "function",
        "function",
    ]
    assert second == "AttributeError module 'lossacc_tui.analysis' has no attribute 'NoSuchName'"


FEED_PROBE = """
import sys, threading, time
from pathlib import Path
from lossacc_tui.monitor import Monitor

told = []
def seen(events):
    loaded = "lossacc_tui.analysis.analyzer" in sys.modules
    told.extend((type(e).__name__, loaded, getattr(getattr(e, "alert", None), "kind", "")) for e in events)
    if told:
        feed.first_frame.set()  # (as a view does once it has drawn the first points)

feed = Monitor([Path(sys.argv[1])])
feed.first_frame = threading.Event()
feed.subscribe(seen)
feed.start()
end = time.monotonic() + 60
while time.monotonic() < end and not any(t[0] == "AlertChanged" for t in list(told)):
    time.sleep(0.05)
feed.stop()
for t in told:
    print(*t)
"""


def test_points_are_told_before_the_first_analysis_and_alerts_still_come(tmp_path: Path) -> None:
    """The first points a watched log gives are told (and can be drawn) before the analysis is
    imported, which waits for the view's first frame; the alerts follow, the same as `check` gives."""
    log = tmp_path / "training.log"
    log.write_bytes(realworld("keras_csvlogger/CatClassifier__training.log").read_bytes())
    res = subprocess.run(
        [sys.executable, "-c", FEED_PROBE, str(log)], capture_output=True, text=True, timeout=120
    )
    told = [line.split() for line in res.stdout.splitlines()]
    points = [t for t in told if t[0] == "PointsAdded"]
    alerts = [t for t in told if t[0] == "AlertChanged"]
    assert points and points[0][1] == "False", res.stderr
    assert alerts and alerts[0][2] == "high-loss-good-acc", res.stderr
    assert told.index(points[0]) < told.index(alerts[0])


VIEW_PROBE = """
import asyncio, sys
from pathlib import Path
import lossacc_tui.feed_passes
from lossacc_tui.app.app import make_app
from lossacc_tui.monitor import Monitor

lossacc_tui.feed_passes.FIRST_FRAME_WAIT = 120.0  # (a loaded machine may take more than 2 s to draw)
feed = Monitor([Path(sys.argv[1])])
app = make_app(feed, sys.argv[1])
feed.start()
frames = []
real = app._frame
def frame():
    frames.append("lossacc_tui.analysis.analyzer" in sys.modules)
    return real()
app._frame = frame

async def main():
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(600):
            await pilot.pause(0.1)
            with app.tracker.lock:
                kinds = [a.kind for rs in app.tracker.runs for a in rs.alerts]
            if kinds and app.first_frame.is_set():
                break
        print("FIRST-FRAME-ANALYSIS-LOADED", frames[0])
        print("ALERTS", *kinds)
asyncio.run(main())
feed.stop()
"""


def test_the_view_draws_its_first_frame_before_the_analysis_is_imported(tmp_path: Path) -> None:
    """`watch`: the first frame is drawn before the analysis is imported; the alerts follow."""
    log = tmp_path / "training.log"
    log.write_bytes(realworld("keras_csvlogger/CatClassifier__training.log").read_bytes())
    res = subprocess.run(
        [sys.executable, "-c", VIEW_PROBE, str(log)], capture_output=True, text=True, timeout=120
    )
    assert "FIRST-FRAME-ANALYSIS-LOADED False" in res.stdout, res.stdout + res.stderr
    assert "high-loss-good-acc" in res.stdout.split("ALERTS", 1)[1], res.stdout + res.stderr


DETECT_PROBE = """
import gzip, shutil, sys, tempfile
from pathlib import Path
from lossacc_tui.readers import registry
from lossacc_tui.source import discover
if sys.argv[1] == "eager":
    registry.load_all()
tmp = Path(tempfile.mkdtemp())
with gzip.open(sys.argv[2]) as src, open(tmp / "mlflow.db", "wb") as dst:
    shutil.copyfileobj(src, dst)
for p in [*sys.argv[3:], str(tmp / "mlflow.db"), str(tmp)]:
    for src in discover(Path(p)):
        src.read_all()
        print(Path(p).name if Path(p) != tmp else "db-folder", src.format, *(f"{r.points}" for r in src.runs))
print("LOADED", *sorted(m for m in sys.modules if m.startswith("lossacc_tui.readers.")))
"""


def test_formats_found_with_deferred_readers_are_those_found_with_every_reader_loaded() -> None:
    """Detection imports the TensorBoard, W&B and MLflow readers only for what may be theirs, and
    finds the same format and points for each of their real files and folders as with every reader
    imported first (each run in a fresh interpreter)."""
    cases = REALWORLD.parent / "cases" / "formats"
    paths = [
        realworld(
            "tensorboard/Brain_tumor_disease__version_1__events.out.tfevents.1737343473.LAPTOP-15GQC47K.24996.0"
        ),
        realworld("tensorboard"),
        realworld("mlflow/keras-mlflow-sentences-classification__mlruns"),
        realworld("mlflow/keras-mlflow-sentences-classification__mlruns/0"),
        realworld("keras_csvlogger/CatClassifier__training.log"),
        cases / "fmt-12-tensorboard" / "keras" / "generated" / "logs" / "fit",
        cases / "fmt-06-wandb" / "wandb",
        cases / "fmt-06-wandb" / "wandb" / "latest-run" / "files" / "wandb-summary.json",
        REPO / "tests" / "data" / "wandb_run" / "wandb",
        *sorted((REPO / "tests" / "data" / "wandb_run" / "wandb").glob("*/*.wandb")),
    ]
    db = REPO / "tests" / "data" / "mlflow_sqlite" / "mlflow.db.gz"
    out = {}
    for mode in ("lazy", "eager"):
        res = subprocess.run(
            [sys.executable, "-c", DETECT_PROBE, mode, str(db), *map(str, paths)],
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert res.returncode == 0, res.stderr
        out[mode] = res.stdout.splitlines()
    found = out["lazy"][:-1]
    assert found == out["eager"][:-1]
    formats = {line.split()[1] for line in found}
    assert {"tensorboard", "mlflow", "mlflow-db", "wandb", "keras-csv"} <= formats, found
    lazy_loaded = out["lazy"][-1]
    assert "lossacc_tui.readers.wandb_run" in lazy_loaded and "lossacc_tui.readers.mlflow_db" in lazy_loaded


def test_every_format_id_is_known_before_its_module_is_imported() -> None:
    """`--format` choices and the "expected one of" lists name every format without importing the
    deferred reader modules (registry.format_ids), and match what the modules register."""
    code = (
        "import sys\n"
        "from lossacc_tui.readers import READERS, registry\n"
        "before = registry.format_ids(); listed = sorted(READERS)\n"
        "tb = 'lossacc_tui.readers.tensorboard' in sys.modules\n"
        "registry.load_all()\n"
        "print(before == listed == sorted(f for f, c in READERS.items() if c), tb)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.stdout.split() == ["True", "False"], res.stderr
