"""Touching the file system safely: only regular files are opened, never in a way that can block,
and folder walks follow symlinks at most once per real folder (a loop cannot repeat or hang them).

A FIFO, a character device (`/dev/zero`), a socket or a block device is never opened for reading:
opening a FIFO blocks until a writer comes, and a device can be endless. `open_regular` opens with
`O_NONBLOCK` and checks the opened descriptor, so even a path swapped between a stat() and the open
cannot block or feed an endless stream. Nor is the file this process writes its own output to
(`check --follow --json . > out.jsonl`): read back, the report would feed itself without end.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


OWN_OUTPUT = "this command's own output (its stdout or stderr is redirected here): not read"


def own_output(st: os.stat_result) -> bool:
    """Whether the file is where this process writes its stdout or stderr (`check --follow --json
    . > out.jsonl`): reading it back would feed the report into itself, without end."""
    for fd in (1, 2):
        try:
            o = os.fstat(fd)
        except OSError:
            continue
        if stat.S_ISREG(o.st_mode) and (o.st_dev, o.st_ino) == (st.st_dev, st.st_ino):
            return True
    return False


class NotRegular(OSError):
    """The path is not a regular file (its message says what it is); it was not read."""


def kind(mode: int) -> str:
    """What a non-regular file is, in words ('a named pipe (FIFO)', ...)."""
    for test, words in _KINDS:
        if test(mode):
            return words
    return "not a regular file"


def why_not_regular(path: Path | str) -> str | None:
    """None for a regular file (or a symlink to one); else why it is not read, in words. A path that
    does not exist also gives None (the caller waits for it or reports it)."""
    try:
        st = os.stat(path)
    except OSError as e:
        if e.errno == errno.ELOOP:
            return "a symlink loop (it never reaches a file)"
        return None
    if stat.S_ISREG(st.st_mode):
        return OWN_OUTPUT if own_output(st) else None
    return f"{kind(st.st_mode)}, not a regular file: not read"


def open_regular(path: Path | str) -> BinaryIO:
    """Open a regular file read-only, without blocking and without a lock. Raises NotRegular for
    anything else (FIFO, device, socket, folder), OSError when it cannot be opened."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise NotRegular(errno.ELOOP, "a symlink loop (it never reaches a file)") from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegular(errno.EINVAL, f"{kind(st.st_mode)}, not a regular file: not read")
        if own_output(st):
            raise NotRegular(errno.EINVAL, OWN_OUTPUT)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def walk_files(
    root: Path | str,
    skip_dir: Callable[[str, str], bool] = lambda _parent, _name: False,
    on_other: Callable[[str, str], None] = lambda _path, _why: None,
) -> Iterator[str]:
    """Every regular file under `root` (sorted, depth first), following symlinked folders but
    entering each real folder once (a visited set of (device, inode)): loops end, nothing twice.
    Each file is yielded once, by (device, inode): a hard link to a file yielded is not; symlinked
    folders are entered after the real ones, and symlinks to files come last, only when the file was
    not yielded under its own name (`latest.csv -> run1/history.csv` and `latest/ -> run1/` are run1's;
    a link to a file or folder outside the root, under the link's name).
    `skip_dir(parent, name)` prunes folders; `on_other(path, why)` is told of FIFOs, devices,
    sockets and broken or looping links, which are not yielded."""
    seen: set[tuple[int, int]] = set()
    files: set[tuple[int, int]] = set()  # the files yielded: one file under two names is read once
    links: list[tuple[str, tuple[int, int]]] = []  # links to files: after the walk (see `is_alias`)
    linked: list[tuple[str, str]] = []  # links to folders: after the real folders (theirs is the name)
    stack: list[tuple[str, str]] = [("", os.fspath(root))]  # (parent, folder): pruned when reached
    while stack or linked:
        if not stack:
            stack, linked = list(reversed(linked)), []
        parent, d = stack.pop()
        if parent and skip_dir(parent, os.path.basename(d)):  # asked as the walk gets there, not
            continue  # when the parent is listed: the first files come at once in a wide tree
        try:
            st = os.stat(d)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) in seen:
            continue
        seen.add((st.st_dev, st.st_ino))
        try:
            with os.scandir(d) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        subdirs = []
        for e in entries:
            try:
                st_e = e.stat()  # follows symlinks
            except OSError as err:
                if err.errno == errno.ELOOP:
                    on_other(e.path, "a symlink loop (it never reaches a file)")
                continue  # a dangling link: nothing to read (yet)
            if stat.S_ISDIR(st_e.st_mode):
                (linked if e.is_symlink() else subdirs).append((d, e.path))
            elif stat.S_ISREG(st_e.st_mode):
                ident = (st_e.st_dev, st_e.st_ino)
                if own_output(st_e):
                    on_other(e.path, OWN_OUTPUT)
                elif e.is_symlink():
                    links.append((e.path, ident))
                elif ident not in files:  # (a hard link to a file yielded: the same data)
                    files.add(ident)
                    yield e.path
            else:
                on_other(e.path, f"{kind(st_e.st_mode)}, not a regular file: not read")
        stack.extend(reversed(subdirs))
    for path, ident in links:  # a link to a file the walk read under its own name is that file
        if ident not in files:
            files.add(ident)
            yield path


def identity(path: Path | str) -> tuple[int, int] | None:
    """(st_dev, st_ino) of the file a path names (through symlinks), or None when it cannot be
    stat()ed (missing, a dangling link): what makes two names one file."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def is_alias(path: Path | str, root: Path | str) -> bool:
    """Whether `path`, under folder `root`, goes through a symlink (itself, or a folder on the way)
    to a file or folder that a walk of root reaches under its own name: its real path is inside
    root's real path, through no hidden folder (`.name`, which folder walks pass over) or
    `__pycache__`. Such a path (`latest.csv -> run1/history.csv`, `latest/ -> run1/`) is the same
    data again: the file is read once, under its real name. A link to a file elsewhere is not an
    alias: it is read under the link's name."""
    top_abs = os.path.abspath(root)
    try:
        rel = os.path.relpath(os.path.abspath(path), top_abs)
    except ValueError:  # (another drive)
        return False
    if rel == os.curdir or rel.split(os.sep)[0] == os.pardir:
        return False
    at = top_abs
    for part in rel.split(os.sep):
        at = os.path.join(at, part)
        if os.path.islink(at):
            break
    else:
        return False  # no link on the way: the file's own name
    real = os.path.realpath(path)
    try:
        rel = os.path.relpath(real, os.path.realpath(root))
    except ValueError:
        return False
    parts = rel.split(os.sep)
    if rel == os.curdir or parts[0] == os.pardir or not os.path.exists(real):
        return False
    return not any(p.startswith(".") or p == "__pycache__" for p in parts[:-1])
