"""Obsidian's Excalidraw drawings, read as the words drawn in them.

The Excalidraw plugin saves a drawing as a note (`Architecture.excalidraw.md`): a banner
telling Obsidian users to switch views, a "## Text Elements" list of the labels in the
drawing (each ending in a block id, `Ingress gateway ^a1b2c3d4`), the files and links it
embeds, and the drawing itself as JSON, usually compressed, in a comment. Read as Markdown,
a reply showed the banner and the JSON. What a reader takes from a drawing is its labels,
so those are the note's text and its title is the drawing's name.
"""

from __future__ import annotations

import re

DRAWING_SUFFIX = ".excalidraw.md"
_TEXT_ELEMENTS = re.compile(r"^#{1,6}[ \t]+Text Elements[ \t]*$", re.MULTILINE)
_SECTION_END = re.compile(r"^(?:#{1,6}[ \t]|%%)", re.MULTILINE)


def is_drawing(rel: str, meta: dict[str, object]) -> bool:
    """Is the note at `rel` an Excalidraw drawing (by its name, or the plugin's frontmatter key)?"""
    return rel.lower().endswith(DRAWING_SUFFIX) or "excalidraw-plugin" in meta


def drawing_name(stem: str) -> str:
    """The drawing's name from its file's stem: "Architecture.excalidraw" is "Architecture"."""
    return stem[: -len(".excalidraw")] if stem.lower().endswith(".excalidraw") else stem


def drawing_text(body: str) -> str:
    """The labels of the drawing saved in `body`, a paragraph each ("" if none). Their ids
    (`^a1b2c3d4`) are block ids, which no note shows (markdown.without_block_ids)."""
    start = _TEXT_ELEMENTS.search(body)
    if start is None:
        return ""
    end = _SECTION_END.search(body, start.end())
    labels = body[start.end(): end.start() if end else len(body)]
    return "\n\n".join(label.strip() for label in labels.split("\n\n") if label.strip())
