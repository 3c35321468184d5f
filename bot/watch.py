"""Knowledge hot reload: watch the knowledge folder (and the intent catalog) with watchfiles
and reload when a Markdown file is edited, added or deleted.

The reload runs in a worker thread, so the event loop (Discord's gateway, the digest
scheduler) keeps answering while the new index is built; `LiveAssistant` swaps it in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Collection

from watchfiles import Change, awatch

from .live import LiveAssistant
from .loader import MARKDOWN_SUFFIXES, knowledge_folders

log = logging.getLogger("cloudai.reload")
DEBOUNCE_MS = 800  # an editor's save is several events; wait for them to settle
CATCH_UP_MS = 300  # after a restart, how soon an empty batch says the new watch is in place
RESTART_PAUSE_S = 0.1  # when a folder vanished between listing the folders and watching them
MAX_RESTARTS = 5  # in a row; then the watch stops (and says why) rather than spin


def relevant(path: str, folder: Path, catalog: Path | None, included: Collection[str] = ()) -> bool:
    """A Markdown file or a folder under the knowledge folder (not hidden), a file a page's
    snippets include (`included`, relative to the folder: dstack's `snippets/*.ext`), or the
    intent catalog. Folders count: a file written into a folder created a moment before may
    land before the watch on that folder does, and only the folder's event is seen."""
    p = Path(path)
    if catalog is not None and p == catalog:
        return True
    try:
        rel = p.relative_to(folder)
    except ValueError:
        return False
    if any(part.startswith(".") for part in rel.parts):
        return False
    return p.name.lower().endswith(MARKDOWN_SUFFIXES) or not p.suffix or p.is_dir() or rel.as_posix() in included


async def watch(live: LiveAssistant, stopping: asyncio.Event) -> None:
    """Reload `live` after each settled batch of relevant changes, until `stopping` is set.

    Each folder the loader reads is watched on its own, not the tree recursively: a
    recursive watch follows folder links, so a link to / or /etc in the knowledge folder
    would watch the whole machine (and stop at its first unreadable folder). When the set of
    folders changes (one added, removed or linked), the watch restarts on the new set."""
    folder = live.folder.resolve()
    catalog = live.current.catalog_path.resolve() if live.current.catalog_path else None
    folders = await asyncio.to_thread(knowledge_folders, folder)
    log.info("watching %s (%d folders)%s for changes (hot reload)", folder, len(folders),
             f" and {catalog}" if catalog is not None else "")
    caught_up, missed = True, 0
    while not stopping.is_set():
        try:
            folders, caught_up = await _watch_folders(live, folder, folders, catalog, stopping, caught_up)
            missed = 0
        except FileNotFoundError:
            missed += 1
            if missed > MAX_RESTARTS or not folder.is_dir():
                raise
            await asyncio.sleep(RESTART_PAUSE_S)  # a folder went away before its watch started
            folders, caught_up = await asyncio.to_thread(knowledge_folders, folder), False


async def _watch_folders(live: LiveAssistant, folder: Path, folders: list[Path], catalog: Path | None,
                         stopping: asyncio.Event, caught_up: bool) -> tuple[list[Path], bool]:
    """Watch `folders` until they change (returns the new set) or `stopping` is set.

    After a restart (`caught_up` false) the first batch, even an empty one (a timeout,
    which means the new watch is in place), reloads: a file written into a new folder
    before its watch began is served too."""
    session = awatch(*_paths(folder, folders, catalog), stop_event=stopping, debounce=DEBOUNCE_MS,
                     recursive=False, watch_filter=lambda _change, path: relevant(path, folder, catalog, live.current.kb.included),
                     yield_on_timeout=not caught_up, rust_timeout=None if caught_up else CATCH_UP_MS)
    async with contextlib.aclosing(session) as changes_seen:
        async for changes in changes_seen:
            if not changes and caught_up:
                continue
            names = [_label(path, folder) for change, path in changes
                     if change in (Change.added, Change.modified, Change.deleted)]
            reloaded = await asyncio.to_thread(live.reload, names)
            caught_up = True
            # the folders the new load walked; after a failed reload, walk them again to know
            now = live.current.kb.folders if reloaded.ok else await asyncio.to_thread(knowledge_folders, folder)
            if now != folders:
                return now, False
    return folders, caught_up


def _paths(folder: Path, folders: list[Path], catalog: Path | None) -> list[Path]:
    """What to watch: the folders the loader reads (the root even if it has gone), and the
    intent catalog's folder when it is not one of them."""
    paths = list(dict.fromkeys(folders or [folder]))
    if catalog is not None and catalog.parent not in paths:
        paths.append(catalog.parent)
    return paths


def _label(path: str, folder: Path) -> str:
    try:
        return Path(path).relative_to(folder).as_posix()
    except ValueError:
        return Path(path).name
