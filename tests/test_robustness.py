"""Bad input never raises, and reading in random chunks gives exactly what reading whole gives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import REALWORLD, feed_in_chunks, read_runs, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lossacc_tui.readers.registry import all_readers

BAD_INPUTS = {
    "empty": b"",
    "binary-junk": bytes(range(256)) * 40,
    "ten-mb-line": b"epoch,loss\n0," + b"9" * (10 * 1024 * 1024) + b"\n",
    "invalid-utf8": b"epoch,loss,val_loss\n0,\xff\xfe0.5,0.6\n1,0.4,\xc3\x28\n",
    "crlf": b"epoch,loss,val_loss\r\n0,0.5,0.6\r\n1,0.4,0.5\r\n",
    "nan-inf-empty": b"epoch,loss,val_loss\n0,nan,\n1,inf,-inf\n2,,0.3\n",
    "header-only": b"epoch,loss,val_loss\n",
    "half-written-last-line": b"epoch,loss,val_loss\n0,0.5,0.6\n1,0.4,0.",
    "ragged-rows": b"epoch,loss,val_loss\n0,0.5\n1,0.4,0.5,9,9\n2,0.3,0.4\n",
    "non-numeric": b"epoch,loss,val_loss\n0,abc,0.6\n1,0.4,[red]x[/]\n",
    "json-junk": b'{"loss": [1, 2\n{"a": }\n[1,2,3]\n',
    "python-dict-junk": b"{'loss': nan, 'epoch': }\n{'eval_loss': inf}\n",
    "fastai-junk": b"epoch     train_loss  valid_loss  accuracy  time\n0 x y z 00:01\n",
    "keras-junk": b"Epoch 1/3\n\x08\x08\x08 - loss: - acc: nan\n\x1b[1m1/1\x1b[0m - val_loss: 0.\n",
}


def _instances():  # type: ignore[no-untyped-def]
    for cls in all_readers():
        try:
            yield cls.format_id + ":" + cls.__name__, cls
        except Exception:
            continue


@pytest.mark.parametrize(("kind", "data"), list(BAD_INPUTS.items()), ids=list(BAD_INPUTS))
@pytest.mark.parametrize(("rid", "cls"), list(_instances()), ids=[r for r, _ in _instances()])
def test_every_reader_survives_bad_input(rid: str, cls: type, kind: str, data: bytes) -> None:
    reader = cls()
    batches = []
    for i in range(0, len(data), 4096):
        batches += reader.feed(data[i : i + 4096])
    batches += reader.finish()
    for b in batches:
        for name, v in b.values.items():
            assert len(v) == b.n, name


def test_csv_bad_rows_become_problems_with_line_numbers_and_reading_goes_on(tmp_path: Path) -> None:
    p = tmp_path / "training.log"
    p.write_bytes(BAD_INPUTS["ragged-rows"] + b"3,0.2,0.3\n")
    (run,) = read_runs(p)
    assert list(run.series["loss"].values) == [0.3, 0.2]
    from lossacc_tui.source import discover

    (src,) = discover(p)
    src.read_all()
    lines = sorted(pr.line for pr in src.problems(src.runs[0]))
    assert lines == [2, 3]


def test_non_numeric_cell_keeps_the_rest_of_the_row(tmp_path: Path) -> None:
    p = tmp_path / "training.log"
    p.write_bytes(BAD_INPUTS["non-numeric"])
    (run,) = read_runs(p)
    assert list(run.series["val_loss"].values) == [0.6]
    assert list(run.series["loss"].values) == [0.4]


def test_half_written_last_line_is_read_at_the_end_of_a_finished_file(tmp_path: Path) -> None:
    p = tmp_path / "training.log"
    p.write_bytes(BAD_INPUTS["half-written-last-line"])
    (run,) = read_runs(p)
    assert list(run.series["val_loss"].values) == [0.6, 0.0]


def test_nan_inf_and_empty_cells(tmp_path: Path) -> None:
    p = tmp_path / "training.log"
    p.write_bytes(BAD_INPUTS["nan-inf-empty"])
    (run,) = read_runs(p)
    loss = run.series["loss"].values
    assert len(loss) == 2 and loss[0] != loss[0] and loss[1] == float("inf")
    assert list(run.series["val_loss"].epochs) == [1, 2]


@pytest.mark.parametrize(
    ("cell", "kind"),
    [("1.#QNAN", "nan"), ("-1.#IND", "nan"), ("1.#INF", "inf"), ("-1.#INF", "-inf"), ("nan(ind)", "nan")],
)
def test_windows_c_runtime_nan_and_inf_are_read_as_nan_and_inf(tmp_path: Path, cell: str, kind: str) -> None:
    """A log printed by a program built with MSVC spells NaN and infinity its own way; they were
    'not a number' problems and the evaluation was dropped."""
    p = tmp_path / "training.log"
    p.write_text(f"epoch,loss,val_loss\n0,0.9,0.8\n1,0.7,{cell}\n2,0.6,0.65\n")
    (run,) = read_runs(p)
    got = run.series["val_loss"].values
    assert len(got) == 3 and str(got[1]) == kind and not run.problems


def test_reading_never_writes_next_to_the_log(tmp_path: Path) -> None:
    p = tmp_path / "run" / "metrics.csv"
    p.parent.mkdir()
    p.write_bytes(b"epoch,step,train_loss,val_loss\n0,10,0.5,\n0,19,,0.6\n")
    os.chmod(p, 0o444)
    os.chmod(p.parent, 0o555)
    try:
        before = sorted(os.listdir(p.parent))
        (run,) = read_runs(p.parent)
        assert sorted(os.listdir(p.parent)) == before
        assert len(run.series["val_loss"]) == 1
    finally:
        os.chmod(p.parent, 0o755)


TEXT_LOGS = [
    "keras_csvlogger/CatClassifier__training.log",
    "keras_csvlogger/dissertation_deep_learning__train.log",
    "keras_csvlogger/digit-recognizer__history.csv",
    "lightning_csv/trash-project__version_0__metrics.csv",
    "lightning_csv/asl_project__version_0__metrics.csv",
    "jsonl/SFT-Training-LLM__trainer_log.jsonl",
    "keras_history_pandas/Cat_Dog__history.csv",
    "fastai/fastai-sportsball-classifier__history.csv",
]


@pytest.mark.parametrize("rel", TEXT_LOGS)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sizes=st.lists(st.integers(min_value=1, max_value=700), min_size=1, max_size=12))
def test_random_chunking_gives_the_same_runs_as_reading_whole(rel: str, sizes: list[int]) -> None:
    path = REALWORLD / rel
    if not path.exists():
        pytest.skip("real-world logs not present")
    whole = snapshot(read_runs(path))
    assert snapshot(feed_in_chunks(path, sizes)) == whole
