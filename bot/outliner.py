"""Logseq's Markdown read as Logseq shows it.

Logseq, the outliner many teams keep notes in, writes plain Markdown files with its own
marks, which a reply showed as written:

- a page's properties (`title:: GPU quota`, `tags:: infra, budget`, `alias:: gpu limits`) on
  its first lines: its frontmatter, as `page_properties` reads them;
- a block's properties on the lines under it (`id:: 64a1f2c3-…`, `collapsed:: true`): the
  app's own ones go, a team's own (`owner:: Alice`, also Obsidian Dataview's inline fields)
  read as `owner: Alice`; a block's `id` is what references to it name;
- a reference to a block (`((64a1f2c3-…))`): the block's text, as the app shows it (read as
  an embed, `![[((64a1f2c3-…))]]`: the knowledge finds the block in whichever page holds it);
- an embed macro (`{{embed [[Infra leads]]}}`, `{{embed ((64a1f2c3-…))}}`): Obsidian's embed
  (bot/embeds.py), or the block's text;
- a task (`- TODO attach the link`, `- DONE file the ticket`): a task item, shown as a box;
- a block written as a heading (`- ## Cluster access`, or marked `heading:: true`): a heading of the page, its child
  blocks one level out, so a page of them is a section each, not one long list.

Code is left as written. A page is read so when it is in a Logseq graph (a folder with
`logseq/config.edn`) or in a folder named as Logseq names its own, `pages/` or `journals/`:
other apps' pages are read as written (an Obsidian Dataview field, `owner:: Alice`, stays).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from .markdown import code_line, outside_code_spans, wiki_links_as_text

BLOCK_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"  # a block's id (a UUID)...
_BLOCK_REF = re.compile(rf"\(\({BLOCK_ID}\)\)")  # ...and a reference to the block: ((id))

_PROPERTY = re.compile(r"([ \t]*)(?:[-*][ \t]+)?([A-Za-z][\w.-]*)::(?:[ \t]+(.*?))?[ \t]*")
# the app's own properties: where a block is folded, its colour, a flashcard's schedule, …
_APP_PROPERTIES = re.compile(r"id|collapsed|heading|background-color|ls-type|hl-\w+|card-[\w-]+|logseq\.[\w.-]+"
                             r"|template(?:-including-parent)?|query-[\w-]+|filters|public|icon|file|file-path",
                             re.IGNORECASE)
_TASK = re.compile(r"([ \t]*[-*][ \t]+)(TODO|DOING|NOW|LATER|WAITING|DONE|CANCELED|CANCELLED)[ \t]+(?=\S)")
_EMBED_MACRO = re.compile(r"\{\{embed[ \t]+(\[\[[^\]\n]+\]\]|\(\(" + BLOCK_ID + r"\)\))[ \t]*\}\}")
_ITEM_TEXT = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?")
_HEADING_BLOCK = re.compile(r"[ \t]*[-*][ \t]+(#{1,6})[ \t]+(\S.*?)[ \t]*")
_PAGE_KEYS = {"tags": "tags", "tag": "tags", "alias": "aliases", "aliases": "aliases", "title": "title",
              "description": "description", "date": "date"}


def page_properties(body: str) -> tuple[dict[str, Any], str]:
    """A Logseq page's properties (its first lines, `key:: value`, up to a blank line) as
    frontmatter, and the body without them; ({}, body) when it has none."""
    lines = body.lstrip("\n").split("\n")
    meta: dict[str, Any] = {}
    count = 0
    for line in lines:
        m = _PROPERTY.fullmatch(line) if "::" in line else None
        if m is None or m.group(1):
            break
        key, value = m.group(2).lower(), (m.group(3) or "").strip()
        count += 1
        if key in _PAGE_KEYS:
            meta[_PAGE_KEYS[key]] = _values(value) if _PAGE_KEYS[key] in ("tags", "aliases") else value
        elif not _APP_PROPERTIES.fullmatch(key) and value:
            meta.setdefault("keywords", []).append(value)  # a team's own ("owner:: Alice"): found by it
    if not count or count < len(lines) and lines[count].strip() and not _ITEM_TEXT.match(lines[count]):
        return {}, body  # "Note:: …" opening a paragraph is no property block
    return meta, "\n".join(lines[count:])


def _values(value: str) -> list[str]:
    """`infra, [[budget]], #gpu` as its names."""
    return [v.strip().strip("[]#").strip() for v in value.split(",") if v.strip().strip("[]#").strip()]


OUTLINER_FOLDERS = ("pages", "journals")  # where a Logseq graph keeps its pages


def is_outliner_graph(root: Path) -> bool:
    """Is `root` a Logseq graph, or the folder of its pages?"""
    return (root / "logseq" / "config.edn").is_file() or root.name in OUTLINER_FOLDERS


def is_outliner_app_folder(path: str) -> bool:
    """Is `path` a Logseq graph's own folder (`logseq/`, with its settings, and the backups of
    pages in `logseq/bak/`, which would answer as second copies): not knowledge."""
    return os.path.basename(path) == "logseq" and os.path.isfile(os.path.join(path, "config.edn"))


def is_outliner_page(rel: str) -> bool:
    """Is the page at `rel` (from the folder's root) in a folder named as Logseq's pages?"""
    return any(part in OUTLINER_FOLDERS for part in rel.split("/")[:-1])


def reduce_outliner(body: str) -> tuple[str, dict[str, str]]:
    """`body` with Logseq's block marks read (see the module docstring), and the blocks it
    names by id: id → the block's text."""
    blocks: dict[str, str] = {}
    out: list[str] = []
    fence: str | None = None
    item = ""  # the text of the last list item's first line: what a block property belongs to
    item_at = -1  # ...and where that line is in `out`
    for line in body.split("\n"):
        is_code, fence = code_line(line, fence)
        if is_code:
            out.append(line)
            continue
        if "::" in line and (m := _PROPERTY.fullmatch(line)) is not None and (m.group(1) or item):
            key, value = m.group(2), (m.group(3) or "").strip()
            if key.lower() == "id" and re.fullmatch(BLOCK_ID, value):
                blocks[value] = wiki_links_as_text(item)  # shown elsewhere, as text
            elif key.lower() == "heading" and item_at >= 0:  # the block is a heading: `- ## text`, as written by hand
                out[item_at] = _as_heading(out[item_at], value)
            if not _APP_PROPERTIES.fullmatch(key) and value:
                out.append(f"{m.group(1)}{key}: {value}")
            continue
        if "{{embed" in line:
            line = _EMBED_MACRO.sub(lambda e: "!" + e.group(1) if e.group(1).startswith("[[") else e.group(1), line)
        if "((" in line:
            line = outside_code_spans(line, lambda text: _BLOCK_REF.sub(r"![[\g<0>]]", text))
        if m_task := _TASK.match(line):
            done = m_task.group(2) == "DONE"
            cancelled = m_task.group(2).startswith("CANCEL")
            rest = line[m_task.end():]
            line = f"{m_task.group(1)}[{'x' if done else ' '}] " + (f"~~{rest}~~" if cancelled else rest)
        if (start := _ITEM_TEXT.match(line)) is not None:
            item, item_at = line[start.end():].strip(), len(out)
        out.append(line)
    return "\n".join(_heading_blocks(out)), blocks


def _as_heading(line: str, level: str) -> str:
    """A block's line marked as a heading of `level` (`heading:: 3`; `true`, Logseq's "auto
    heading", is a second-level one), unless it is one already or not a heading at all."""
    start = _ITEM_TEXT.match(line)
    hashes = int(level) if level in ("1", "2", "3", "4", "5", "6") else 2 if level.lower() == "true" else 0
    if start is None or not hashes or line[start.end():].startswith("#"):
        return line
    return f"{line[:start.end()]}{'#' * hashes} {line[start.end():]}"


def _heading_blocks(lines: list[str]) -> list[str]:
    """Blocks written as headings (`- ## Cluster access`) as headings, when every block above
    them is one too (a heading cannot sit in a list), and the lines under them one level out."""
    if not any("#" in line and _HEADING_BLOCK.match(line) for line in lines):
        return lines
    out: list[str] = []
    headings: list[int] = []  # the depths of the heading blocks open above this line
    fence: str | None = None
    for line in lines:
        is_code, fence = code_line(line, fence)
        if not is_code and _ITEM_TEXT.match(line):
            depth = _depth(line)
            while headings and headings[-1] >= depth:
                headings.pop()
            m = _HEADING_BLOCK.fullmatch(line)
            if m is not None and depth == len(headings):
                headings.append(depth)
                out.append(f"{m.group(1)} {m.group(2)}")
                continue
        out.append(_outdented(line, len(headings)))
    return out


def _depth(line: str) -> int:
    """How many levels a block is indented (a tab or two spaces a level, as Logseq writes)."""
    lead = line[: len(line) - len(line.lstrip(" \t"))]
    return lead.count("\t") + lead.count(" ") // 2


def _outdented(line: str, levels: int) -> str:
    for _ in range(levels):
        line = line[1:] if line.startswith("\t") else line[2:] if line.startswith("  ") else line
    return line
