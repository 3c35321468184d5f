"""Chat-sized Markdown: cut text at a natural boundary and say where the rest is.

Replies must fit a chat message and still read well, so text is cut after a paragraph,
a list item or a sentence — never mid-word, never inside an open code fence.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from .markdown import fence_marker, fence_spans, without_edge_rules

_SENTENCE_END = re.compile(r"(?<=[.!?:])\s")
# text ending on a colon, maybe inside emphasis: "**Here's a glimpse of what is coming:**"
_INTRODUCES = re.compile(r":([*_]*)\Z")
# image tags at the end of a text: a chat shows none of them (bot/inlinehtml.py)
_TRAILING_IMAGES = re.compile(r"(?:\s*<img\b[^<>]*>(?:\s*</img\s*>)?)+\s*\Z", re.IGNORECASE)
# Two code blocks in a row, in two declared languages and this alike (rapidfuzz ratio), are
# one example written twice: Node's docs give each as `mjs` then `cjs` (ratio 60–100 for
# 388 of their 404 such pairs); blocks told apart by prose, or in one language, are steps.
SAME_EXAMPLE = 60


def one_example(markdown: str) -> str:
    """`markdown` without a code block that repeats the block just above it in another
    language (the same example as an ES module and as CommonJS): a chat reply shows an
    example once, and the source has the other."""
    text = "\n" + markdown
    spans = fence_spans(text)[0]
    if len(spans) < 2:
        return markdown
    kept, out, at = spans[0], [], 0
    for span in spans[1:]:
        first, second = text[kept[0]:kept[1]], text[span[0]:span[1]]
        language = _language(second)
        if (not text[kept[1]:span[0]].strip() and language and language != _language(first)
                and fuzz.ratio(first, second) >= SAME_EXAMPLE):
            out.append(text[at:kept[1]])
            at = span[1]
            continue
        kept = span
    out.append(text[at:])
    return "".join(out)[1:]


def _language(block: str) -> str:
    """The language a fenced block declares on its opening line ("mjs"), or ""."""
    info = block.split("\n", 1)[0].lstrip(" `~").split()
    return info[0] if info else ""


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
    out = without_dangling_intro(head[:cut]).rstrip(":;, ")  # a line introducing what was cut away goes too
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


def without_dangling_intro(markdown: str) -> str:
    """`markdown` without the lines at its end that introduce what it does not hold: what
    was cut away, or what the site filled in from a file the documents lack ("… mounted at
    the path `/subapi`:" above FastAPI's included example). A reply never stops on a colon;
    a lone line keeps its words. A colon inside emphasis counts: "3. **AI and ML Services:**",
    a list item whose sub-items were cut, introduces them as much as a plain colon does. So
    does one above an image tag (FastAPI's "… shown in the API docs:" over a screenshot):
    a chat shows no image tag. A thematic break at the end parts nothing and goes too."""
    out = markdown
    while True:
        out = without_edge_rules(_TRAILING_IMAGES.sub("", out) if "<img" in out.lower() else out)
        if not (_INTRODUCES.search(out) and "\n" in out):
            return _INTRODUCES.sub(r"\1", out)
        out = out[: out.rfind("\n")]


APOLOGY = "Something went wrong while answering. Please try again in a moment."


def shortened_note(source_label: str | None) -> str:
    """The pointer placed under an answer cut to fit a message."""
    if source_label:
        return f"_Answer shortened — the rest is in **{source_label}**._"
    return "_Answer shortened._"
