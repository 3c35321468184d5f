"""Inline HTML in a reply, written as the Markdown it stands for.

Documentation often carries a little HTML (`<code>`, `<b>`, `<br>`, `<img>`, `<p align>`,
`<details>`): the renderer shows HTML as text and never interprets it, so replies showed the
raw tags ("run <code>deployctl rollback</code> …<br>"). Here `<code>`/`<kbd>` become code
spans, `<b>`/`<strong>` bold, `<i>`/`<em>` italics, `<summary>` a bold line, `<br>` a line
break (a space inside a table row), `<a href>` a Markdown link (its tag may run over lines:
`<a\nhref=…>`); images (a stray `</img>` too) and layout tags (`<p>`, `<div>`, `<span>`,
`<details>`, `<center>`, `<sup>`, `<sub>`, `<abbr title>`, `<small>`, `<font>`, `<mark>`,
`<u>`, `<ins>`, `<blockquote>`, `<button>`) go and their text stays; attributes go with their tags.
Block HTML becomes what a chat shows: a table row a line of cells (`| a | b |`), `<li>` a
list item, `<h1>`–`<h6>` a bold line. A site's component (`<Badge text="v2" />`) goes, its
text kept. Any other tag (`<script>`) is still shown as text.
Code spans, fenced code and an escaped `\\<b>` keep their tags as written. Only what a reply
shows changes, and the one-line outline of a parent's children (bot/sections.py): the
index reads the documents as they are.
"""

from __future__ import annotations

import html
import re

from .markdown import COMPONENT_TAG, HARD_BREAK, code_spans_masked, outside_code_spans, outside_fences, without_components

# the tags handled, in lower case as documents write them (a case-blind search is 2x slower)
_HINT = re.compile(r"</?(?:a|br|code|kbd|b|strong|i|em|img|p|div|span|details|summary|center|sup|sub|abbr|small|font|mark|u|ins"
                   r"|blockquote|button|table|thead|tbody|tr|th|td|ul|ol|li|h[1-6])\b")
# An element's content never runs past another opening of its tag: each search then stops at
# the next one, so a text of many unclosed tags costs time in proportion to its length
# ("<b>" * 20,000 took 23 s with a plain `.*?`).
_PAIRED = re.compile(r"(?<!\\)<(code|kbd|b|strong|i|em|summary)\b[^<>]*>((?:(?!<\1\b).)*?)</\1\s*>",
                     re.IGNORECASE | re.DOTALL)
_BREAK = re.compile(r"(?<!\\)</?br\s*/?>", re.IGNORECASE)  # a stray </br> too
_TABLE_ROW = re.compile(r"^[ \t]*\|[^\n]*</?br[^\n]*$", re.MULTILINE | re.IGNORECASE)
_LINK = re.compile(r"(?<!\\)<a\b([^<>]*)>((?:(?!<a\b).)*?)</a\s*>", re.IGNORECASE | re.DOTALL)
_HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_DROPPED = re.compile(r"(?<!\\)(?:</?(?:a|p|div|span|details|center|sup|sub|abbr|small|font|mark|u|ins|blockquote|button|summary|code|kbd|b"
                      r"|strong|i|em)\b[^<>]*>"
                      r"|</?img\b[^<>]*>)", re.IGNORECASE)
_MARKS = {"code": "`", "kbd": "`", "b": "**", "strong": "**", "i": "*", "em": "*"}
# block HTML: a table row becomes a line of cells, a list item a Markdown item, a heading a bold line
_ROW = re.compile(r"(?<!\\)<tr\b[^<>]*>((?:(?!<tr\b).)*?)</tr\s*>", re.IGNORECASE | re.DOTALL)
_CELL = re.compile(r"<t([hd])\b[^<>]*>((?:(?!<t[hd]\b).)*?)</t[hd]\s*>", re.IGNORECASE | re.DOTALL)
_ITEM = re.compile(r"(?<!\\)<li\b[^<>]*>((?:(?!<li\b).)*?)</li\s*>", re.IGNORECASE | re.DOTALL)
_HEADING = re.compile(r"(?<!\\)<h([1-6])\b[^<>]*>((?:(?!<h[1-6]\b).)*?)</h\1\s*>", re.IGNORECASE | re.DOTALL)
# An HTML block as CommonMark reads one: a line opening with a block tag, to the next blank line.
# Inside it indentation means nothing (it is HTML), so a cell's content indented 8 spaces is no
# code once its tags are gone: a table cut between passages left `<td>` lines shown as code.
HTML_BLOCK = re.compile(r"^[ \t]{0,3}</?(?:table|thead|tbody|tfoot|tr|td|th|ul|ol|li|dl|dt|dd|div|p|details|summary"
                         r"|blockquote|center|section|figure|h[1-6])\b[^\n]*(?:\n[^\n]*\S[^\n]*)*", re.IGNORECASE | re.MULTILINE)
