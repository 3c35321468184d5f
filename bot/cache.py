"""The user's cache folder: what cloudai works out once and reads back on the next start.

Two things are kept there, each under a key that changes when what it was made from does:
the validated intent catalog (bot/catalog_file.py) and the English word counts
(bot/english.py). A cache that cannot be read or written is never an error: the thing is
worked out again, as if there were no cache.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Callable, TypeVar

T = TypeVar("T")


def cache_dir() -> Path | None:
    """$XDG_CACHE_HOME/cloudai, else ~/.cache/cloudai (None when there is no home folder)."""
    base = os.environ.get("XDG_CACHE_HOME")
    try:
        return (Path(base) if base else Path.home() / ".cache") / "cloudai"
    except RuntimeError:  # no home folder
        return None


def keep(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all (another process may be reading it); a
    failure leaves nothing behind and is not raised."""
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)


def remembered(path: Path | None, read: Callable[[bytes], T | None], make: Callable[[], T],
               write: Callable[[T], bytes]) -> T:
    """What `path` holds, as `read` takes it (None: not a usable copy); else `make()`, kept at
    `path` as `write` gives it. With no `path` (no cache folder), just `make()`."""
    if path is not None:
        try:
            got = read(path.read_bytes())
        except (OSError, ValueError):
            got = None
        if got is not None:
            return got
    made = make()
    if path is not None:
        keep(path, write(made))
    return made
