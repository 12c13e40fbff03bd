"""Logs whose metric names carry combining marks and whose numbers are wrapped in terminal colour
codes (tester h19t fault 8): `python make.py` in this folder writes them. uni.csv and uni.log are
the tester's own files."""

from __future__ import annotations

import json

E = "\x1b"


def main() -> None:
    # JSONL: coloured string values; `vál_acc` typed decomposed in odd records, precomposed in even
    with open("a.jsonl", "w") as f:
        for e in range(10):
            k = "va\u0301l_acc" if e % 2 else "v\u00e1l_acc"
            row = {"epoch": e, "loss": 1 / (e + 1), "val_loss": f"{E}[32m{1.5 / (e + 1):.4f}{E}[0m"}
            f.write(json.dumps(row | {k: 0.5 + e / 40, "tr\u0332ain_acc": 0.5 + e / 30}) + "\n")
    # Keras' console: a decomposed `vál_loss`, a bold value
    with open("keras.txt", "w") as f:
        for e in range(1, 9):
            f.write(
                f"Epoch {e}/8\n32/32 [==============================] - 1s 3ms/step - loss: {1 / e:.4f}"
                f" - accuracy: {0.5 + e / 40:.4f} - va\u0301l_loss: {1.5 / e:.4f}"
                f" - val_accuracy: {E}[1m{0.5 + e / 50:.4f}{E}[0m\n"
            )
    # printed key-value lines: other marks (diaeresis, tilde), 256-colour and bold-green values
    with open("kv.log", "w") as f:
        for e in range(10):
            f.write(
                f"epoch {e} tra\u0308in_loss {E}[38;5;196m{1 / (e + 1):.4f}{E}[0m"
                f" va\u0303l_loss={1.5 / (e + 1):.4f} val_acc: {E}[1;32m{0.5 + e / 40:.4f}{E}[m\n"
            )
    # CSV: 7-bit and 8-bit CSI colour codes in cells, a decomposed header (60 rows: the block path)
    with open("m.csv", "w") as f:
        f.write("epoch,loss,va\u0301l_loss,val_acc\n")
        for e in range(60):
            red, bold = f"{E}[0;31m{1.5 / (e + 1):.4f}{E}[0m", f"\x9b1m{0.5 + e / 200:.4f}\x9b0m"
            f.write(f"{e},{1 / (e + 1):.4f},{red},{bold}\n")


if __name__ == "__main__":
    main()
