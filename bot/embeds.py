"""What an Obsidian embed shows: `![[Note]]` the note's text, `![[Note#Heading]]` that part
of it, `![[Note#^block-id]]` the one block marked with that id.

Obsidian shows the embedded text in place, so a note that embeds a checklist reads, and
answers, with the checklist in it; before, the reply showed only the checklist's name on a
line of its own. The text is the target's as parsed (its own embeds show their names: an
embed never nests, so two notes embedding each other cannot loop) and at most EMBED_MAX
characters, cut between blocks (`markdown.blocks`: never inside a code fence).
"""

from __future__ import annotations

import re

from .markdown import Segment, blocks, plain_heading, slugify
from .models import Document, WikiLink

EMBED_MAX = 2_000  # characters of embedded text at most: a note embedding a long one stays a note


def embedded_text(target: Document, segments: list[Segment], link: WikiLink) -> str:
    """The text `link` (an embed of `target`) shows where it stands: a bold title line (the
    block of a block embed has none) and the text, "" when the part it names is not found."""
    if link.heading.startswith("^"):
        return _cut(_block(segments, link.heading[1:]))
    part = _part(segments, link.heading) if link.heading else segments
    if not part:
        return ""
    lines = []
    for i, seg in enumerate(part):
        if i and seg.heading and seg.heading.lower() != target.title.lower():  # (a note's title heading: the title line)
            lines.append(f"**{seg.heading}**")
        if seg.text.strip():
            lines.append(seg.text.strip("\n"))
    text = _cut("\n\n".join(lines))
    title = f"{target.title} › {part[0].heading}" if link.heading else target.title
    return f"**{title}**\n\n{text}" if text else ""


def _part(segments: list[Segment], heading: str) -> list[Segment]:
    """The segment headed `heading` (as written, or as its anchor) and those under it."""
    wanted = plain_heading(heading).lower()
    slug = slugify(heading)
    for i, seg in enumerate(segments):
        if seg.level and (seg.heading.lower() == wanted or (slug and slugify(seg.heading) == slug)):
            end = next((j for j in range(i + 1, len(segments)) if segments[j].level <= seg.level), len(segments))
            return segments[i:end]
    return []


def _block(segments: list[Segment], block_id: str) -> str:
    """The block (paragraph, list, table, code fence) marked `^block_id` at its end (or on
    the line after it, as Obsidian marks a list or a table), without the mark."""
    mark = re.compile(rf"(?:^|[ \t])\^{re.escape(block_id)}[ \t]*$", re.MULTILINE)
    for seg in segments:
        if f"^{block_id}" not in seg.text:
            continue
        parts = blocks(seg.text)
        for i, part in enumerate(parts):
            m = mark.search(part)
            if m is None:
                continue
            before, rest = part[: m.start()].rstrip(), part[m.end():].strip("\n")
            if before.strip() or rest.strip():
                return f"{before}\n{rest}".strip("\n") if rest.strip() else before
            return parts[i - 1] if i else ""  # the mark alone: the block above it
    return ""


def _cut(text: str) -> str:
    """Whole blocks up to EMBED_MAX characters (the first one, however long, at least): a
    code fence with blank lines in it is one block, never cut open."""
    if len(text) <= EMBED_MAX:
        return text
    kept: list[str] = []
    size = 0
    for part in blocks(text):
        size += len(part) + 2
        if kept and size > EMBED_MAX:
            break
        kept.append(part)
    return "\n\n".join(kept)
