"""Inline HTML in a reply, written as the Markdown it stands for.

Documentation often carries a little HTML (`<code>`, `<b>`, `<br>`, `<img>`, `<p align>`,
`<details>`): the renderer shows HTML as text and never interprets it, so replies showed the
raw tags ("run <code>deployctl rollback</code> …<br>"). Here `<code>`/`<kbd>` become code
spans, `<b>`/`<strong>` bold, `<i>`/`<em>` italics, `<summary>` a bold line, `<br>` a line
break (a space inside a table row); images and layout tags (`<p>`, `<div>`, `<span>`,
`<details>`, `<center>`, `<sup>`, `<sub>`) go and their text stays; attributes go with their
tags. Any other tag (`<script>`) is still shown as text. Code spans, fenced code and an
escaped `\\<b>` keep their tags as written. Only what a reply shows changes: the index reads
the documents as they are.
"""

from __future__ import annotations

import re

from .markdown import fence_spans, outside_code_spans

# the tags handled, in lower case as documents write them (a case-blind search is 2x slower)
_HINT = re.compile(r"</?(?:br|code|kbd|b|strong|i|em|img|p|div|span|details|summary|center|sup|sub)\b")
_PAIRED = re.compile(r"(?<!\\)<(code|kbd|b|strong|i|em|summary)\b[^<>]*>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)
_BREAK = re.compile(r"(?<!\\)<br\s*/?>", re.IGNORECASE)
_TABLE_ROW = re.compile(r"^[ \t]*\|[^\n]*<br[^\n]*$", re.MULTILINE | re.IGNORECASE)
_DROPPED = re.compile(r"(?<!\\)(?:</?(?:p|div|span|details|center|sup|sub|summary|code|kbd|b|strong|i|em)\b[^<>]*>"
                      r"|<img\b[^<>]*>)", re.IGNORECASE)
_MARKS = {"code": "`", "kbd": "`", "b": "**", "strong": "**", "i": "*", "em": "*"}


def html_as_markdown(markdown: str) -> str:
    """`markdown` with the inline HTML above written as Markdown, code left as written."""
    if "<" not in markdown or not _HINT.search(markdown):
        return markdown
    text = "\n" + markdown
    out: list[str] = []
    last = 0
    for start, end in fence_spans(text)[0]:
        out.append(_prose(text[last:start]))
        out.append(text[start:end])
        last = end
    out.append(_prose(text[last:]))
    return "".join(out)[1:]


def _prose(text: str) -> str:
    if "<" not in text or not _HINT.search(text):
        return text
    if "|" in text:
        text = _TABLE_ROW.sub(lambda m: _BREAK.sub(" ", m.group(0)), text)
    return outside_code_spans(text, _tags)


def _tags(text: str) -> str:
    if "<" not in text:
        return text
    text = _PAIRED.sub(_span, text)
    text = _BREAK.sub("\n", text)
    return _DROPPED.sub("", text)


def _span(m: re.Match[str]) -> str:
    tag, inner = m.group(1).lower(), m.group(2).strip()
    if not inner:
        return ""
    if tag == "summary":
        return f"**{inner}**"
    mark = _MARKS[tag]
    return inner if mark == "`" and "`" in inner else f"{mark}{inner}{mark}"
