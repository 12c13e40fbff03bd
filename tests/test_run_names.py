"""A run that a folder layout claims (a HuggingFace Trainer's output folder) is named as the files
beside it are: by the folder's own name, whether the folder was given as a relative or a whole
path. Given whole, it had been named by that path, and the view's short names then cut it to the
path's first folder ("work")."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from conftest import read_sources
from numpy_formats import write_formats


def test_a_trainer_folder_given_as_a_path_is_named_like_the_files_beside_it(tmp_path: Path) -> None:
    files, _ = write_formats(tmp_path / "made", epochs=6)
    run = tmp_path / "exp" / "hf_noise"
    run.mkdir(parents=True)
    shutil.copy(files["hf"], run / "trainer_state.json")
    shutil.copy(files["jsonl"], run / "metrics.jsonl")
    names = sorted(r.name for s in read_sources(run.absolute()) for r in s.runs)
    assert names == ["hf_noise", "hf_noise/metrics.jsonl"], names
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        rel = sorted(r.name for s in read_sources(Path("exp/hf_noise")) for r in s.runs)
    finally:
        os.chdir(here)
    assert rel == names
