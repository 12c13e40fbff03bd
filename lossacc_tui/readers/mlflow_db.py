"""MLflow's SQLite tracking store (`mlflow.db`, the default backend since MLflow 3.7, or any
`sqlite:///...` backend store): one run per row of `runs` (deleted runs and experiments left out),
its points from the `metrics` table (`key, value, timestamp, step, is_nan, run_uuid`).

The database is opened read-only through a `file:...?mode=ro` URI (never a write lock that could
block the training job) with a short busy timeout; points are read incrementally by SQLite's row id
(the highest id read so far), so following a growing database costs one indexed query per check.
A locked, half-written or unexpected database is a problem (one line), not an error: the next
check tries again. x = `step`, time = `timestamp` (ms -> s). Schema: mlflow/store/tracking/dbmodels.
"""

from __future__ import annotations

import functools
import sqlite3
import urllib.parse
from pathlib import Path
from typing import ClassVar

import numpy as np

from lossacc_tui.model import Batch
from lossacc_tui.readers.base import Reader, clean_text
from lossacc_tui.readers.layouts import Claim, files_in, register_layout
from lossacc_tui.readers.registry import register

SQLITE_MAGIC = b"SQLite format 3\x00"
SUFFIXES = (".db", ".sqlite", ".sqlite3")
BUSY_MS = 200  # wait at most this long for a writer's lock, then try again at the next check
PAGE = 500_000  # rows per query


def connect(path: Path) -> sqlite3.Connection:
    """A read-only connection (`mode=ro`): raises sqlite3.Error when it cannot be opened."""
    uri = "file:" + urllib.parse.quote(str(path.absolute())) + "?mode=ro"
    con = sqlite3.connect(uri, uri=True, timeout=BUSY_MS / 1000, check_same_thread=False)
    con.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
    return con


def is_mlflow_db(path: Path) -> bool:
    """An SQLite file holding MLflow's `runs` and `metrics` tables."""
    try:
        with open(path, "rb") as f:
            if f.read(16) != SQLITE_MAGIC:
                return False
        con = connect(path)
        try:
            names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            con.close()
    except (OSError, sqlite3.Error):
        return False
    return {"runs", "metrics", "experiments"} <= names


def list_runs(path: Path) -> list[tuple[str, str]]:
    """(run_uuid, display name `experiment/run`) of the live runs, oldest first."""
    con = connect(path)
    try:
        rows = con.execute(
            "SELECT r.run_uuid, COALESCE(e.name, r.experiment_id), COALESCE(NULLIF(r.name, ''), r.run_uuid)"
            " FROM runs r LEFT JOIN experiments e ON e.experiment_id = r.experiment_id"
            " WHERE COALESCE(r.lifecycle_stage, 'active') != 'deleted'"
            " AND COALESCE(e.lifecycle_stage, 'active') != 'deleted'"
            " ORDER BY r.start_time, r.run_uuid"
        ).fetchall()
    finally:
        con.close()
    return [(str(u), clean_text(f"{exp}/{name}")) for u, exp, name in rows]


