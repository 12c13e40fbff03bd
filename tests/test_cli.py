"""`lossacc-tui check`: what a user sees on stdout/stderr, the JSON schema, and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, realworld

from lossacc_tui.cli import main

KERAS = "epoch,accuracy,loss,val_accuracy,val_loss\n0,0.5,0.9,0.55,0.8\n1,0.6,0.7,0.62,0.75\n"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_text_names_format_roles_and_last_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = tmp_path / "training.log"
    p.write_text(KERAS)
    code, out, err = run_cli(capsys, "check", str(p))
    assert code == 0 and err == ""
    assert "[keras-csv]" in out and "last epoch 1" in out
    row = next(line for line in out.splitlines() if line.strip().startswith("val_loss"))
    assert row.split()[:3] == ["val_loss", "val_loss", "2"] and "0.7500" in row


def test_check_json_schema_version_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "training.log"
    p.write_text(KERAS + "2,0.7,nan,0.6,0.9\n")
    code, out, _ = run_cli(capsys, "check", "--json", str(p))
    doc = json.loads(out)
    assert code == 0 and doc["version"] == 1
    (run,) = doc["runs"]
    assert set(run) >= {"path", "format", "x_axis", "metrics", "alerts", "problems"}
    assert run["format"] == "keras-csv" and run["x_axis"] == "epoch" and run["loss_kind"] == "unknown"
    (alert,) = run["alerts"]  # the NaN loss at epoch 2
    assert alert["kind"] == "non-finite" and alert["severity"] == "critical" and alert["start"] == 2
    assert set(alert) == {
        "kind",
        "severity",
        "title",
        "start",
        "end",
        "active",
        "evidence",
        "claims",
        "explanation",
    }
    for claim in alert["claims"]:
        assert set(claim) >= {"id", "strength", "start", "end", "evidence", "text"}
        assert claim["strength"] in ("follows", "likely", "possible", "confirmed", "refuted")
    assert all(set(s) == {"state", "start", "end"} for s in run["states"])
    loss = run["metrics"]["loss"]
    assert set(loss) == {"role", "source_name", "count", "first", "last", "min", "max", "last_x"}
    assert loss["role"] == "train_loss" and loss["count"] == 3
    assert loss["last"] is None and loss["min"] == 0.7 and loss["last_x"] == 2  # NaN is null in JSON


def test_missing_path_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "check", "/no/such/run.csv")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "/no/such/run.csv" in err and "no such file" in err


def test_unknown_file_names_the_file_and_what_was_expected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = tmp_path / "shopping.txt"  # (a name that says nothing: `notes.txt` is said to be notes)
    p.write_text("remember to buy milk\n")
    code, _, err = run_cli(capsys, "check", str(p))
    assert code == 2 and err.count("\n") == 1
    assert str(p) in err and "expected one of" in err and "keras-csv" in err


def test_one_bad_path_among_good_ones_still_reports_the_good(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = tmp_path / "training.log"
    p.write_text(KERAS)
    code, out, err = run_cli(capsys, "check", "--json", str(p), str(tmp_path / "missing.log"))
    assert code == 2 and len(json.loads(out)["runs"]) == 1 and "missing.log" in err


def test_format_override_and_role_map(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "metrics.csv"
    p.write_text("epoch,train_loss,eval_f1\n0,0.9,0.4\n1,0.8,0.5\n")
    code, out, _ = run_cli(capsys, "check", "--json", "--format", "csv", "--map", "val_acc=eval_f1", str(p))
    (run,) = json.loads(out)["runs"]
    assert code == 0 and run["format"] == "csv"
    assert run["metrics"]["eval_f1"]["role"] == "val_acc"


def test_bad_map_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "training.log"
    p.write_text(KERAS)
    code, _, err = run_cli(capsys, "check", "--map", "accuracy", str(p))
    assert code == 2 and "--map takes ROLE=METRIC" in err and "Traceback" not in err


def test_folder_of_runs_skips_files_that_are_not_logs(capsys: pytest.CaptureFixture[str]) -> None:
    folder = realworld("lightning_csv")  # holds hparams.yaml files that yaml.safe_load rejects
    code, out, _ = run_cli(capsys, "check", "--json", str(folder))
    runs = json.loads(out)["runs"]
    assert code == 0 and len(runs) == 3
    assert all(r["format"] == "lightning-csv" and r["problems"] == [] for r in runs)


def test_markup_in_metric_names_is_printed_literally(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = tmp_path / "m.csv"
    p.write_text("epoch,[red]loss[/],[link=x]a[/]\n0,0.5,1\n")
    code, out, _ = run_cli(capsys, "check", str(p))
    assert code == 0 and "[red]loss[/]" in out and "[link=x]a[/]" in out


def test_module_and_console_script_entry_points(tmp_path: Path) -> None:
    p = tmp_path / "training.log"
    p.write_text(KERAS)
    res = subprocess.run(
        [sys.executable, "-m", "lossacc_tui", "check", str(p)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert res.returncode == 0 and "[keras-csv]" in res.stdout
    res = subprocess.run(
        [sys.executable, "-m", "lossacc_tui", "check", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert res.returncode == 2 and "Traceback" not in res.stderr


def test_tensorboard_without_the_extra_names_the_pip_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    event_file = next(realworld("tensorboard").glob("cv-image-classification*.6"))
    for mod in ("tensorboard", "tensorboard.compat.proto", "tensorboard.util"):
        monkeypatch.setitem(sys.modules, mod, None)  # import fails as if not installed
    code, out, err = run_cli(capsys, "check", str(event_file))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "pip install 'lossacc-tui[tensorboard]'" in err and event_file.name in err
    code, out, err = run_cli(
        capsys, "check", "--json", str(event_file.parent.parent / "lightning_csv"), str(event_file.parent)
    )
    assert code == 2 and err.count("\n") == 1  # said once for the folder, not once per file


def test_fail_on_sets_exit_1_for_ci(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "training.log"
    p.write_text(KERAS + "2,0.7,nan,0.6,0.9\n")
    assert run_cli(capsys, "check", "--fail-on", "critical", str(p))[0] == 1
    healthy = tmp_path / "ok.log"
    healthy.write_text(KERAS)
    assert run_cli(capsys, "check", "--fail-on", "warning", str(healthy))[0] == 0


def test_check_text_lists_alerts_with_their_explanation(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "check", str(REPO / "demo_logs" / "loss_up_acc_up" / "training.log"))
    assert code == 0 and "[warning] loss-up-acc-up:" in out
    assert "0.5336" in out  # the run's own best val_loss, in the explanation
    assert "**" not in out and "`" not in out  # plain text: the explanation's Markdown rendered


def test_explain_prints_a_kind_and_rejects_unknown_ones(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "explain", "val-loss-unstable")
    assert code == 0 and "confident" in out
    code, out, err = run_cli(capsys, "explain", "no-such-kind")
    assert code == 2 and "loss-up-acc-up" in err
    code, out, _ = run_cli(capsys, "explain", "--params")
    assert code == 0 and "window" in out


def test_explain_help_lists_every_alert_kind(capsys: pytest.CaptureFixture[str]) -> None:
    from lossacc_tui.analysis import KINDS

    with pytest.raises(SystemExit):
        main(["explain", "--help"])
    out = "".join(capsys.readouterr().out.split())  # (argparse wraps the list, also at hyphens)
    assert "oneof:" + ",".join(KINDS) in out and "loss-up-acc-up" in out


def test_analysis_parameters_from_the_command_line_and_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = tmp_path / "training.log"
    p.write_text(KERAS)
    cfg = tmp_path / "lossacc.json"
    cfg.write_text('{"window": 8}')
    assert (
        run_cli(capsys, "check", "--config", str(cfg), "--set", "open-after=4", "--majority", "0.9", str(p))[
            0
        ]
        == 0
    )
    code, _, err = run_cli(capsys, "check", "--set", "no_such=1", str(p))
    assert code == 2 and "no_such" in err and err.count("\n") == 1


def test_a_mistyped_command_is_an_error_with_a_suggestion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "chekc", "x.log")
    assert code == 2 and out == "" and err.count("\n") == 1 and "did you mean 'check'" in err
    (tmp_path / "chekc").write_text(KERAS)  # a file of that name: it is a path to watch after all
    from lossacc_tui import cli

    assert cli._mistyped_command("chekc") is None and cli._mistyped_command("lightning_logs") is None


def test_fifo_device_and_symlink_loop_say_what_they_are(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    fifo, dev, a = tmp_path / "metrics.csv", tmp_path / "training.log", tmp_path / "a.log"
    os.mkfifo(fifo)
    dev.symlink_to("/dev/zero")
    a.symlink_to(tmp_path / "b.log")
    (tmp_path / "b.log").symlink_to(a)
    for path, words in (
        (fifo, "named pipe (FIFO), not a regular file"),
        (dev, "character device"),
        (a, "loop"),
    ):
        code, out, err = run_cli(capsys, "check", str(path))
        assert code == 2 and out == "" and err.count("\n") == 1 and words in err, err


def test_a_mapped_name_no_run_has_is_an_error_naming_the_metrics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = tmp_path / "training.log"
    p.write_text(KERAS)
    code, out, err = run_cli(capsys, "check", "--map", "val_acc=val_acuracy", str(p))
    assert code == 2 and "--map val_acc=val_acuracy: no metric of that name" in err
    assert "val_accuracy" in err and "[keras-csv]" in out  # the report still comes


def test_a_run_with_no_loss_or_accuracy_name_gets_a_map_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = tmp_path / "metrics.csv"
    p.write_text("epoch,xent_head_a,top1_head_b\n0,0.9,0.4\n1,0.8,0.5\n")
    code, _, err = run_cli(capsys, "check", str(p))
    assert code == 0 and "no metric is named as a loss or an accuracy" in err and "--map val_loss=" in err


def test_a_compressed_log_is_named_as_such(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import gzip

    p = tmp_path / "training.log.gz"
    p.write_bytes(gzip.compress(KERAS.encode()))
    code, _, err = run_cli(capsys, "check", str(p))
    assert code == 2 and "gzip-compressed: decompress it first" in err


def test_a_config_file_that_is_not_toml_names_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = tmp_path / "training.log"
    p.write_text(KERAS)
    code, _, err = run_cli(capsys, "check", "--config", str(p), str(p))
    assert code == 2 and f"{p}: not a TOML file of analysis parameters" in err and "Traceback" not in err


@pytest.mark.parametrize("where", ["last", "middle"])
def test_a_loss_of_1e308_is_reported_without_a_traceback_or_numpy_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    """A finite 1e308 validation loss crashed `check` (OverflowError in the explanation) and let
    numpy's overflow warnings onto stderr."""
    import warnings

    lines = (REPO / "tests" / "app" / "data" / "training.log").read_text().splitlines()[:41]
    i = len(lines) - 1 if where == "last" else 20
    cells = lines[i].split(",")
    cells[-1] = "1e308"  # val_loss
    lines[i] = ",".join(cells)
    p = tmp_path / "training.log"
    p.write_text("\n".join(lines) + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        code, out, err = run_cli(capsys, "check", str(p))
    assert code == 0 and err == "" and "1.00e+308" in out
    import re

    assert not re.search(r"\binf\b|\bnan\b|xinf|infx|nanx|10\^inf", out), out


def test_compare_and_other_words_that_are_not_commands_say_what_does_that_job(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`lossacc-tui compare a b` was taken for two paths to watch, silently (no such command)."""
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "compare", "a", "b")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "'compare' is not a command" in err and "then c" in err
    (tmp_path / "compare").mkdir()  # a folder of that name is a path to watch, as before
    assert "is not a command" not in run_cli(capsys, "compare")[2]


def test_explain_suggests_the_kind_a_typo_meant(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "explain", "overfiting")
    assert code == 2 and "did you mean 'overfitting'?" in err and err.count("\n") == 1


def test_check_on_an_empty_file_says_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "log.csv").write_bytes(b"")
    code, _, err = run_cli(capsys, "check", str(tmp_path / "log.csv"))
    assert code == 2 and "log.csv: empty, nothing written yet" in err and err.count("\n") == 1
