"""Writes tb/ : the resumed training of resume_back.csv (tester 9's numpy run, Keras CSVLogger with
append=True: epochs 0-30, then 26-79 after a resume from epoch 25's checkpoint) as a real
torch SummaryWriter writes it: one writer for epochs 0-30, then a new writer opened on the same
folder for the resumed epochs 26-79 (two event files). Run: python make_tb.py (needs torch)."""

import time
from pathlib import Path

from torch.utils.tensorboard import SummaryWriter

here = Path(__file__).parent
rows = [r.split(",") for r in (here / "resume_back.csv").read_text().splitlines()[1:]]
back = next(i for i in range(1, len(rows)) if int(rows[i][0]) <= int(rows[i - 1][0]))
for part in (rows[:back], rows[back:]):
    w = SummaryWriter(str(here / "tb"))
    for e, acc, loss, _lr, vacc, vloss in part:
        step = int(e)
        w.add_scalar("Loss/train", float(loss), step)
        w.add_scalar("Accuracy/train", float(acc), step)
        w.add_scalar("Loss/val", float(vloss), step)
        w.add_scalar("Accuracy/val", float(vacc), step)
    w.close()
    time.sleep(1.1)  # the next writer's file name carries a later start time, as after a real resume
