"""Turn a Markdown body into clean, heading-delimited segments.

What users see must be clean whatever the source: Hugo shortcodes, HTML anchors and
backslash escapes are removed, reference-style links are resolved and wiki links become
their display text. Fenced code blocks are copied verbatim and are never split or
searched for headings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .models import WikiLink

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*$")
_ATX_EMPTY = re.compile(r"^\s{0,3}(#{1,6})\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_REF_DEF = re.compile(r"^\s{0,3}\[([^\]]+)\]:\s*<?(\S+?)>?(?:\s+[\"'(].*)?\s*$")
_SHORTCODE = re.compile(r"\{\{[<%].*?[%>]\}\}", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_ANCHOR = re.compile(r"""<a\s+(?:name|id)\s*=\s*["']([^"']*)["']\s*/?>\s*(?:</a>)?""", re.IGNORECASE)
_HEADING_ID = re.compile(r"\s*\{#([^}\s]+)[^}]*\}\s*$")
_ESCAPE = re.compile(r"\\(?=[!\"#$%&'()*+,\-./:;<=>?@\[\]^_`{|}~])")
_WIKI = re.compile(r"!?\[\[([^\]|#]*)(?:#([^\]|]*))?(?:\|([^\]]*))?\]\]")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[([^\]]*)\]")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_INLINE_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


@dataclass(slots=True)
class Segment:
    """The lines under one heading, up to the next heading of any level."""

    level: int  # 0 for text before the first heading
    heading: str
    anchor: str
    lines: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ParsedMarkdown:
    segments: list[Segment]
    links: list[WikiLink]
    repairs: list[str]


def slugify(text: str) -> str:
    """GitHub-style anchor: lower case, punctuation dropped, spaces to hyphens."""
    slug = re.sub(r"[^\w\- ]", "", text.lower()).strip()
    return re.sub(r"[\s]+", "-", slug)


def plain_heading(text: str) -> str:
    """A heading as words: emphasis, links, code ticks and trailing colons dropped."""
    text = _INLINE_LINK.sub(r"\1", text)
    text = _EMPHASIS.sub(r"\2", text)
    text = text.replace("`", "").strip().strip("*_ ").rstrip(":").strip()
    return re.sub(r"\s+", " ", text)


LINK_OPEN, LINK_CLOSE = "\ue000", "\ue001"  # mark wiki-link text until titles are known
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)")  # closing run as long as the opening one


def unescape(text: str) -> str:
    """Undo Markdown backslash escapes: `\\.` is `.`, and `\\\\` is one backslash."""
    if "\\\\" in text:
        return "\\".join(_ESCAPE.sub("", part) for part in text.split("\\\\"))
    return _ESCAPE.sub("", text)


def _clean_inline(line: str, refs: dict[str, str], links: list[WikiLink]) -> str:
    """Clean one line outside code fences; inline code spans are left exactly as written."""
    if "`" not in line:
        return _clean_prose(line, refs, links)
    out: list[str] = []
    pos = 0
    for m in _CODE_SPAN.finditer(line):
        out.append(_clean_prose(line[pos:m.start()], refs, links))
        out.append(m.group(0))
        pos = m.end()
    out.append(_clean_prose(line[pos:], refs, links))
    return "".join(out)


def _clean_prose(line: str, refs: dict[str, str], links: list[WikiLink]) -> str:
    def wiki(m: re.Match[str]) -> str:
        link = WikiLink(m.group(1).strip(), (m.group(2) or "").strip(), (m.group(3) or "").strip())
        links.append(link)
        return f"{LINK_OPEN}{link.display}{LINK_CLOSE}"

    def ref(m: re.Match[str]) -> str:
        label = (m.group(2) or m.group(1)).strip().lower()
        url = refs.get(label)
        return f"[{m.group(1)}]({url})" if url else m.group(1)

    if "[[" in line:
        line = _WIKI.sub(wiki, line)
    if "][" in line:
        line = _REF_LINK.sub(ref, line)
    if "<a" in line or "<A" in line:
        line = _ANCHOR.sub("", line)
    if "\\" in line:
        line = unescape(line)
    return line


def parse(body: str) -> ParsedMarkdown:
    """Split `body` into segments at headings outside fenced code, cleaning as it goes."""
    repairs: list[str] = []
    links: list[WikiLink] = []
    if "{{" in body:
        body = _SHORTCODE.sub("", body)
    if "<!--" in body:
        body = _COMMENT.sub("", body)
    raw_lines = body.split("\n")
    # Whole-body checks first, so most lines take the fast path below.
    has_fences = "```" in body or "~~~" in body

    def fence_of(line: str) -> re.Match[str] | None:
        head = line[:6]
        return _FENCE.match(line) if has_fences and ("`" in head or "~" in head) else None

    # Reference definitions first: a link may be used above its definition.
    refs: dict[str, str] = {}
    fence: str | None = None
    keep = [True] * len(raw_lines)
    if "]:" in body:
        for i, line in enumerate(raw_lines):
            m = fence_of(line)
            if m:
                fence = _toggle_fence(fence, m.group(1))
                continue
            if fence is None and line[:1] in " [" and "]:" in line:
                d = _REF_DEF.match(line)
                if d:
                    refs[d.group(1).strip().lower()] = d.group(2)
                    keep[i] = False

    segments = [Segment(0, "", "")]
    lines = segments[0].lines
    fence = None
    prev_text = False
    for i, line in enumerate(raw_lines):
        if not keep[i]:
            continue
        m = fence_of(line)
        if m:
            fence = _toggle_fence(fence, m.group(1))
            lines.append(line)
            prev_text = False
            continue
        if fence is not None:
            lines.append(line)
            continue
        first = line.lstrip()[:1]
        if first == "#":
            h = _ATX.match(line)
            if h and not _ATX_EMPTY.match(line):
                segments.append(Segment(len(h.group(1)), *_heading(h.group(2), refs, links)))
                lines = segments[-1].lines
                prev_text = False
                continue
        elif prev_text and first in ("=", "-") and lines:
            s = _SETEXT.match(line)
            if s and not lines[-1].lstrip().startswith(("-", "*", "+", ">", "|")):
                title = lines.pop()
                segments.append(Segment(1 if s.group(1)[0] == "=" else 2, *_heading(title, refs, links)))
                lines = segments[-1].lines
                prev_text = False
                continue
        if not first:
            lines.append(line)
            prev_text = False
            continue
        lines.append(_clean_inline(line, refs, links))
        prev_text = True
    if fence is not None:
        repairs.append("unclosed code fence closed at end of file")
        segments[-1].lines.append(fence)
    return ParsedMarkdown(segments, links, repairs)


def _heading(raw: str, refs: dict[str, str], links: list[WikiLink]) -> tuple[str, str]:
    """A heading's clean text (wiki links as plain words) and its explicit anchor."""
    heading, anchor = _heading_parts(raw)
    text = _clean_inline(heading, refs, links).replace(LINK_OPEN, "").replace(LINK_CLOSE, "")
    return text, anchor


