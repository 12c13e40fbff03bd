"""W&B run folders and `.wandb` run files, written by the real wandb client (tests/data/wandb_run,
made by its make_wandb_run.py in offline mode): one run per run folder, roles and x right, a file
cut short or damaged is a problem and the rest is read, followed while it grows."""

from __future__ import annotations

import re
import shutil
import struct
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, feed_in_chunks, read_runs, read_sources, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lossacc_tui.readers.wandb_run import BLOCK, WandbRunReader

pytest.importorskip("wandb", reason="the wandb extra (pip install 'lossacc-tui[wandb]') is not installed")

WANDB = REPO / "tests" / "data" / "wandb_run" / "wandb"
(RUN,) = [p for p in WANDB.iterdir() if p.name.startswith("offline-run-")]
(FILE,) = RUN.glob("run-*.wandb")
FORMATS = REPO.parent / "shared" / "cases" / "formats"


def printed() -> dict[str, list[float]]:
    """What the training script printed each epoch (files/output.log, 4 decimals): a check on the
    .wandb history that does not go through the reader."""
    rows = re.findall(
        r"epoch (\d+) val_loss ([\d.]+) val_acc ([\d.]+)", (RUN / "files" / "output.log").read_text()
    )
    return {"val_loss": [float(r[1]) for r in rows], "val_acc": [float(r[2]) for r in rows]}


def test_a_wandb_run_folder_is_one_run_with_its_roles() -> None:
    for target in (WANDB, RUN, WANDB / "latest-run", FILE):
        (run,) = read_runs(target)
        assert run.format == "wandb"
        roles = {name: s.role for name, s in run.series.items()}
        assert roles == {
            "train/loss": "train_loss",
            "train/acc": "train_acc",
            "val_loss": "val_loss",
            "val_acc": "val_acc",
        }, target
        assert run.x_axis == "epoch"  # every logged row carries `epoch`
        assert len(run.series["train/loss"]) == 40 * 5 and len(run.series["val_loss"]) == 40
        want = printed()
        np.testing.assert_allclose(run.series["val_loss"].values, want["val_loss"], atol=5e-5)
        np.testing.assert_allclose(run.series["val_acc"].values, want["val_acc"], atol=5e-5)
        assert list(run.series["val_loss"].epochs) == list(range(40))
        # x: the script's own `iter` (not W&B's _step, which counts log calls); the validation rows,
        # logged without it, sit at the iteration logged last
        assert list(run.series["train/loss"].steps) == list(range(200)) and "iter" not in run.series
        assert list(run.series["val_loss"].steps) == [5 * e + 4 for e in range(40)]
        assert not run.problems and not [p for s in read_sources(target) for p in s.problems(s.runs[0])]


def test_the_wandb_folder_of_the_format_case_is_one_run_not_two() -> None:
    """fmt-06: a run folder copied without its .wandb file (files/ only): the console capture is the
    run; wandb-summary.json beside it is not read as a second run."""
    folder = FORMATS / "fmt-06-wandb" / "wandb"
    if not folder.is_dir():
        pytest.skip("real-world logs not present")
    (run,) = read_runs(folder)
    assert run.format == "timm-console" and len(run.series["val/top1"]) == 50
    (summary,) = read_runs(folder / "latest-run" / "files" / "wandb-summary.json")
    assert summary.format == "wandb-summary" and summary.points and "_runtime" not in summary.series
    assert all(len(s) == 1 for s in summary.series.values())


@pytest.mark.parametrize("cut", [3, 9, 20, 5000, BLOCK - 3, BLOCK + 10, 2 * BLOCK + 1, -1])
def test_a_file_cut_short_reads_what_is_whole_and_says_the_rest_is_missing(cut: int, tmp_path: Path) -> None:
    data = FILE.read_bytes()
    whole = read_runs(FILE)[0]
    part = tmp_path / "run-cut.wandb"
    part.write_bytes(data[:cut])
    (src,) = read_sources(part)
    (run,) = src.runs
    problems = [p.message for p in src.problems(run)]
    assert "ends inside a record" in problems[0] or "cut short inside its 7-byte header" in problems[0]
    assert len(problems) == (1 if run.points else 2)  # nothing read at all: the audit says so too
    assert bool(run.points) == (cut >= 5000 or cut < 0)
    for name, s in run.series.items():  # a prefix of the whole history, nothing invented
        n = len(s)
        assert 0 < n <= len(whole.series[name])
        np.testing.assert_array_equal(s.values, whole.series[name].values[:n])


