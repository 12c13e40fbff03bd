"""Which files are logs and which reader reads each: the names never sniffed inside a folder of
runs, a file's head decoded to text (UTF-8, with BOM, UTF-16), and the readers' sniffers scored on
it. (`source.py` turns what is found into Sources and reads them.)"""

from __future__ import annotations

import codecs
from pathlib import Path

from lossacc_tui.files import open_regular
from lossacc_tui.own_report import own_report
from lossacc_tui.readers import Reader
from lossacc_tui.readers.hparams_dump import hyperparameter_dump
from lossacc_tui.readers.probe_sidecar import SIDECAR
from lossacc_tui.readers.registry import candidates, readers_for

HEAD = 64 * 1024
HEAD_MAX = 16 << 20  # a head is extended to two whole lines, up to this many bytes
#: Files never worth sniffing inside a folder of runs.
SKIP_SUFFIXES = (
    ".py",
    ".pyc",
    ".ckpt",
    ".pt",
    ".pth",
    ".bin",
    ".safetensors",
    ".h5",
    ".keras",
    ".onnx",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".svg",
    ".pdf",
    ".zip",
    ".gz",
    ".tar",
    ".npy",
    ".npz",
    ".pkl",
    ".yaml",
    ".yml",
    ".md",
    ".ipynb",
    ".sh",
    ".toml",
    ".cfg",
    ".ini",
    ".lock",
)