def _toggle_fence(open_fence: str | None, marker: str) -> str | None:
    if open_fence is None:
        return marker
    if marker[0] == open_fence[0] and len(marker) >= len(open_fence):
        return None
    return open_fence


def _heading_parts(raw: str) -> tuple[str, str]:
    """Heading text without closing hashes, `{#id}` or `<a name>`, and the anchor they gave."""
    anchor = ""
    m = _ANCHOR.search(raw)
    if m:
        anchor = m.group(1)
        raw = _ANCHOR.sub("", raw)
    m = _HEADING_ID.search(raw)
    if m:
        anchor = anchor or m.group(1)
        raw = raw[: m.start()]
    raw = re.sub(r"\s+#+\s*$", "", raw)
    if "\\" in raw:
        raw = unescape(raw)
    return plain_heading(raw.replace(LINK_OPEN, "").replace(LINK_CLOSE, "")), anchor


def finish_links(text: str, names: dict[str, str]) -> str:
    """Wiki-link text as its final display: renamed where `names` says, markers removed."""
    if LINK_OPEN not in text:
        return text
    for old, new in names.items():
        text = text.replace(f"{LINK_OPEN}{old}{LINK_CLOSE}", new)
    return text.replace(LINK_OPEN, "").replace(LINK_CLOSE, "")


def blocks(lines: list[str]) -> list[str]:
    """Paragraph-level blocks: runs of lines between blank lines; a code fence is one block."""
    out: list[str] = []
    cur: list[str] = []
    fence: str | None = None
    for line in lines:
        m = _FENCE.match(line)
        if m:
            fence = _toggle_fence(fence, m.group(1))
            cur.append(line)
            continue
        if fence is None and not line.strip():
            if cur:
                out.append("\n".join(cur))
                cur = []
            continue
        cur.append(line)
    if cur:
        out.append("\n".join(cur))
    return out


def index_text(markdown: str) -> str:
    """The words of `markdown` for indexing: link targets and HTML tags left out."""
    text = _INLINE_LINK.sub(r"\1", markdown)
    if "<" in text:
        text = re.sub(r"<[^>\n]{1,200}>", " ", text)
    return text


def strip_markup(markdown: str) -> str:
    """One-line prose for summaries: no emphasis, links or list markers (code spans kept)."""
    text = _INLINE_LINK.sub(r"\1", markdown)
    text = _EMPHASIS.sub(r"\2", text)
    text = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", text, flags=re.MULTILINE)
    return re.sub(r"\s+", " ", text).strip()