def test_a_damaged_block_is_a_problem_and_the_blocks_after_it_are_read(tmp_path: Path) -> None:
    data = bytearray(FILE.read_bytes())
    data[BLOCK + 100] ^= 0xFF  # one flipped byte in the second block
    bad = tmp_path / "run-bad.wandb"
    bad.write_bytes(bytes(data))
    (src,) = read_sources(bad)
    (run,) = src.runs
    whole = read_runs(FILE)[0]
    messages = [p.message for p in src.problems(run)]
    assert messages and "checksum" in messages[0] and "block" in messages[0]
    lost = len(whole.series["train/loss"]) - len(run.series["train/loss"])
    assert 0 < lost < 100  # one 32 KiB block of rows (of 3), not the rest of the file
    assert run.series["val_loss"].values[-1] == whole.series["val_loss"].values[-1]


def test_a_file_that_is_not_a_wandb_run_file_is_one_problem(tmp_path: Path) -> None:
    p = tmp_path / "run-x.wandb"
    p.write_bytes(b"epoch,loss\n0,1.0\n" * 10)
    reader = WandbRunReader()
    assert reader.feed(p.read_bytes()) == [] and reader.finish() == []
    assert [pr.message for pr in reader.problems] == [
        "not a W&B run file (it does not begin with ':W&B'); not read"
    ]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sizes=st.lists(st.integers(min_value=1, max_value=40_000), min_size=2, max_size=12).map(
        lambda s: [*s, 4000]
    )
)
def test_random_chunking_gives_the_same_run_as_reading_whole(sizes: list[int]) -> None:
    assert snapshot(feed_in_chunks(FILE, sizes)) == snapshot(read_runs(FILE))


def test_a_wandb_run_is_followed_while_it_is_written(tmp_path: Path) -> None:
    """The run starts after the watch began (the SDK makes the folder, its `latest-run` link, then
    writes the file in pieces): one run, named by its folder, every point once."""
    from test_follow import watch

    data = FILE.read_bytes()
    (tmp_path / "wandb").mkdir()
    (tmp_path / "train.py").write_text("# the training script\n")
    m, c = watch(tmp_path, poll=0.05)
    try:
        run_dir = tmp_path / "wandb" / RUN.name
        run_dir.mkdir()
        (run_dir.parent / "latest-run").symlink_to(run_dir.name)  # as the SDK makes it: not a second run
        with open(run_dir / FILE.name, "wb") as f:
            f.write(data[: BLOCK + 5000])  # part of the history, the last record cut in the middle
            f.flush()
            c.wait(lambda: len(m.runs) >= 1 and len(m.runs[0].series.get("val_loss", ())) > 5)
            with m.lock:
                early = len(m.runs[0].series["val_loss"])
                assert early < 40
            for i in range(BLOCK + 5000, len(data), 7000):  # the writer goes on
                f.write(data[i : i + 7000])
                f.flush()
            c.wait(lambda: len(c.values(m.runs[0].name, "val_loss")) == 40)
        with m.lock:
            assert [r.name for r in m.runs] == [f"{tmp_path.name}/wandb/{RUN.name}"]
            (run,) = m.runs
            np.testing.assert_allclose(run.series["val_loss"].values, printed()["val_loss"], atol=5e-5)
            assert len(run.series["train/loss"]) == 200
            assert not [p for p in run.problems if "record" in p.message]
    finally:
        m.stop()


def test_without_the_wandb_package_a_run_file_is_one_line_naming_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from lossacc_tui import cli

    shutil.copytree(RUN, tmp_path / RUN.name, symlinks=True)
    monkeypatch.setitem(sys.modules, "wandb", None)  # import wandb fails as if not installed
    monkeypatch.setitem(sys.modules, "wandb.proto", None)
    assert cli.main(["check", str(tmp_path / RUN.name)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pip install 'lossacc-tui[wandb]'" in err[0], err


def test_a_run_that_logged_nothing_says_so_without_format_advice(tmp_path: Path) -> None:
    """The first records of the real run (its header, run and config records) but no history yet:
    the problem says the run logged nothing, not to try another --format."""
    from wandb.proto.wandb_internal_pb2 import Record

    data = FILE.read_bytes()
    cut = 7  # after the file header, whole records up to the first history record
    while True:
        _crc, length, _kind = struct.unpack_from("<IHB", data, cut)
        if Record.FromString(data[cut + 7 : cut + 7 + length]).WhichOneof("record_type") == "history":
            break
        cut += 7 + length
    early = tmp_path / "run-early.wandb"
    early.write_bytes(data[:cut])
    (src,) = read_sources(early)
    messages = [p.message for p in src.problems(src.runs[0])]
    assert messages == [
        "no metric in run-early.wandb: this W&B run has logged no history (no run.log call) yet"
    ]


def test_the_runs_config_becomes_its_parameters() -> None:
    """`wandb.init(config=...)` is kept in the run file's run record: the run overview shows it
    (the values make_wandb_run.py passed), without W&B's own `_wandb` entry."""
    (run,) = read_runs(RUN)
    assert run.params.get("lr") == "0.05" and run.params.get("epochs") == "40"
    assert not any(k.startswith("_wandb") for k in run.params)
