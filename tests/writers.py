"""Writer processes for the follower tests: each writes the lines of a real log to a path the way
a kind of training job or log tool does. Run as `python writers.py MODE PATH SOURCE [PAUSE]`.

Modes: append (line by line), atomic (whole file to a temp, os.replace over the log, every few
lines), copytruncate (logrotate's copy then truncate, halfway, the writer going on appending;
copytruncate-early: a quarter of the way, so the log grows again past its size at the cut),
create (logrotate's rename then a new empty file, the writer reopening it, no header again;
create-header: the writer writes its first line, the CSV header, again at the top of the new file),
rewrite-last (each line first written provisional without its newline, rewritten in place, then
ended), half-line (the last line cut in two with a pause between), hf-atomic (a trainer_state.json
saved atomically with one more log_history entry each time, into a folder it creates first;
hf-atomic-compact: the same on one line, as `json.dumps` without indent writes it),
hf-inplace (the same saved in place, half then the rest, with checkpoint-N copies), rewrite-ended
(the last line ended with a provisional value, then rewritten in place with its real one).
PAUSE: seconds between writes.
"""

from __future__ import annotations

import os
import sys
import time


def main(mode: str, path: str, source: str, pause: float) -> None:
    with open(source, encoding="utf-8") as src_file:
        lines = src_file.read().splitlines(keepends=True)
    if mode == "append":
        with open(path, "a", encoding="utf-8") as f:
            for ln in lines:
                f.write(ln)
                f.flush()
                time.sleep(pause)
    elif mode == "atomic":
        for n in range(5, len(lines) + 5, 5):
            with open(path + ".tmp", "w", encoding="utf-8") as f:
                f.write("".join(lines[:n]))
            os.replace(path + ".tmp", path)
            time.sleep(pause)
    elif mode in ("copytruncate", "copytruncate-early", "create", "create-header"):
        half = len(lines) // (4 if mode == "copytruncate-early" else 2)
        f = open(path, "a", encoding="utf-8")  # noqa: SIM115
        for i, ln in enumerate(lines):
            if i == half:
                time.sleep(pause * 5)
                if mode.startswith("copytruncate"):
                    with open(path, encoding="utf-8") as src, open(path + ".1", "w") as dst:
                        dst.write(src.read())
                    os.truncate(path, 0)
                else:
                    os.rename(path, path + ".1")
                    f.close()
                    f = open(path, "a", encoding="utf-8")  # noqa: SIM115  (the writer reopens)
                    if mode == "create-header":
                        f.write(lines[0])
            f.write(ln)
            f.flush()
            time.sleep(pause)
        f.close()
    elif mode == "rewrite-last":
        with open(path, "r+", encoding="utf-8") as f:
            f.seek(0, 2)
            for ln in lines:
                pos = f.tell()
                body = ln.rstrip("\n")
                for provisional in ("9", "8"):  # same width, a different first character
                    f.seek(pos)
                    f.write(provisional + body[1:])
                    f.flush()
                    time.sleep(pause)
                f.seek(pos)
                f.write(ln)
                f.flush()
                time.sleep(pause)
    elif mode in ("hf-atomic", "hf-atomic-compact"):  # the Trainer's saves made atomic: the folder
        import json  # made first, then each save (of a longer log_history) written to a temp file and
        # renamed over the state; -compact: on one line, `json.dumps` without indent (custom loops)

        doc = json.loads("".join(lines))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        indent = None if mode.endswith("compact") else 2
        for n in range(1, len(doc["log_history"]) + 1):
            with open(path + ".tmp", "w", encoding="utf-8") as f:
                json.dump({**doc, "global_step": n, "log_history": doc["log_history"][:n]}, f, indent=indent)
            os.replace(path + ".tmp", path)
            time.sleep(pause)
    elif mode == "hf-inplace":  # the Trainer's saves written in place (open 'w', half, then the rest)
        import json  # and a checkpoint-N copy every 5 saves; the first save stops halfway until
        # PATH's folder's sibling file "go" exists (the test says it has seen the half document)

        doc = json.loads("".join(lines))
        folder = os.path.dirname(path)
        os.makedirs(folder, exist_ok=True)
        go = os.path.join(os.path.dirname(folder), "go")
        head = {k: v for k, v in doc.items() if k != "log_history"}  # (log_history last, as saved)
        for n in range(1, len(doc["log_history"]) + 1):
            text = json.dumps({**head, "global_step": n, "log_history": doc["log_history"][:n]}, indent=2)
            cut = text.index('"log_history"') if n == 1 else len(text) // 2  # (first: no entry yet)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text[:cut])
                f.flush()
                if n == 1:
                    for _ in range(6000):  # (at most a minute)
                        if os.path.exists(go):
                            break
                        time.sleep(0.01)
                else:
                    time.sleep(pause)
                f.write(text[cut:])
            if n % 5 == 0:
                os.makedirs(os.path.join(folder, f"checkpoint-{n}"), exist_ok=True)
                with open(os.path.join(folder, f"checkpoint-{n}", "trainer_state.json"), "w") as f:
                    f.write(text)
            time.sleep(pause)
    elif mode == "rewrite-ended":  # every line but the last; then the last, ended, with a provisional
        import re  # train loss (its digits 9s: the same width); once PATH's sibling "go" exists, the
        # line is rewritten in place with its real value (a writer that corrects its last record)

        go = os.path.join(os.path.dirname(path), "go")
        with open(path, "a", encoding="utf-8") as f:
            f.write("".join(lines[:-1]))
            fields = lines[-1].split(",")
            fields[2] = re.sub(r"[0-9]", "9", fields[2])
            at = f.tell()
            f.write(",".join(fields))
            f.flush()
            for _ in range(6000):  # (at most a minute)
                if os.path.exists(go):
                    break
                time.sleep(0.01)
        with open(path, "r+", encoding="utf-8") as f:
            f.seek(at)
            f.write(lines[-1])
    elif mode == "half-line":
        with open(path, "a", encoding="utf-8") as f:
            for ln in lines[:-1]:
                f.write(ln)
            last = lines[-1]
            f.write(last[: len(last) // 2])
            f.flush()
            time.sleep(pause)
            f.write(last[len(last) // 2 :])
            f.flush()
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]) if len(sys.argv) > 4 else 0.01)
