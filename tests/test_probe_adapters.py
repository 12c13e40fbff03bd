"""Each adapter inside a real short training of its framework (CPU, tiny models, no download).
Each test skips, saying why, where its framework is not installed. The frameworks' own logged
validation loss must equal the probe's: the probe measured the same predictions."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lossacc_tui.probe import FILENAME, Batches, Probe
from lossacc_tui.readers.probe_sidecar import attach_sidecars, probe_facts_at
from lossacc_tui.source import discover

os.environ.setdefault("KERAS_BACKEND", "torch")  # before keras is imported anywhere


def need(module: str, why: str) -> Any:
    return pytest.importorskip(module, reason=f"{module} is not installed: {why}")


def dataset(n: int, k: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(k, d))
    y = rng.integers(0, k, n)
    return (centers[y] + rng.normal(size=(n, d)) * 1.2).astype(np.float32), y


def sidecar(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(ln) for ln in (folder / FILENAME).read_text().splitlines()]


def attached(path: Path) -> Any:
    """The one run lossacc-tui reads under `path`, with its sidecar attached."""
    sources = discover(path)
    for s in sources:
        s.read_all()
    attach_sidecars(sources)
    runs = [r for s in sources for r in s.runs if len(r.series)]
    assert len(runs) == 1, [r.name for r in runs]
    return runs[0]


def test_plain_pytorch_loop_with_batches(tmp_path: Path) -> None:
    torch = need("torch", "the plain PyTorch loop test needs it (pip install torch==2.13.0)")
    torch.manual_seed(0)
    x, y = dataset(640, 5, 8, seed=1)
    xv, yv = dataset(320, 5, 8, seed=2)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 5))
    opt = torch.optim.SGD(model.parameters(), lr=0.2)
    probe = Probe(tmp_path)
    losses = []
    for epoch in range(3):
        for i in range(0, 640, 64):
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(
                model(torch.from_numpy(x[i : i + 64])), torch.from_numpy(y[i : i + 64])
            )
            loss.backward()
            opt.step()
        batches = Batches()
        total = 0.0
        with torch.no_grad():
            for i in range(0, 320, 64):
                out = model(torch.from_numpy(xv[i : i + 64]))
                lab = torch.from_numpy(yv[i : i + 64])
                total += float(torch.nn.functional.cross_entropy(out, lab, reduction="sum"))
                batches.add(logits=out, labels=lab)  # torch tensors as they are
        losses.append(total / 320)
        rec = probe.log_batches(batches, epoch=epoch)
        assert rec is not None and len(batches) == 0
    got = sidecar(tmp_path)
    assert [r["loss"] for r in got] == pytest.approx(losses, rel=1e-5)
    assert got[2]["flips"] is not None


def test_keras_callback_with_given_and_with_fits_validation_data(tmp_path: Path) -> None:
    need("torch", "Keras runs here on its torch backend (pip install torch==2.13.0)")
    keras = need("keras", "the Keras adapter test needs it (pip install keras)")
    if keras.backend.backend() != "torch":
        pytest.skip(f"Keras was imported with the {keras.backend.backend()} backend before this test")
    from lossacc_tui.probe.adapters import keras_callback

    x, y = dataset(512, 3, 6, seed=3)
    xv, yv = dataset(256, 3, 6, seed=4)
    for name, cb_data, softmax in [("given", (xv, yv), True), ("from_fit", None, False)]:
        keras.utils.set_random_seed(0)
        model = keras.Sequential(
            [keras.Input((6,)), keras.layers.Dense(12, activation="relu"), keras.layers.Dense(3)]
            + ([keras.layers.Softmax()] if softmax else [])
        )
        model.compile(
            optimizer=keras.optimizers.SGD(0.1),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=not softmax),
            metrics=["accuracy"],
        )
        run = tmp_path / name
        run.mkdir()
        model.fit(
            x,
            y,
            validation_data=(xv, yv),
            epochs=3,
            batch_size=64,
            verbose=0,
            callbacks=[keras.callbacks.CSVLogger(str(run / "log.csv")), keras_callback(run, cb_data)],
        )
        recs = sidecar(run)
        assert [r["epoch"] for r in recs] == [0, 1, 2]  # 0-based, as CSVLogger writes
        r = attached(run)
        assert r.format == "keras-csv"
        for rec in recs:
            f = probe_facts_at(r, "val", rec["epoch"])
            assert f is not None and f.n == 256 and f.k == 3
        logged = r.series["val_loss"].values
        assert [rec["loss"] for rec in recs] == pytest.approx(list(logged), rel=1e-4), name
        assert [rec["accuracy"] for rec in recs] == pytest.approx(list(r.series["val_accuracy"].values))


def test_lightning_callback_collects_validation_step_outputs(tmp_path: Path) -> None:
    torch = need("torch", "Lightning needs it (pip install torch==2.13.0)")
    pl = need("lightning.pytorch", "the Lightning adapter test needs it (pip install lightning)")
    from lossacc_tui.probe.adapters import lightning_callback

    x, y = dataset(512, 4, 6, seed=5)
    xv, yv = dataset(256, 4, 6, seed=6)

    class Tiny(pl.LightningModule):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.net = torch.nn.Sequential(torch.nn.Linear(6, 12), torch.nn.ReLU(), torch.nn.Linear(12, 4))

        def training_step(self, batch: Any, _i: int) -> Any:
            xb, yb = batch
            loss = torch.nn.functional.cross_entropy(self.net(xb), yb)
            self.log("train_loss", loss, on_epoch=True, on_step=False)
            return loss

        def validation_step(self, batch: Any, _i: int) -> Any:
            xb, yb = batch
            logits = self.net(xb)
            self.log("val_loss", torch.nn.functional.cross_entropy(logits, yb))
            self.log("val_acc", (logits.argmax(1) == yb).float().mean())
            return {"logits": logits, "labels": yb}

        def configure_optimizers(self) -> Any:
            return torch.optim.SGD(self.parameters(), lr=0.2)

    def loader(a: np.ndarray, b: np.ndarray, shuffle: bool) -> Any:
        ds = torch.utils.data.TensorDataset(torch.from_numpy(a), torch.from_numpy(b))
        return torch.utils.data.DataLoader(ds, batch_size=64, shuffle=shuffle)

    pl.seed_everything(0, verbose=False)
    trainer = pl.Trainer(
        max_epochs=3,
        logger=pl.loggers.CSVLogger(str(tmp_path)),
        callbacks=[lightning_callback()],
        enable_progress_bar=False,
        enable_model_summary=False,
        enable_checkpointing=False,
        accelerator="cpu",
        num_sanity_val_steps=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Lightning's advice about dataloader workers
        trainer.fit(Tiny(), loader(x, y, True), loader(xv, yv, False))
    folder = Path(trainer.log_dir)
    recs = sidecar(folder)
    assert [r["epoch"] for r in recs] == [0, 1, 2]  # the sanity check is not an evaluation
    assert all(r["n"] == 256 for r in recs)
    assert recs[1]["flips"] is not None and recs[1]["flips_note"] is None
    run = attached(tmp_path)
    assert run.format.startswith("lightning") or "csv" in run.format
    logged = run.series["val_loss"].values
    logged = logged[np.isfinite(logged)]
    assert [r["loss"] for r in recs] == pytest.approx(list(logged), rel=1e-4)
    assert probe_facts_at(run, "val", 2) is not None


@pytest.mark.parametrize("per_batch", [False, True], ids=["whole", "batch_eval_metrics"])
def test_huggingface_trainer_callback_with_a_tiny_random_model(tmp_path: Path, per_batch: bool) -> None:
    torch = need("torch", "transformers' Trainer needs it (pip install torch==2.13.0)")
    transformers = need("transformers", "the HuggingFace adapter test needs it (pip install transformers)")
    need("accelerate", "transformers' Trainer needs it (pip install accelerate)")
    from lossacc_tui.probe.adapters import HFProbe

    rng = np.random.default_rng(7)

    class Tokens(torch.utils.data.Dataset):  # type: ignore[misc, name-defined]
        """Sequences whose class is which of three token ranges dominates them."""

        def __init__(self, n: int) -> None:
            self.y = rng.integers(0, 3, n)
            self.ids = rng.integers(1, 30, (n, 8))
            self.ids[:, :4] = 1 + self.y[:, None] * 10 + rng.integers(0, 10, (n, 4))

        def __len__(self) -> int:
            return len(self.y)

        def __getitem__(self, i: int) -> dict[str, Any]:
            return {"input_ids": torch.tensor(self.ids[i]), "labels": int(self.y[i])}

    torch.manual_seed(0)
    config = transformers.BertConfig(
        vocab_size=32,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=16,
        num_labels=3,
    )
    model = transformers.BertForSequenceClassification(config)
    probe = HFProbe()
    out = tmp_path / "out"
    args = transformers.TrainingArguments(
        output_dir=str(out),
        num_train_epochs=3,
        per_device_train_batch_size=32,
        per_device_eval_batch_size=64,
        learning_rate=5e-3,
        eval_strategy="epoch",
        logging_strategy="epoch",
        save_strategy="epoch",
        save_total_limit=1,
        report_to="none",
        use_cpu=True,
        disable_tqdm=True,
        batch_eval_metrics=per_batch,
    )
    trainer = transformers.Trainer(
        model=model,
        args=args,
        train_dataset=Tokens(256),
        eval_dataset=Tokens(192),
        callbacks=[probe],
        compute_metrics=probe.compute_metrics(),
    )
    trainer.train()
    recs = sidecar(out)
    assert len(recs) == 3 and all(r["n"] == 192 and r["k"] == 3 for r in recs)
    assert [r["step"] for r in recs] == [8, 16, 24]
    run = attached(out)  # checkpoint-24/trainer_state.json: the sidecar is in the run folder above
    assert run.format == "hf-trainer-state"
    logged = run.series["eval_loss"].values
    assert [r["loss"] for r in recs] == pytest.approx(list(logged), rel=1e-4)
    for r in recs:
        assert probe_facts_at(run, "val", r["epoch"] if run.x_axis == "epoch" else r["step"]) is not None
