"""Chat-sized Markdown: cut text at a natural boundary and say where the rest is.

Replies must fit a chat message and still read well, so text is cut after a paragraph,
a list item or a sentence — never mid-word, never inside an open code fence.
"""

from __future__ import annotations

import re

from .markdown import fence_marker, fence_spans

_SENTENCE_END = re.compile(r"(?<=[.!?:])\s")


def shorten(markdown: str, limit: int) -> tuple[str, bool]:
    """`markdown` cut to at most `limit` characters at the best boundary; (text, was_cut)."""
    text = markdown.strip()
    if len(text) <= limit:
        return text, False
    room = max(limit - 3, 1)  # space for " …" (or "\n\n…" below a code block)
    head = text[:room]
    cut = -1
    for boundary in ("\n\n", "\n- ", "\n* ", "\n+ ", "\n"):
        pos = head.rfind(boundary)
        if pos >= room * 0.4:
            cut = pos
            break
    if cut < 0:
        ends = [m.start() for m in _SENTENCE_END.finditer(head)]
        cut = ends[-1] if ends and ends[-1] >= room * 0.3 else head.rfind(" ")
    if cut <= 0:
        cut = room
    out = head[:cut].rstrip()
    while out.endswith(":") and "\n" in out:  # a line introducing what was cut away goes too
        out = out[: out.rfind("\n")].rstrip()
    out = out.rstrip(":;, ")
    fence = fence_spans("\n" + out)[1]
    if fence:  # an open code fence: close it, and say "…" below it (a closing fence line
        ending = f"\n{fence}\n\n…"  # holds nothing else: "``` …" left the fence open)
        if len(out) + len(ending) > limit:
            out = out[: max(limit - len(ending), 0)].rstrip()
        if fence_spans("\n" + out)[1] == fence:
            return out + ending, True
    if fence_marker(out.rsplit("\n", 1)[-1]):  # cut just after a code block: "…" below it too
        return out + "\n\n…", True
    return (out if out.endswith("…") else out + " …"), True


APOLOGY = "Something went wrong while answering. Please try again in a moment."


def shortened_note(source_label: str | None) -> str:
    """The pointer placed under an answer cut to fit a message."""
    if source_label:
        return f"_Answer shortened — the rest is in **{source_label}**._"
    return "_Answer shortened._"