class TextDecoder:
    """Turns UTF-8, UTF-8 with BOM, or UTF-16 (with BOM, or plain little-endian) into UTF-8 bytes."""

    def __init__(self) -> None:
        self._pending = b""
        self._decoder: codecs.IncrementalDecoder | None = None
        self._decided = False

    def feed(self, chunk: bytes, final: bool = False) -> bytes:
        if not self._decided:
            self._pending += chunk
            if len(self._pending) < 4 and not final:
                return b""
            chunk, self._pending = self._pending, b""
            self._decide(chunk[:4096])
        if self._decoder is None:
            return chunk
        return self._decoder.decode(chunk, final).encode("utf-8")

    def _decide(self, head: bytes) -> None:
        self._decided = True
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            self._decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
        elif head.startswith(codecs.BOM_UTF8):
            self._decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        elif len(head) >= 8 and head[1::2].count(0) > 0.9 * (len(head) // 2) and head[0::2].count(0) == 0:
            self._decoder = codecs.getincrementaldecoder("utf-16-le")(errors="replace")


def decoded_head(path: Path, size: int = HEAD) -> str:
    """The first `size` characters or so of a file, as text (UTF-16 takes twice the bytes). When
    they hold fewer than two whole lines (a CSV header 10,000 columns wide), more is read, up to
    `HEAD_MAX` bytes, so the sniffers see a header and a first row."""
    with open_regular(path) as f:  # never a FIFO or a device: those block or never end
        raw = f.read(size)
        while raw[:1] == b"\0" and not raw.strip(b"\0"):  # a hole (`head_text`): the text after it
            more = f.read(1 << 20)
            if not more:
                break
            raw = more
        if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raw += f.read(size)
        while len(raw) < HEAD_MAX and raw.count(b"\n") < 2:
            more = f.read(len(raw) or size)
            if not more:
                break
            raw += more
    return head_text(raw)


def head_text(raw: bytes) -> str:
    """The first bytes of a log as text for the sniffers: decoded (`TextDecoder`), its NUL bytes
    left out as the readers leave them out (a hole a writer without O_APPEND left after a
    `copytruncate`: `readers.base.LineBuffer`), so a log that begins with one is still known."""
    text = TextDecoder().feed(raw, final=True).decode("utf-8", errors="replace")
    return text.replace("\0", "") if "\0" in text else text


def detect(
    path: Path, head: str | None = None, fmt: str | None = None, documents: bool = False
) -> tuple[type[Reader], float] | None:
    """The best reader for a file (optionally among the variants of a forced format), or None when
    none claims it, it is a dump of the run's hyperparameters (`readers/hparams_dump.py`) or a
    document by its name (`document_name`: a README, notes, unless `documents`)."""
    name = path.name
    if not fmt and not documents and document_name(name):
        return None
    if head is None:
        head = decoded_head(path)
    if not fmt and hyperparameter_dump(name, head):  # a run's config.json / args.json: no log
        return None
    if not fmt and own_report(head):  # `check`'s own output saved beside the logs
        return None
    found = readers_for(fmt) if fmt else candidates(name, head)  # imports only modules that may match
    best: tuple[type[Reader], float] | None = None
    for cls in found:
        try:
            score = cls.sniff(name, head)
        except Exception:  # a sniffer must never stop detection
            score = 0.0
        if score > 0 and (best is None or score > best[1]):
            best = (cls, score)
    if best is None and fmt and found:
        best = (found[0], 0.0)
    return best


#: Names a person gives the documents of a run folder (notes, a README, a package list): written by
#: hand, never by a training loop, though their lines may quote metrics as a loop prints them
#: (`epoch 8: val_loss 0.55 val_acc 0.905`). Matched on the name's stem, with no suffix or a text one.
_DOC_STEMS = {
    "readme": "a README",
    "notes": "notes",
    "note": "notes",
    "todo": "notes",
    "changelog": "a change log",
    "changes": "a change log",
    "license": "a licence",
    "licence": "a licence",
    "copying": "a licence",
    "authors": "a list of authors",
    "contributing": "a document",
    "citation": "a citation",
    "requirements": "a list of packages",
}
_TEXT_SUFFIXES = ("", ".txt", ".text")
#: suffixes of documents whatever their stem (Markdown, reStructuredText, Org, AsciiDoc, TeX, HTML)
_DOC_SUFFIXES = (".md", ".markdown", ".rst", ".org", ".adoc", ".tex", ".html", ".htm")


def document_name(name: str) -> str | None:
    """What a file is by its name when it is a document of a run folder, not a log (`notes.txt`:
    "notes"; `README.md`: "a README"; `requirements-dev.txt`: "a list of packages"), or None.

    >>> document_name("NOTES.txt"), document_name("results.md"), document_name("train.log")
    ('notes', 'a document', None)
    """
    low = name.lower()
    stem, dot, suffix = low.rpartition(".")
    stem, suffix = (stem, dot + suffix) if dot else (low, "")
    if suffix in _TEXT_SUFFIXES or suffix in _DOC_SUFFIXES:
        key = stem.split("-")[0].split("_")[0]
        if key in _DOC_STEMS:
            return _DOC_STEMS[key]
    return "a document" if suffix in _DOC_SUFFIXES else None


#: what a file that no reader takes is by its suffix, for the line that says it is no log
_OTHER_SUFFIXES = {
    **dict.fromkeys((".yaml", ".yml", ".toml", ".ini", ".cfg", ".conf"), "a settings file"),
    **dict.fromkeys((".sh", ".bash", ".py", ".ipynb"), "a script"),
}


def other_kind(name: str) -> str | None:
    """What a file is by its suffix when it is a run folder's settings or script (`config.yaml`: "a
    settings file"), or None: only said of a file no reader took."""
    low = name.lower()
    return next((kind for suffix, kind in _OTHER_SUFFIXES.items() if low.endswith(suffix)), None)


#: The temporary file of an atomic save (written whole, then renamed over the log: `log.json.tmp`,
#: a download's `.part`, an editor's `~`): never a run of its own, and never followed (it is gone
#: by the time it would be read; the log it becomes is followed under its own name).
TEMP_SUFFIXES = (".tmp", ".temp", ".part", ".partial", ".swp", "~")


def skipped_name(name: str) -> bool:
    """A file never worth sniffing inside a folder of runs (the probe sidecar is no log either)."""
    low = name.lower()
    return name.startswith(".") or low.endswith((*SKIP_SUFFIXES, *TEMP_SUFFIXES)) or name == SIDECAR


__all__ = [
    "HEAD",
    "SKIP_SUFFIXES",
    "TEMP_SUFFIXES",
    "TextDecoder",
    "decoded_head",
    "detect",
    "document_name",
    "other_kind",
    "skipped_name",
]
