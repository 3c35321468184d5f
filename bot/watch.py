"""Knowledge hot reload: watch the knowledge folder (and the intent catalog) with watchfiles
and reload when a Markdown file is edited, added or deleted.

The reload runs in a worker thread, so the event loop (Discord's gateway, the digest
scheduler) keeps answering while the new index is built; `LiveAssistant` swaps it in.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from watchfiles import Change, awatch

from .live import LiveAssistant
from .loader import MARKDOWN_SUFFIXES

log = logging.getLogger("cloudai.reload")
DEBOUNCE_MS = 800  # an editor's save is several events; wait for them to settle


def relevant(path: str, folder: Path, catalog: Path | None) -> bool:
    """A Markdown file or a folder under the knowledge folder (not hidden), or the intent
    catalog. Folders count: a file written into a folder created a moment before may land
    before the watch on that folder does, and only the folder's event is seen."""
    p = Path(path)
    if catalog is not None and p == catalog:
        return True
    try:
        rel = p.relative_to(folder)
    except ValueError:
        return False
    if any(part.startswith(".") for part in rel.parts):
        return False
    return p.name.lower().endswith(MARKDOWN_SUFFIXES) or not p.suffix or p.is_dir()


async def watch(live: LiveAssistant, stopping: asyncio.Event) -> None:
    """Reload `live` after each settled batch of relevant changes, until `stopping` is set."""
    folder = live.folder.resolve()
    catalog = live.current.catalog_path.resolve() if live.current.catalog_path else None
    paths = [folder] + ([catalog.parent] if catalog is not None and not catalog.is_relative_to(folder) else [])
    log.info("watching %s for changes (hot reload)", ", ".join(str(p) for p in paths))
    async for changes in awatch(*paths, stop_event=stopping, debounce=DEBOUNCE_MS, recursive=True,
                                watch_filter=lambda _change, path: relevant(path, folder, catalog)):
        names = [_label(path, folder) for change, path in changes if change in (Change.added, Change.modified,
                                                                                 Change.deleted)]
        await asyncio.to_thread(live.reload, names)


def _label(path: str, folder: Path) -> str:
    try:
        return Path(path).relative_to(folder).as_posix()
    except ValueError:
        return Path(path).name
