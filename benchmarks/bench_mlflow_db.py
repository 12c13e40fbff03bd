"""Reading a 1,000,000-row MLflow SQLite metrics table (mlflow.db), with `pandas.read_sql` on the
same file and query as the reference. The database starts from the one the real MLflow client wrote
(tests/data/mlflow_sqlite); one run gets 1,000,000 more points (4 metrics x 250,000 steps), inserted
the way MLflow's store does (a row per value).

    python -m benchmarks bench_mlflow_db
"""

from __future__ import annotations

import gzip
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

import numpy as np

from lossacc_tui.source import discover

ROWS = 1_000_000
DB_GZ = Path(__file__).resolve().parents[1] / "tests" / "data" / "mlflow_sqlite" / "mlflow.db.gz"
KEYS = ("train_loss", "val_loss", "val_acc", "lr")


def make_db(path: Path, rows: int = ROWS) -> str:
    """The committed database plus `rows` metric rows for its first run; returns that run's id."""
    with gzip.open(DB_GZ) as src, open(path, "wb") as dst:
        shutil.copyfileobj(src, dst)
    con = sqlite3.connect(path)
    (uuid,) = con.execute("SELECT run_uuid FROM runs ORDER BY start_time LIMIT 1").fetchone()
    rng = np.random.default_rng(0)
    steps = rows // len(KEYS)
    vals = rng.random((steps, len(KEYS)))
    con.executemany(
        "INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, ?, 0)",
        (
            (key, float(vals[s, k]), 1_800_000_000_000 + s, uuid, 100 + s)
            for s in range(steps)
            for k, key in enumerate(KEYS)
        ),
    )
    con.commit()
    con.close()
    return str(uuid)


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "mlflow.db"
        uuid = make_db(path)
        size = path.stat().st_size / 1e6
        t = time.perf_counter()
        sources = discover(path)
        for src in sources:
            src.read_all()
        dt = time.perf_counter() - t
        values = sum(r.points for s in sources for r in s.runs)
        print(f"mlflow-db: {ROWS:,} metric rows in one run, {size:.1f} MB")
        print(f"  ours: {dt:.2f} s, {values:,} metric values = {values / dt / 1e6:.2f} M values/s")
        try:
            import pandas as pd
        except ImportError:
            print("  reference: pandas not installed (pip install '.[bench]')")
            return
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        t = time.perf_counter()
        df = pd.read_sql(
            "SELECT key, value, timestamp, step, is_nan FROM metrics WHERE run_uuid = ? ORDER BY rowid",
            con,
            params=(uuid,),
        )
        pdt = time.perf_counter() - t
        con.close()
        print(
            f"  reference pandas.read_sql (the same rows, one run): {pdt:.2f} s ="
            f" {len(df) / pdt / 1e6:.2f} M rows/s; ours takes {dt / pdt:.2f}x pandas' time"
            " (ours also lists the runs and builds the series)"
        )


if __name__ == "__main__":
    main()