_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)
HTML_UNIT_END = re.compile(r"</(?:tr|li|dt|dd|p|div|details)\s*>\s*$", re.IGNORECASE)  # a line closing a row or an item
_CELL_OPEN = re.compile(r"<t[hd]\b", re.IGNORECASE)
_EDGE = "\ue010"  # marks the ends of the lines made from block HTML until they are laid out (private use)
_BLOCK_TAGS = re.compile(r"(?<!\\)</?(?:table|thead|tbody|tfoot|colgroup|col|ul|ol|li|tr|th|td)\b[^<>]*>[ \t]*\n?",
                         re.IGNORECASE)  # what is left of them (a nested list's, a cut table's) goes


def html_as_markdown(markdown: str) -> str:
    """`markdown` with the inline HTML above written as Markdown, code left as written."""
    if "<" not in markdown or not (_HINT.search(markdown) or COMPONENT_TAG.search(markdown)):
        return markdown
    return outside_fences(markdown, _prose)


def _prose(text: str) -> str:
    if "<" not in text:
        return text
    if COMPONENT_TAG.search(text):  # a site's component (`<Badge text="v2" />`): drawn by the site
        text = code_spans_masked(text, without_components)
    if not _HINT.search(text):
        return text
    if "|" in text:
        text = _TABLE_ROW.sub(lambda m: _BREAK.sub(" ", m.group(0)), text)
    text = outside_code_spans(text, _code_tags)  # `<code><li></code>` is code, not a list item
    text = code_spans_masked(text, _blocks)
    return outside_code_spans(text, _tags)


def _code_tags(text: str) -> str:
    return _PAIRED.sub(lambda m: _span(m) if m.group(1).lower() in ("code", "kbd") else m.group(0), text)


def _blocks(text: str) -> str:
    """Block HTML as Markdown lines: `<tr>` a row of cells (`| a | b |`, as a Markdown table
    reads in a chat), `<li>` an item, `<h2>` a bold line; the table and list tags go."""
    if "<" not in text:
        return text
    text = HTML_BLOCK.sub(lambda m: m.group(0) if "<pre" in m.group(0) else _INDENT.sub("", m.group(0)),
                           text.replace(_EDGE, ""))
    text = _ROW.sub(_row, text)
    text = _ITEM.sub(lambda m: f"{_EDGE}- {_line(m.group(1))}{_EDGE}", text)
    text = _HEADING.sub(lambda m: f"\n\n**{_line(m.group(2))}**\n\n", text)  # a paragraph of its own
    # what is left of them goes; a cell's tag leaves a space between cells (a row cut in two)
    return _lay_out(_BLOCK_TAGS.sub(lambda m: " " if _CELL_OPEN.match(m.group(0)) else "", text))


def _lay_out(text: str) -> str:
    """The lines made from block HTML (each between two _EDGEs) one under another, without
    the gaps and indents the HTML had between them, and a blank line from the text around."""
    pieces = text.split(_EDGE)  # text, line, gap, line, …, line, text
    if len(pieces) < 3:
        return text
    out = pieces[0].rstrip()
    for i in range(1, len(pieces) - 1, 2):
        gap = pieces[i - 1].strip() if i > 1 else None
        if gap:
            out += "\n\n" + gap
        out += ("\n" if gap == "" else "\n\n") + pieces[i]
    return out + "\n\n" + pieces[-1].lstrip()


def _row(m: re.Match[str]) -> str:
    cells = [_line(c.group(2)).replace("|", "\\|") for c in _CELL.finditer(m.group(1))]
    return f"{_EDGE}| {' | '.join(cells)} |{_EDGE}" if cells else ""


def _line(html: str) -> str:
    """An element's content as one line of Markdown (its inline tags converted, nested
    lists and breaks flattened)."""
    inner = _ITEM.sub(lambda m: f" {m.group(1)}", html)
    return " ".join(_tags(_BLOCK_TAGS.sub(" ", inner)).split())


def _tags(text: str) -> str:
    if "<" not in text:
        return text
    text = _PAIRED.sub(_span, text)
    text = _LINK.sub(_link, text)
    text = _BREAK.sub(HARD_BREAK, text)
    return _DROPPED.sub("", text)


def _link(m: re.Match[str]) -> str:
    """`<a href="url">text</a>` as `[text](url)`; an anchor without a target is its text."""
    inner = " ".join(m.group(2).split())
    href = _HREF.search(m.group(1))
    url = (href.group(1) if href.group(1) is not None else href.group(2)).strip() if href else ""
    if not inner or not url or any(c in url for c in " ()<>"):
        return inner
    return f"[{inner}]({url})"


def _span(m: re.Match[str]) -> str:
    tag, inner = m.group(1).lower(), m.group(2).strip()
    if not inner:
        return ""
    if tag == "summary":
        return f"**{inner}**"
    mark = _MARKS[tag]
    if mark == "`" and "&" in inner:  # a code span shows "&lt;" as written: HTML showed "<"
        inner = html.unescape(inner)
    return inner if mark == "`" and "`" in inner else f"{mark}{inner}{mark}"
