"""What a document's Markdown means that CommonMark reads otherwise, mended before a reply
is rendered (bot/render.py; the index reads the words alike either way):

- bold spaced inside one end, as AWS's docs write it (`**Default role **fields`): bold;
- a highlight (`==40 GPU hours==`: Obsidian, PyMdown's mark): bold, as a chat has no highlight;
- a task item (`- [ ] ask finance`, `- [x] move to spot`): a box, ☐ or ☑;
- an Obsidian block id ending a line (`… for experiments. ^budget-rule`), a name for links to
  that line: gone;
- a Dataview inline field inside a sentence, as Dataview shows it: `[target:: 120 ms]` is
  "target: 120 ms", `(target:: 120 ms)` its value alone (a field on a line of its own,
  `owner:: Alice`, stays as written).

Code, fenced or in a span, is left exactly as written.
"""

from __future__ import annotations

import re

from .markdown import code_spans_masked, outside_fences

_HIGHLIGHT = re.compile(r"(?<![=\w])==(?=[^\s=])([^=\n]*?[^\s=])==(?![=\w])")
_TASK = re.compile(r"^([ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+)\[([ xX])\](?=[ \t])", re.MULTILINE)
_BLOCK_ID = re.compile(r"[ \t]+\^(?=[\w-]*[A-Za-z])[\w-]+[ \t]*$", re.MULTILINE)
# [key:: value] / (key:: value), not a link's text ("[a:: b](url)") nor C++'s "std::vector"
_FIELD = r"([A-Za-z][\w -]{0,39}?)::[ \t]+([^\][()\n]*?)[ \t]*"  # key:: value
_INLINE_FIELD = re.compile(rf"\[{_FIELD}\](?![(\[])|\({_FIELD}\)")
_HINT = re.compile(r"\*\*|==|\[[ xX]\]|\^|:: ")


def as_meant(markdown: str) -> str:
    """`markdown` with the marks above read as meant, outside code."""
    if not _HINT.search(markdown):
        return markdown
    return outside_fences(markdown, lambda prose: code_spans_masked(prose, _prose_as_meant))


def _prose_as_meant(prose: str) -> str:
    prose = _strong_mended_paragraphs(prose)
    if "==" in prose:
        prose = _HIGHLIGHT.sub(r"**\1**", prose)
    if "[" in prose:
        prose = _TASK.sub(lambda m: m.group(1) + ("☐" if m.group(2) == " " else "☑"), prose)
    if "^" in prose:
        prose = _BLOCK_ID.sub("", prose)
    if ":: " in prose:
        prose = _INLINE_FIELD.sub(lambda m: f"{m.group(1)}: {m.group(2)}" if m.group(1) else m.group(4), prose)
    return prose


_STRONG_RUN = re.compile(r"(?<![*\\])\*\*(?!\*)")  # `**` alone (not in `***`, not escaped)
_STRONG_HINT = re.compile(r"\S[ \t\xa0]\*\*|\*\*[ \t\xa0]\S")  # (AWS spaces with a no-break space too)
_PARAGRAPH_BREAK = re.compile(r"(\n[ \t]*\n)")


def _strong_mended_paragraphs(prose: str) -> str:
    """Bold written with a space inside one of its ends mended: AWS's docs write `**Default
    execution role **fields` and `**Q. Will I …? **` (98 of SageMaker's sections), which
    CommonMark does not read as bold, so a reply showed the asterisks. Within a paragraph
    whose `**` runs pair up, a pair with a space inside exactly one end has that space moved
    outside it. Both ends spaced (`2 ** 3 and 4 ** 5`) or a line indented as code is left."""
    if "**" not in prose or not _STRONG_HINT.search(prose):
        return prose
    return "".join(_strong_mended(part) if i % 2 == 0 else part for i, part in enumerate(_PARAGRAPH_BREAK.split(prose)))


def _strong_mended(paragraph: str) -> str:
    runs = [m.start() for m in _STRONG_RUN.finditer(paragraph)]
    if len(runs) < 2 or len(runs) % 2 or not _STRONG_HINT.search(paragraph):
        return paragraph
    out, last = [], 0
    for open_at, close_at in zip(runs[::2], runs[1::2]):
        inner = paragraph[open_at + 2:close_at]
        word = inner.strip()
        lead, trail = inner[:len(inner) - len(inner.lstrip())], inner[len(inner.rstrip()):]
        line_start = paragraph.rfind("\n", 0, open_at) + 1
        if not word or bool(lead) == bool(trail) or paragraph.startswith("    ", line_start):
            continue
        before, after = paragraph[open_at - 1:open_at], paragraph[close_at + 2:close_at + 3]
        lead = "" if before.isspace() or not before else lead  # no space doubled: "**x **" ends a line
        trail = "" if after.isspace() or not after else trail
        out.append(f"{paragraph[last:open_at]}{lead}**{word}**{trail}")
        last = close_at + 2
    out.append(paragraph[last:])
    return "".join(out)
