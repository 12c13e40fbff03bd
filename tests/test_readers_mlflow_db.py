"""MLflow's SQLite store (mlflow.db, written by the real MLflow client: tests/data/mlflow_sqlite):
runs listed, metrics read read-only and incrementally, a locked or broken database is a problem."""

from __future__ import annotations

import gzip
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, read_sources
from numpy_training import softmax_regression

from lossacc_tui.source import discover

DB_GZ = REPO / "tests" / "data" / "mlflow_sqlite" / "mlflow.db.gz"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    out = tmp_path / "mlflow.db"
    with gzip.open(DB_GZ) as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst)
    return out


def test_mlflow_db_runs_are_read_with_roles_and_deleted_runs_left_out(db: Path) -> None:
    for target in (db, db.parent):
        sources = read_sources(target)
        runs = [r for s in sources for r in s.runs]
        assert [r.name.rsplit(":", 1)[-1] for r in runs] == ["softmax/seed-0", "softmax/seed-1"]
        for seed, run in enumerate(runs):
            assert run.format == "mlflow-db" and run.x_axis == "step"
            assert {n: s.role for n, s in run.series.items()} == {
                "train_loss": "train_loss",
                "val_loss": "val_loss",
                "val_acc": "val_acc",
            }
            rows = softmax_regression(epochs=8, seed=seed)
            np.testing.assert_allclose(run.series["val_loss"].values, [r["val_loss"] for r in rows])
            assert list(run.series["val_acc"].steps) == list(range(8))


def test_mlflow_db_is_opened_read_only_and_never_written(db: Path) -> None:
    db.chmod(0o444)
    before = db.read_bytes()
    sources = read_sources(db)
    assert sum(r.points for s in sources for r in s.runs) == 2 * 8 * 3
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["mlflow.db"]  # no journal, no -wal


def _log(db: Path, run_name: str, step: int, values: dict[str, float]) -> None:
    """Insert points as MLflow's SQLAlchemy store does (one row per metric value)."""
    con = sqlite3.connect(db)
    (uuid,) = con.execute("SELECT run_uuid FROM runs WHERE name = ?", (run_name,)).fetchone()
    con.executemany(
        "INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, ?, 0)",
        [(k, v, 1_800_000_000_000 + step, uuid, step) for k, v in values.items()],
    )
    con.commit()
    con.close()


def test_mlflow_db_is_read_incrementally_by_row_id(db: Path) -> None:
    sources = discover(db)
    src = sources[0]
    src.read_all()
    (run,) = src.runs
    assert len(run.series["val_loss"]) == 8
    rows = softmax_regression(epochs=10, seed=0)
    for step in (8, 9):
        _log(db, "seed-0", step, {"val_loss": rows[step]["val_loss"]})
    appended = src.finish(0)  # what the follower calls when the file changed
    assert sum(b.n for _, b in appended) == 2
    assert list(run.series["val_loss"].steps) == list(range(10))
    assert src.finish(0) == []  # nothing new: nothing read twice


def test_a_locked_database_is_a_problem_then_read_when_released(db: Path) -> None:
    (src, _) = discover(db)
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")  # a training job in the middle of a write
    try:
        assert src.finish(0) == []
        (problem,) = src.problems(src.runs[0]) if src.runs else src.files[0].reader.problems
        assert "busy" in problem.message or "cannot open" in problem.message
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    src.finish(0)
    assert len(src.runs[0].series["val_loss"]) == 8


def test_a_half_written_database_is_a_problem_not_a_traceback(db: Path, tmp_path: Path) -> None:
    (src, _) = discover(db)
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 3])  # cut short, as a copy in progress leaves it
    src.finish(0)
    messages = [p.message for p in src.files[0].reader.problems]
    assert messages and "mlflow.db" in messages[0]


def test_a_growing_mlflow_db_is_followed(db: Path) -> None:
    from test_follow import watch

    m, c = watch(db.parent, poll=0.05)
    try:
        c.wait(lambda: len(m.runs) == 2 and all(len(r.series.get("val_loss", ())) == 8 for r in m.runs))
        rows = softmax_regression(epochs=12, seed=1)
        for step in range(8, 12):
            _log(db, "seed-1", step, {"val_loss": rows[step]["val_loss"], "val_acc": rows[step]["val_acc"]})
        c.wait(lambda: len(c.values(m.runs[1].name, "val_loss")) == 12)
        with m.lock:
            run = m.runs[1]
            assert list(run.series["val_loss"].steps) == list(range(12))
            np.testing.assert_allclose(run.series["val_acc"].values, [r["val_acc"] for r in rows])
            assert len(m.runs[0].series["val_loss"]) == 8
    finally:
        m.stop()


def test_a_database_with_another_schema_is_one_clear_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    p = tmp_path / "mlflow.db"
    con = sqlite3.connect(p)  # MLflow's table names, not its columns (another tool's database)
    con.executescript(
        "CREATE TABLE experiments (id INTEGER); CREATE TABLE runs (id INTEGER);"
        " CREATE TABLE metrics (id INTEGER, v REAL); INSERT INTO runs VALUES (1);"
    )
    con.commit()
    con.close()
    proc = subprocess.run(
        [sys.executable, "-m", "lossacc_tui", "check", str(p)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_mlflow_db_params_are_the_runs_own(db: Path) -> None:
    """Each run carries the parameters the MLflow client logged for it (for the run summary)."""
    got = {r.name.rsplit("/", 1)[-1]: r.params for s in read_sources(db) for r in s.runs}
    assert got == {"seed-0": {"lr": "0.1", "seed": "0"}, "seed-1": {"lr": "0.1", "seed": "1"}}