@register
class MlflowDbReader(Reader):
    """The metrics of one run of an MLflow SQLite store (all runs' when `run_uuid` is None, with
    names `<run>/<key>`: only for `--format mlflow-db` on a file)."""

    format_id: ClassVar[str] = "mlflow-db"
    binary: ClassVar[bool] = True
    empty_hint: ClassVar[str | None] = "this MLflow run has logged no metric yet"
    #: Source.read_all does not read the bytes: the reader queries the database itself.
    reads_itself: ClassVar[bool] = True

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        return 0.0  # claimed per run by the folder layout below, never sniffed as a log

    def __init__(self, path: str | Path | None = None, run_uuid: str | None = None) -> None:
        super().__init__()
        self.path = None if path is None else Path(path)
        self.run_uuid = run_uuid
        self._last_id = 0
        #: the run's parameters (`params` table), for the run summary
        self.params: dict[str, str] = {}

    def feed(self, chunk: bytes) -> list[Batch]:
        return self._query()  # the database changed: read what is new

    def finish(self) -> list[Batch]:
        return self._query()

    def _query(self) -> list[Batch]:
        if self.path is None:
            return []
        out: list[Batch] = []
        try:
            con = connect(self.path)
        except sqlite3.Error as e:
            self.once(f"{self.path.name}: cannot open the MLflow database read-only ({e}); will retry")
            return out
        try:
            if self.run_uuid is not None:
                self._params(con)
            while True:
                rows = self._page(con)
                if not rows:
                    break
                out.append(self._batch(rows))
                if len(rows) < PAGE:
                    break
        except sqlite3.OperationalError as e:
            self.once(f"{self.path.name}: the MLflow database is busy or unexpected ({e}); will retry")
        except sqlite3.DatabaseError as e:
            self.once(f"{self.path.name}: not a readable SQLite database right now ({e}); will retry")
        finally:
            con.close()
        return out

    def _params(self, con: sqlite3.Connection) -> None:
        """The run's parameters (`params(key, value, run_uuid)`); a store without them has none."""
        try:
            found = con.execute("SELECT key, value FROM params WHERE run_uuid = ?", (self.run_uuid,))
            self.params = {clean_text(str(k)): clean_text(str(v)) for k, v in found.fetchall()}
        except sqlite3.Error:
            pass  # (the metrics are what matters; a busy or odd store is reported by their query)

    def _page(self, con: sqlite3.Connection) -> list[tuple]:
        sql = "SELECT rowid, key, value, timestamp, step, is_nan, run_uuid FROM metrics WHERE rowid > ?"
        args: tuple = (self._last_id,)
        if self.run_uuid is not None:
            sql = sql.replace("run_uuid FROM", "'' FROM") + " AND run_uuid = ?"
            args += (self.run_uuid,)
        return con.execute(sql + f" ORDER BY rowid LIMIT {PAGE}", args).fetchall()

    def _batch(self, rows: list[tuple]) -> Batch:
        """Rows (one per metric value) as one record per step: MLflow writes the values that
        `log_metrics` logs together with one step in consecutive rows; they become one record (so
        a step of four metrics is one row, not four). A key repeated within a step keeps one row
        per value instead."""
        ids, keys, values, stamps, steps, nans, runs = zip(*rows, strict=True)
        self._last_id = int(ids[-1])
        if self.run_uuid is None:
            keys = tuple(f"{r}/{k}" for r, k in zip(runs, keys, strict=True))
        vals = np.array(values, dtype=np.float64)  # NULL -> NaN
        vals[np.array(nans, dtype=bool)] = np.nan
        step = np.array(steps, dtype=np.float64)
        stamp = np.array(stamps, dtype=np.float64) / 1000.0
        line = np.array(ids, dtype=np.int64)
        lut: dict[str, int] = {}
        index = np.fromiter((lut.setdefault(k, len(lut)) for k in keys), dtype=np.int64, count=len(keys))
        names = list(lut)
        n = len(rows)
        new = np.ones(n, dtype=bool)
        new[1:] = step[1:] != step[:-1]
        group = np.cumsum(new) - 1
        pairs = np.sort(group * len(names) + index)
        if (pairs[1:] == pairs[:-1]).any():  # a key twice in one step: no grouping
            group, new = np.arange(n), np.ones(n, dtype=bool)
        g = int(group[-1]) + 1
        batch = Batch(n=g, values={}, present={}, step=step[new], time=stamp[new], line=line[new])
        for k, name in enumerate(names):
            mask = index == k
            col = np.full(g, np.nan)
            col[group[mask]] = vals[mask]
            present = np.zeros(g, dtype=bool)
            present[group[mask]] = True
            key = clean_text(str(name))
            batch.values[key] = col
            batch.present[key] = None if present.all() else present
        return batch


@register_layout("mlflow-db")
def mlflow_db_layout(folder: Path) -> list[Claim]:
    """Every MLflow SQLite store in the folder: one claim (one run) per live MLflow run."""
    claims: list[Claim] = []
    for path in files_in(folder, SUFFIXES):
        if not is_mlflow_db(path):
            continue
        try:
            runs = list_runs(path)
        except sqlite3.Error:
            continue
        for uuid, name in runs:
            make = functools.partial(MlflowDbReader, path=path, run_uuid=uuid)
            claims.append(Claim(path, "mlflow-db", [(path, make)], name=f"{path.name}:{name}"))
    return claims
