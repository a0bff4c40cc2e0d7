"""Files only the user may read: the token file, kept drafts.

A write goes to a fresh file with a unique name (created with O_EXCL, mode
0600 from the start) in the same directory, which is then renamed over the
old one. So a leftover `.tmp` of any mode, or a link planted at the name, is
never written through: `os.open(path, …, 0o600)` keeps the mode of a file
that already exists, which is how a 0644 leftover once made the token file
readable by all (issue 13). What is read is checked too: a file readable by
others (left by an older version, or a careless copy) is made private before
its contents are used. No Textual here.
"""
from __future__ import annotations

import contextlib
import logging
import os
import stat
import tempfile
from pathlib import Path

from tui.i18n import t

log = logging.getLogger("vaxel.files")

#: Permission bits that would let anyone but the owner read or write.
OTHERS = 0o077


class NotPrivate(OSError):
    """A file or directory that others could read or swap; the message says which (translated)."""


def private_dir(directory: Path) -> Path:
    """`directory`, created 0700 if missing; refused when others could write to it
    (whoever can write to a directory can replace the files in it)."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    info = os.stat(directory)
    if info.st_mode & stat.S_IWOTH or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
        raise NotPrivate(t("private.others_can_write", path=str(directory)))
    return directory


def write_private(path: Path, data: bytes, *, durable: bool = False) -> None:
    """Replace `path` with `data`, readable and writable by the user only.

    `durable`: flush to the disk before the rename (the token file; kept
    drafts are written at every keystroke and skip it).
    """
    directory = private_dir(path.parent)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if durable:
                os.fsync(f.fileno())
            if stat.S_IMODE(os.fstat(f.fileno()).st_mode) & OTHERS:  # mkstemp promises 0600: check it
                raise NotPrivate(t("private.not_private", path=name))
        os.replace(name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise


def read_private(path: Path) -> bytes:
    """The contents of `path`, made private first if others could read it.

    Raises OSError when it cannot be read (FileNotFoundError when absent), and
    NotPrivate when it is not the user's own file.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise NotPrivate(t("private.not_yours", path=str(path)))
        if stat.S_IMODE(info.st_mode) & OTHERS:
            os.fchmod(f.fileno(), 0o600)
            log.warning("%s was readable by others (mode %o): made private (0600)", path, stat.S_IMODE(info.st_mode))
        return f.read()
