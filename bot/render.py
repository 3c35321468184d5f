"""Where the code is in a reply's Markdown, read once by markdown-it-py for every dialect.

Slack mrkdwn, Discord Markdown and the terminal each rewrite prose (bold, links, bullets,
escapes) but must copy code exactly. Which lines are code is decided here, by a CommonMark
parser, so all three agree with each other and with the loader (bot/markdown.py), which treats
both ``` and ~~~ fences as code: `pieces` cuts a Markdown text into prose and fenced code, and
`as_backtick_fence` writes a fence the way Slack and Discord understand (they know only ```).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+$")  # markdown-it-py's lines: \r\n, \r and \n each end one
_FENCE_MARK = re.compile(r"^([ \t>]*)(`{3,}|~{3,})")
_CLOSING_MARK = re.compile(r"^([ \t>]*)(`{3,}|~{3,})([ \t]*)$")


@lru_cache(maxsize=1)
def _parser() -> "MarkdownIt":
    from markdown_it import MarkdownIt  # only once a reply holds a fence: most never do

    return MarkdownIt("commonmark")


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of the text: prose, or one whole fenced code block (its marker lines included)."""

    text: str
    code: bool


def split_lines(markdown: str) -> list[str]:
    """The lines of `markdown` as markdown-it-py counts them, each with its line ending."""
    return _LINE.findall(markdown)


def fence_lines(markdown: str) -> list[tuple[int, int]]:
    """(first line, line after the last) of every fenced code block, ``` or ~~~, as CommonMark
    reads them (in lists and quotes too; an unclosed fence runs to the end of the text)."""
    if "```" not in markdown and "~~~" not in markdown:
        return []
    return [(t.map[0], t.map[1]) for t in _parser().parse(markdown) if t.type == "fence" and t.map]


def pieces(markdown: str) -> list[Piece]:
    """`markdown` as alternating prose and fenced code; joined, the pieces are the text again."""
    spans = fence_lines(markdown)
    if not spans:
        return [Piece(markdown, False)] if markdown else []
    lines = split_lines(markdown)
    out: list[Piece] = []
    pos = 0
    for start, end in spans:
        if start > pos:
            out.append(Piece("".join(lines[pos:start]), False))
        out.append(Piece("".join(lines[start:end]), True))
        pos = end
    if pos < len(lines):
        out.append(Piece("".join(lines[pos:]), False))
    return out


def as_backtick_fence(code: str) -> str:
    """A fenced block (a `Piece` with `code`) with ``` markers: a ~~~ fence is rewritten, and a
    run of three backticks inside it broken (a zero-width space), so it cannot end the block."""
    lines = split_lines(code)
    m = _FENCE_MARK.match(lines[0]) if lines else None
    if m is None or m.group(2)[0] == "`":
        return code
    tildes = m.group(2)
    first = m.group(1) + "```" + lines[0][m.end():]
    if not first.endswith("\n"):
        first += "\n"
    inner, last = lines[1:], ""
    if inner:
        close = _CLOSING_MARK.match(inner[-1].rstrip("\n"))
        if close and close.group(2)[0] == "~" and len(close.group(2)) >= len(tildes):
            last = close.group(1) + "```" + inner[-1][len(close.group(0).rstrip(" \t")):]
            inner = inner[:-1]
    body = "".join(inner).replace("```", "`\u200b``")
    if not last:  # an unclosed ~~~ fence runs to the end of the text: close it there
        last = ("" if not body or body.endswith("\n") else "\n") + m.group(1) + "```"
    return first + body + last
