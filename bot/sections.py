"""Cut documents into sections that can each answer a question on their own.

- One section per heading, with its heading path; a document's single H1 is its title,
  so what sits under it is the document's intro.
- A parent heading whose own text is short shows an outline of its children, so
  "best practices" can answer with the whole list.
- Bold-led list items (`- **GPU Acceleration:** …`) become small sections of their own.
- Long text (and documents with no headings) is cut into passages of one to three
  paragraphs, never inside a fenced code block.
- An embed (`![[Note]]`) standing on its own line shows the note's text there, once the
  text is cut up (so passages and outlines are of the section's own text); the index reads
  only its name: the note's words are found where they are written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from .inlinehtml import HTML_BLOCK, HTML_UNIT_END, html_as_markdown
from .loader import LoadedFile
from .markdown import (
    EMBED_MARK,
    ListItems,
    Segment,
    blocks,
    finish_links,
    holds,
    is_table,
    plain_heading,
    slugify,
    strip_markup,
    table_head,
    without_block_ids,
    without_edge_rules,
)
from .models import Document, Section, SectionKind

PASSAGE_MAX = 1200  # characters: a chat-sized answer
PASSAGE_TARGET = 700  # stop growing a passage once it is this long
ROLLUP_OWN_MAX = 400  # a parent with less own text than this shows its children's outline
OUTLINE_MAX_CHILDREN = 12

# a version or date heading: 1.2, v1.2.3, Version 2.0, [1.0.0] - 2017-06-20, 0.88.0 (2023-01-02), 2024-01-21, December 20, 2020
_VERSION_HEADING = re.compile(
    r"\[?(?:v|version\s*|release\s*)?\d+\.\d+(?:\.\d+)*(?:[-.]?(?:a|b|rc|alpha|beta|post|dev)\d*)?\]?(?:\s*[-–—(:,].*)?$"
    r"|\d{4}-\d{2}-\d{2}\b.*$"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?:\d{1,2},?\s+)?\d{4}$", re.IGNORECASE)
_VERSION_START = frozenset("0123456789[")  # (a quick test first: the pattern is tried on few headings)
_NAMED_VERSION_START = frozenset("vVrRjJfFmMaAsSoOnNdD")  # "v1.2", "Release 1.2", "December 20, 2020"
_ITEM = re.compile(r"^(\s*)(?:[-*+]|\d{1,3}[.)])\s+(?:\*\*|__)(.{2,80}?)(?:\*\*|__)\s*(.*)$")
_LIST_LINE = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
_LIST_START = re.compile(r"\n[ \t]*(?:[-*+]|\d{1,3}[.)])[ \t]+\S[^\n]*\n[ \t]*(?:[-*+]|\d{1,3}[.)])[ \t]")  # two items in a row
_BOLD_LINE = re.compile(r"(\*\*|__)[^*_\n]+\1:?")  # a label in bold ("**Topics**")
LIST_LABEL_MAX = 40  # characters: a line as short as this before a list is its label ("In this section:")
_FIGURE = re.compile(
    r"[$€£]\s?\d|\d(?:[.,]\d+)?\s?(?:%|percent\b|billion\b|million\b|trillion\b)|\bCAGR\b|\bmarket size\b",
    re.IGNORECASE,
)
# an amount of money: "$0.90", "€ 12", "0.5 USD", "3 cents" (a price, or a sum a figure states)
_PRICE = re.compile(r"[$€£¥]\s?\d|\d(?:[.,]\d+)?\s?(?:USD|EUR|GBP|dollars?|euros?|cents?)\b")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9*\[`])")


@dataclass(slots=True)
class _Node:
    level: int
    heading: str
    anchor: str
    own: str
    path: tuple[str, ...]
    parent: int | None


@dataclass(frozen=True, slots=True)
class Embed:
    """What an embed (`![[Note]]`) reads as: in the index, its `name`; on a line of its own,
    `text` (the note's, bot/embeds.py), or the name when that is empty; inside a sentence,
    `inline` (a Logseq block reference's: the block) or else the name."""

    name: str
    text: str
    inline: str | None = None


def build_sections(files: list[LoadedFile],
                   link_names: Callable[[Document], dict[str, str]] | None = None,
                   embeds: Callable[[Document], dict[str, Embed]] | None = None) -> list[Section]:
    """All sections of all files, ids in order (a section's id is its list index).

    `link_names` gives, per document, better display text for its wiki links (a link to
    a file name reads as that document's title); `embeds` what its embeds show, by their
    display text.
    """
    out: list[Section] = []
    for f in files:
        names = link_names(f.document) if link_names else {}
        first = len(out)
        _document_sections(f.document, f.markdown.segments, out, names)
        if any(link.embed for link in f.document.links):
            shown = embeds(f.document) if embeds else {}
            for sec in out[first:]:
                _place_embeds(sec, shown)
    return out


# an embed on a line of its own, or as all of a list item (Logseq's blocks, Obsidian lists)
_EMBED_LINE = re.compile(rf"^(?P<lead>[ \t]*(?:(?:[-*+]|\d{{1,9}}[.)])[ \t]+)?){EMBED_MARK.pattern}[ \t]*$", re.MULTILINE)


def _place_embeds(sec: Section, shown: dict[str, Embed]) -> None:
    """The section's embeds as they read: an embed on a line (or a list item) of its own as
    the text it shows, any other (inside a sentence, an outline line) as its name; the index
    reads names only."""
    if EMBED_MARK.search(sec.text) is None:
        return

    def name(m: re.Match[str]) -> str:
        return shown[m.group(1)].name if m.group(1) in shown else m.group(1)

    def inline(m: re.Match[str]) -> str:
        embed = shown.get(m.group(1))
        return embed.inline if embed is not None and embed.inline is not None else name(m)

    def text(m: re.Match[str]) -> str:  # (group 2: EMBED_MARK's display text, after the lead)
        embed = shown.get(m.group(2))
        lead = m.group("lead")
        if embed is None or not embed.text:
            return lead + (embed.name if embed is not None else m.group(2))
        first, _, rest = embed.text.partition("\n")
        item = bool(lead.strip())  # all of a list item: its title is the item, the text under it
        indent = " " * len(lead)
        body = "\n".join(f"{indent}{line}" if line.strip() else "" for line in
                         (rest.lstrip("\n") if item else rest).split("\n"))  # (a tight list stays tight)
        placed = f"{lead}{first}\n{body}".rstrip()
        if item:  # it stays in its list
            return placed
        before = "" if m.string[max(m.start() - 2, 0):m.start()] in ("\n\n", "\n", "") else "\n"  # a blank line
        after = "" if m.string[m.end():m.end() + 2] in ("\n\n", "\n", "") else "\n"  # on either side
        return f"{before}{placed}{after}"

    sec.indexed = EMBED_MARK.sub(name, sec.text)
    sec.text = EMBED_MARK.sub(inline, _EMBED_LINE.sub(text, sec.text))
    if sec.text == sec.indexed:
        sec.indexed = None


def _document_sections(doc: Document, segments: list[Segment], out: list[Section],
                       names: dict[str, str]) -> None:
    segments = _merge_title_heading(segments)
    nodes: list[_Node] = []
    stack: list[int] = []  # indices into nodes of open headings
    titled = bool(segments) and segments[0].level == 0 and bool(segments[0].anchor)
    for seg in segments:
        own = without_block_ids(finish_links(seg.text.strip("\n"), names))
        if seg.level == 0:
            nodes.append(_Node(0, "", seg.anchor, own, (), None))
            continue
        while stack and nodes[stack[-1]].level >= seg.level:
            stack.pop()
        # Under a title heading, the intro is the parent of the top-level headings.
        parent = stack[-1] if stack else (0 if titled else None)
        path = (nodes[parent].path if parent is not None else ()) + (seg.heading or "(untitled)",)
        nodes.append(_Node(seg.level, seg.heading, seg.anchor, own, path, parent))
        stack.append(len(nodes) - 1)

    children: dict[int, list[int]] = {}
    for i, n in enumerate(nodes):
        if n.parent is not None:
            children.setdefault(n.parent, []).append(i)

    anchors: dict[str, int] = {}
    node_section: dict[int, int] = {}
    for i, n in enumerate(nodes):
        kids = children.get(i, [])
        if not n.own.strip() and not kids:
            continue
        parent_sid = node_section.get(n.parent) if n.parent is not None else None
        anchor = _unique(n.anchor or slugify(n.heading) or "top", anchors)
        kind: SectionKind = "heading" if n.level else "intro"
        depth = len(n.path)
        own = without_edge_rules(n.own)  # (stripped too)
        outline = ""
        if kids and len(bare := _without_list_of(own, [nodes[k].heading for k in kids])) < ROLLUP_OWN_MAX:
            own, outline = bare, _outline([nodes[k] for k in kids])
        parts = _passages(own) if len(own) > PASSAGE_MAX or (kind == "intro" and not n.heading and len(nodes) == 1) else [own]
        first_sid = len(out)
        for p, part in enumerate(parts):
            text = part
            if p == len(parts) - 1 and outline:
                text = f"{part}\n\n{outline}".strip()
            if not text.strip():
                continue
            sec = Section(
                id=len(out), doc=doc, heading=n.heading, path=n.path, anchor=anchor, text=text,
                kind=kind if p == 0 else "passage", depth=depth,
                parent=parent_sid if p == 0 else first_sid,
            )
            out.append(sec)
            if p == 0:
                node_section[i] = sec.id
                if parent_sid is not None:
                    out[parent_sid].children.append(sec.id)
        for sid, part in zip(range(first_sid, len(out)), [p for p in parts if p.strip()] or [""]):
            _item_sections(out[sid], part, out)  # items of its own text, not of the outline


def has_figures(text: str) -> bool:
    """Market figures or statistics: money, percentages, millions/billions, CAGR."""
    if not any(c in text for c in "$€£%") and "illion" not in text and "CAGR" not in text and "percent" not in text:
        return False
    return bool(_FIGURE.search(text))


def has_prices(text: str) -> bool:
    """An amount of money in `text`: what a question asking what something costs needs."""
    return bool(_PRICE.search(text))


def _merge_title_heading(segments: list[Segment]) -> list[Segment]:
    """A document's only H1, when it is the first heading, is its title: fold it into the intro."""
    h1 = [s for s in segments if s.level == 1]
    first = next((s for s in segments if s.level), None)
    if len(h1) != 1 or first is not h1[0]:
        return segments
    intro = segments[0]
    merged = Segment(0, "", first.anchor or slugify(first.heading) or "top", f"{intro.text}\n\n{first.text}")
    return [merged] + [s for s in segments[1:] if s is not first]


def _unique(anchor: str, seen: dict[str, int]) -> str:
    n = seen.get(anchor, 0)
    seen[anchor] = n + 1
    return anchor if n == 0 else f"{anchor}-{n}"


NAVIGATION_HEADINGS = frozenset({
    "related", "see also", "references", "further reading", "next steps", "next", "what's next", "whats next",
    "related topics", "related articles", "related content", "related links", "related resources", "related pages",
    "learn more", "resources", "additional resources", "more resources", "more information", "for more information",
    "useful links", "links", "external links", "read more", "more reading",
})


def is_navigation(heading: str) -> bool:
    """Headings such as "Related" or "See also" list links, not knowledge."""
    return heading.strip().strip(":.").strip().lower().replace("’", "'") in NAVIGATION_HEADINGS


def _outline(kids: list[_Node]) -> str:
    lines = []
    kids = [k for k in kids if not is_navigation(k.heading)]
    for k in kids[:OUTLINE_MAX_CHILDREN]:
        first = first_sentence(k.own, 140)
        if not k.heading:  # a heading of nothing but an anchor (`### <a name="x"></a>`): its sentence alone
            lines.extend([f"- {first}"] if first else [])
            continue
        lines.append(f"- **{k.heading}**" + (f": {first}" if first else ""))
    if len(kids) > OUTLINE_MAX_CHILDREN:
        lines.append(f"- … and {len(kids) - OUTLINE_MAX_CHILDREN} more")
    return "\n".join(lines)


def first_sentence(markdown: str, limit: int = 160) -> str:
    """The first sentence of some Markdown as plain text, cut at a word near `limit`.

    A sentence that introduces a list ("Compare providers on three points:") is finished
    with the list's item labels, so an outline line never ends on a dangling colon; a section
    that opens with a list is summed up by its items' labels too ("caching, retries, …"), not
    by its items run together as one line ("caching - cached outputs … retries - set …"). Code and
    tables are no sentence (a table without outer pipes either: "Options | Type"). Inline
    HTML is read as the Markdown it stands for first (bot/inlinehtml.py): an image tag
    written over three lines after a sentence was cut to "… in the UI <img…".
    """
    parts = (b for b in blocks(markdown) if not b.lstrip().startswith(("```", "~~~", "<")) and not is_table(b))
    for block in parts:  # (read as far as needed: a long section's later blocks are not looked at)
        text = strip_markup(html_as_markdown(block))
        if not text:
            continue
        sentence = _list_gist(block) if _LIST_LINE.match(block) else _SENTENCE_END.split(text, maxsplit=1)[0]
        if not sentence:  # (a list whose items hold nothing but nested ones)
            continue
        if sentence.endswith(":"):
            following = next(parts, None)
            items = _list_labels(following) if following is not None else []
            sentence = f"{sentence} {', '.join(items)}." if items else sentence[:-1].rstrip() + "…"
        if len(sentence) <= limit:
            return sentence
        return sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:…") + "…"
    return ""


def _without_list_of(own: str, headings: list[str]) -> str:
    """A parent's own text without a list that only names its children (AWS's "**Topics**"
    list of links into the page), and that list's label line: the outline shown in its place
    names them again, each with its first sentence, and a reply said it twice."""
    if "\n" not in own or not _LIST_START.search(own):  # (a quick look first)
        return own
    names: set[str] | None = None
    parts = blocks(own)
    for i, block in enumerate(parts):
        lines = [line for line in block.split("\n") if line.strip()]
        items = [line for line in lines if _LIST_LINE.match(line)]
        label = [line for line in lines if not _LIST_LINE.match(line)]  # at most one short line: "**Topics**"
        if len(items) < 2 or len(label) > 1 or any(len(line) > LIST_LABEL_MAX for line in label):
            continue
        names = names if names is not None else {_words(h) for h in headings if h}  # (headings are plain already)
        if all(_words(plain_heading(_LIST_LINE.sub("", item))) in names for item in items):
            label_line = not label and i and "\n" not in parts[i - 1] and len(parts[i - 1]) <= LIST_LABEL_MAX \
                and (parts[i - 1].rstrip().endswith(":") or _BOLD_LINE.fullmatch(parts[i - 1].strip()) is not None)
            return "\n\n".join(parts[:i - 1 if label_line else i] + parts[i + 1:])
    return own


def _words(text: str) -> str:
    """Plain text as a name to compare: its words, in lower case."""
    return " ".join(text.casefold().split())


def _list_gist(block: str) -> str:
    """A list as one sentence: items led by a bold label that names something ("**caching** -
    …") by their labels, joined by commas; other items (a label that is a figure, "**$44.97
    billion**: size of …", says nothing alone) by their first sentences, joined by semicolons.
    One item is its own sentence. A nested item is its parent's detail."""
    depth = len(block) - len(block.lstrip())
    items: list[list[str]] = []
    nested = False
    for line in block.split("\n"):
        if _LIST_LINE.match(line):
            nested = len(line) - len(line.lstrip()) > depth
            if not nested:
                items.append([line])
                continue
        if items and not nested:
            items[-1].append(line.strip())  # (an item's text wrapped onto more lines)
    if len(items) > 1 and all(_ITEM.match(lines[0]) for lines in items):
        names = _list_labels("\n".join(lines[0] for lines in items))
        if all(name[:1].isalpha() and "," not in name for name in names):  # (not figures: "$44.97 billion")
            return ", ".join(names) + "."
    sentences = [_SENTENCE_END.split(strip_markup(html_as_markdown(_LIST_LINE.sub("", " ".join(lines)))), maxsplit=1)[0]
                 for lines in items]
    if len(sentences) == 1:
        return sentences[0]
    joined = "; ".join(s.rstrip(".;:") for s in sentences if s)
    return joined + "." if joined else ""


def _list_labels(block: str) -> list[str]:
    """The items of a Markdown list, each by its bold label or else its text (an item's
    inline HTML read as Markdown: `<a href=…>The WebSocket class</a>` is its text)."""
    out = []
    for line in html_as_markdown(block).split("\n"):
        if not _LIST_LINE.match(line):
            continue
        m = _ITEM.match(line)
        out.append(plain_heading(m.group(2)).rstrip(":") if m else strip_markup(_LIST_LINE.sub("", line)).rstrip(".;:"))
    return out


def _passages(text: str) -> list[str]:
    """Group paragraphs into passages of about one to three, each at most PASSAGE_MAX chars.

    A paragraph that introduces what follows ("… do the following:") stays with it: the
    passage goes on if it has room, or else the paragraph opens the next one (with no room
    even then, that passage runs over PASSAGE_MAX). A passage ending on the colon was an
    answer that stopped where the steps began. A passage that opens inside a list item is
    dedented (`_out_of_list`).
    """
    out: list[str] = []
    cur: list[str] = []
    size = 0
    for block in _fit_blocks(blocks(text)):
        if cur and _is_subheading(block) and not _is_subheading(cur[-1]):  # it opens what follows, as a heading would
            out.append("\n\n".join(cur))
            cur, size = [], 0
        if cur and (size + len(block) > PASSAGE_MAX or size >= PASSAGE_TARGET or len(cur) >= 3 and size >= 200):
            if not cur[-1].rstrip().endswith(":"):
                out.append("\n\n".join(cur))
                cur, size = [], 0
            elif size + len(block) > PASSAGE_MAX and len(cur) > 1:  # no room: the intro opens the next
                intro = cur.pop()
                out.append("\n\n".join(cur))
                cur, size = [intro], len(intro) + 2
        cur.append(block)
        size += len(block) + 2
    if cur:
        out.append("\n\n".join(cur))
    if not any(part.startswith("    ") for part in out[1:]):
        return out
    whole, starts = ListItems("\n" + "\n\n".join(out)), [0]  # where each passage opens in it, less its newline
    for part in out[:-1]:
        starts.append(starts[-1] + len(part) + 2)
    return [_out_of_list(part, whole, at) if k else part for k, (part, at) in enumerate(zip(out, starts))]


def _is_subheading(block: str) -> bool:
    """Is this paragraph a question in bold: a FAQ's "**Who pays for idle notebooks?**", a
    heading in all but name (its answer follows it)."""
    line = block.strip()
    return line.startswith(("**", "__")) and line.rstrip("*_").endswith("?") and _BOLD_LINE.fullmatch(line) is not None


def _out_of_list(passage: str, whole: ListItems, newline: int) -> str:
    """A passage that opens inside a list item, its first lines indented as the item's content
    (AWS's and Kubeflow's steps: "   1. Paste this:" / "      ```"), dedented: on its own an
    indent of 4 or more reads as a code block (302 passages showed prose, or a code fence's
    backticks, in a code box). `whole` is the section's passages, this one after `newline`."""
    if not passage.startswith("    "):
        return passage
    indent = len(passage) - len(passage.lstrip(" "))
    if not whole.within(newline, indent):
        return passage
    lines = passage.split("\n")
    for i, line in enumerate(lines):
        if line.strip() and not line.startswith(" " * indent):  # the item's content ends
            return "\n".join(_dedent(lines[:i], indent) + lines[i:])
    return "\n".join(_dedent(lines, indent))


def _fit_blocks(items: list[str]) -> list[str]:
    """Blocks longer than a passage are cut at line breaks (a code fence is closed and reopened,
    a table's header rows open each part: rows without them are no table, and say nothing of
    what their columns hold; an HTML table is cut between rows, `_cut_units`)."""
    out: list[str] = []
    for block in items:
        if len(block) <= PASSAGE_MAX:
            out.append(block)
            continue
        lines = _cut_units(block)
        fence = lines[0].strip()[:3] if lines[0].lstrip().startswith(("```", "~~~")) else ""
        pad = lines[0][:len(lines[0]) - len(lines[0].lstrip())]  # (a fence in a list item: closed and reopened as indented)
        head = [] if fence else table_head(block)
        cur: list[str] = []
        size = 0
        for i, line in enumerate(lines):
            if cur and size + len(line) > PASSAGE_MAX - 8:
                # a label over what follows ("**Note**", "… as follows:") goes with it, not at the end
                carried = [cur.pop()] if not fence and len(cur) > 1 and _labels_what_follows(cur[-1]) else []
                chunk = "\n".join(cur)
                if fence and not chunk.rstrip().endswith(fence):
                    chunk += f"\n{pad}{fence}"
                out.append(chunk)
                cur, size = ([lines[0].rstrip()] if fence and line.strip() != fence else []), len(lines[0])
                if head:
                    cur, size = list(head), sum(len(row) + 1 for row in head)
                cur += carried
                size += sum(len(c) + 1 for c in carried)
            if len(line) > PASSAGE_MAX - 8 and not fence:
                pieces = _sentences_within(line, PASSAGE_MAX - 8)
                out.extend(pieces[:-1])
                line = pieces[-1]
            cur.append(line)
            size += len(cur[-1]) + 1
            if fence and i and line.strip() == fence:  # the fence closed: what follows it is prose
                fence = ""
        if cur and "\n".join(cur).strip() not in ("", fence):
            out.append("\n".join(cur))
    return out


def _labels_what_follows(line: str) -> bool:
    """Is this line a label over the lines after it: a bold word alone (AWS's "**Note**  "
    over its note) or a line ending on a colon? A long block cut just after it showed the
    label with nothing under it."""
    text = _LIST_LINE.sub("", line).strip()
    return text.endswith(":") or _BOLD_LINE.fullmatch(text) is not None


def _cut_units(block: str) -> list[str]:
    """Where a long block may be cut: between its lines; in an HTML block (CommonMark: from a
    line opening with a block tag to a blank line), only after a row or an item closes, and its
    lines dedented, as indentation means nothing in HTML: Kubeflow's tables, cut mid-row,
    gave passages opening with an indented `<td>` line, which reads as code."""
    lines = block.split("\n")
    if "<pre" in block or not HTML_BLOCK.match(lines[0].lstrip()):  # (indented: in a list item)
        return lines
    units: list[str] = []
    unit: list[str] = []
    for line in lines:
        unit.append(line.strip())
        if HTML_UNIT_END.search(line):
            units.extend(["\n".join(unit)] if sum(map(len, unit)) < PASSAGE_MAX - 8 else unit)
            unit = []
    return units + unit


def _sentences_within(line: str, limit: int) -> list[str]:
    """One long line as pieces of whole sentences (words, if a sentence is longer than `limit`)."""
    pieces: list[str] = []
    cur = ""
    for sentence in _SENTENCE_END.split(line):
        while len(sentence) > limit:
            cut = sentence.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            if cur:
                pieces.append(cur)
                cur = ""
            pieces.append(sentence[:cut])
            sentence = sentence[cut:].lstrip()
        if cur and len(cur) + 1 + len(sentence) > limit:
            pieces.append(cur)
            cur = sentence
        else:
            cur = f"{cur} {sentence}" if cur else sentence
    if cur:
        pieces.append(cur)
    return pieces or [""]


def _item_sections(sec: Section, own_text: str, out: list[Section]) -> None:
    """Each bold-led list item of `sec`'s own text becomes a child section (nested items nest)."""
    if not holds(own_text, "**") and not holds(own_text, "__"):
        return
    lines = own_text.split("\n")
    stack: list[tuple[int, int]] = []  # (indent, section id) of open items
    in_fence = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        m = None if in_fence else _ITEM.match(line)
        if not m:
            i += 1
            continue
        indent = len(m.group(1).expandtabs(4))
        label = plain_heading(m.group(2))
        end = i + 1
        while end < len(lines):
            nxt = lines[end]
            if nxt.strip():
                nxt_indent = len(nxt) - len(nxt.lstrip())
                if nxt_indent <= indent and (_LIST_LINE.match(nxt) or nxt_indent == 0):
                    break
            end += 1
        body = "\n".join(_dedent(lines[i:end], indent)).strip()
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = out[stack[-1][1]] if stack else sec
        if label and len(body) > len(label) + 8:
            item = Section(
                id=len(out), doc=sec.doc, heading=label, path=parent.path + (label,),
                anchor=sec.anchor, text=body, kind="item", depth=parent.depth + 1,
                parent=parent.id,
            )
            out.append(item)
            stack.append((indent, item.id))
        i += 1


def _dedent(lines: list[str], indent: int) -> list[str]:
    return [ln[indent:] if ln[:indent].strip() == "" else ln.lstrip() for ln in lines]


_LINK = re.compile(r"\[[^\]\n]*\]\([^)\n]*\)|\[\[[^\]\n]*\]\]|<https?://[^>\s]+>|https?://\S+")


def next_passage(sections: list[Section], sec: Section) -> Section | None:
    """The passage after `sec` of the section it is part of (a long section is cut into
    passages, given ids one after another), or None: `sec` is all of it or its last part."""
    head = sec.parent if sec.kind == "passage" else sec.id
    after = sections[sec.id + 1] if sec.id + 1 < len(sections) else None
    return after if after is not None and after.kind == "passage" and after.parent == head else None


def is_version_heading(heading: str) -> bool:
    """Does `heading` name a version or a date ("0.88.0", "[1.2.0] - 2024-01-21", "v2.3",
    "December 20, 2020")?"""
    return bool(heading) and (heading[0] in _VERSION_START or heading[0] in _NAMED_VERSION_START and heading[-1].isdigit()) \
        and _VERSION_HEADING.match(heading) is not None


def changelog_entries(sections: list[Section]) -> list[bool]:
    """Per section: is it an entry of a changelog (release notes, a history page), that is,
    under a version or date heading ("0.88.0", "[1.2.0] - 2024-01-21", "v2.3", "December
    20, 2020") in a document with several of them, or that document's intro. An entry
    names what changed in a line or two, so the words of a how-to question meet there more
    densely than in the page that answers it: "how do I publish to PyPI" was answered by
    "Fix the default token variable name for publishing to PyPI". The retriever ranks
    entries only for a question about versions or changes, or one nothing else matches."""
    versions: dict[int, set[str]] = {}  # per document (by id): its version headings
    for sec in sections:
        if is_version_heading(sec.heading):
            versions.setdefault(id(sec.doc), set()).add(sec.heading)
    changelogs = {doc: found for doc, found in versions.items() if len(found) >= 2}
    out = [False] * len(sections)
    if changelogs:
        for i, sec in enumerate(sections):  # its entries, and its intro (which lists them)
            found = changelogs.get(id(sec.doc))
            out[i] = found is not None and (sec.kind == "intro" or any(h in found for h in sec.path))
    return out


def is_navigation_section(sec: Section) -> bool:
    """A section that points elsewhere instead of saying something: a navigation heading
    ("See also", "Next steps") or a text that is mostly links. It feeds related topics,
    never an answer."""
    if is_navigation(sec.heading):
        return True
    text = sec.text
    if "](" not in text and "http" not in text:
        return False
    prose = _LINK.sub("", text)
    return len(strip_markup(prose)) < 0.3 * len(strip_markup(text) or " ")
