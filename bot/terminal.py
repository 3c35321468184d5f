"""A `Reply` as plain terminal text, for `cloudai ask` and `cloudai chat`."""

from __future__ import annotations

import re
import textwrap
import unicodedata

from .models import Reply
from .render import Dialect, Link, convert

_BACKTICKS = re.compile(r"`+")


def columns(text: str) -> int:
    """How many terminal columns `text` takes: a CJK character takes two ("模型部署" is
    underlined with eight "=", not four)."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class Terminal(Dialect):
    """Markdown as a terminal shows it, for the walker in bot/render.py: no bold or italic marks,
    code in backticks and ``` fences (never wrapped), a link as `label (url)`, headings
    underlined, paragraphs wrapped to `width` (table rows, `|…`, are left whole)."""

    strike_marks = ("~~", "~~")  # struck text must not read as current

    def __init__(self, width: int = 88) -> None:
        self.width = width

    def code(self, code: str) -> str:
        return f"`` {code} ``" if "`" in code else f"`{code}`"

    def code_block(self, code: str, info: str) -> str:
        longest = max((len(m.group(0)) for m in _BACKTICKS.finditer(code)), default=0)
        fence = "`" * max(3, longest + 1)  # longer than any run inside: the code is copied as it is
        body = code if not code or code.endswith("\n") else code + "\n"
        return f"{fence}{info}\n{body}{fence}"

    def link(self, link: Link) -> str:
        shown = link.url.removeprefix("mailto:")
        if link.autolink or not link.label.strip() or link.names_its_url or link.plain == shown:  # (a mailto: address)
            return shown
        return f"{link.label} ({shown})"  # the target is shown whatever the label says

    def heading(self, level: int, text: str) -> str:
        if not text:
            return ""
        return text + "\n" + ("=" if level == 1 else "-") * max(columns(line) for line in text.split("\n"))

    def paragraph(self, text: str, indent: int) -> str:
        room = max(self.width - indent, 20)
        out: list[str] = []
        for line in text.split("\n"):
            if len(line) <= room or line.lstrip().startswith("|"):
                out.append(line)
            else:
                out.extend(textwrap.wrap(line, room, break_long_words=False, break_on_hyphens=False))
        return "\n".join(out)


def render(reply: Reply, width: int = 88) -> str:
    lines = [reply.title, "=" * min(columns(reply.title), width), ""]
    body = convert(reply.body, Terminal(width), links=not reply.no_match)
    if body:
        lines.append(body)
    if reply.sources:
        lines += ["", "Sources:"]
        lines += [f"  - {s.label}  ({s.path}#{s.anchor})" for s in reply.sources]
    if reply.suggestions:
        lines += ["", "Did you mean: " + " · ".join(reply.suggestions)]
    if reply.related:
        lines += ["", "Related: " + " · ".join(reply.related)]
    return "\n".join(lines).rstrip() + "\n"
