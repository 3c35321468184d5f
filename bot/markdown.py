"""Turn a Markdown body into clean, heading-delimited segments.

What users see must be clean whatever the source: Hugo shortcodes, HTML anchors and
backslash escapes are removed, reference-style links are resolved and wiki links become
their display text. Fenced code blocks are copied verbatim and are never split or
searched for headings.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial

from .models import WikiLink

# a fence may open on a list item's line ("- ```"): missed, its closing line opened a fence
# that ran to the end of the document
_FENCE = re.compile(r"^\s{0,3}(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?(`{3,}|~{3,})")
_SHORTCODE = (re.compile(r"\{\{[<%]"), re.compile(r"[%>]\}\}"))  # Hugo: {{< name >}} / {{% name %}}, opener and closer
# one Hugo shortcode tag on one line: its name and its parameters
SHORTCODE_TAG = re.compile(r"\{\{([<%])[ \t]*([A-Za-z][\w-]*)([^\n{}]*?)[ \t]*[%>]\}\}")
_SHORTCODE_PARAMS = {key: re.compile(rf"""(?:^|\s){key}=(?:"([^"\n]*)"|'([^'\n]*)'|([^\s"']+))""")
                     for key in ("text", "term_id", "name", "header", "title", "state", "for_k8s_version", "caption",
                                 "lang", "codelang")}
FIRST_ARGUMENT = re.compile(r"""^\s*(?:"([^"\n]*)"|'([^'\n]*)'|([^\s"'=]+)(?=\s|$))""")
# Hugo's `heading` shortcode (Kubernetes' docs and the sites built from them) shows the English
# string of its key: `## {{% heading "whatsnext" %}}` is the heading "What's next"
_HEADING_KEYS = {
    "whatsnext": "What's next", "prerequisites": "Before you begin", "objectives": "Objectives",
    "cleanup": "Cleaning up", "synopsis": "Synopsis", "options": "Options", "seealso": "See Also",
    "examples": "Examples", "envvars": "Environment variables", "feedback": "Feedback",
}
# comments, as (opener, closer): HTML; Obsidian's %% a note to self %% (one line or several);
# MDX's {/* … */} (Docusaurus reads .md as MDX too)
_COMMENT = (re.compile("<!--"), re.compile("-->"))
_NOTE_COMMENT = (re.compile("%%"), re.compile("%%"))
_MDX_COMMENT = (re.compile(r"\{/\*"), re.compile(r"\*/\}"))
# a code block that is an Obsidian plugin's query (Dataview, Tasks, the core search): the app
# shows what it finds, a chat could only show the query
_QUERY_FENCE = re.compile(r"[ \t]*(?:`{3,}|~{3,})[ \t]*(?:dataview|dataviewjs|tasks|query)[ \t]*(?=\n|$)")
# what a page carries for the browser, not the reader: a script, a style sheet, an embedded
# frame or video (Hugo and MkDocs pages: a calendar's JavaScript was answered as text)
# (tags in lower case, as documents write them: a case-blind search of every page costs more)
_BROWSER_TAGS = ("script", "style", "iframe", "video", "noscript")
_BROWSER_HINT = re.compile(rf"<(?:{'|'.join(_BROWSER_TAGS)})\b")
_BROWSER_CODE = tuple((tag, (re.compile(rf"<{tag}\b"), re.compile(rf"</{tag}\s*>"))) for tag in _BROWSER_TAGS)
# a line holding nothing but layout tags (`<div class="table-responsive">`, `</div>`): it wraps
# what it holds for the site's style sheet, and parted a sentence from the table it introduces
_LAYOUT_TAG = r"</?(?:div|span|section|figure|center|p|hr)\b"
_LAYOUT_HINT = re.compile(rf"\n {{0,3}}{_LAYOUT_TAG}")
_LAYOUT_LINE = re.compile(rf"\n {{0,3}}(?:{_LAYOUT_TAG}[^<>\n]*>[ \t]*)+(?=\n|$)")
_ANCHOR = re.compile(r"""<a\s+(?:name|id)\s*=\s*["']([^"']*)["']\s*/?>\s*(?:</a>)?""", re.IGNORECASE)
# a trailing attribute list: {#id}, {#id .class}, {: .class} (Python-Markdown attr_list, kramdown)
# a heading's attribute list, `{#id}`, `{: .class}`, `{ style="display:none" }` (no "{" inside: read once)
_HEADING_ATTRIBUTES = re.compile(r"\s*\{:?[ \t]*(?=[#.]|[A-Za-z_][\w-]*=)([^{}]*)\}\s*$")
_HEADING_ID = re.compile(r"(?:^|\s)#([^{}\s]+)")
ICON_START = r":(?:material|octicons|fontawesome|simple)-"  # how a MkDocs Material icon begins
# ...and one whole, ":octicons-file-code-24:", with the attribute list that sizes it (Material's
# grid cards: ":material-clock-fast:{ .lg .middle }")
ICON = re.compile(rf"\s*{ICON_START}[a-z0-9-]+:(?:\{{[ \t]*[.#][^{{}}\n]*\}})?")
_ESCAPE = re.compile(r"\\(?=[!\"#$%&'()*+,\-./:;<=>?@\[\]^_`{|}~])")
# [[Note]], [[Note#Heading]], [[Note|shown text]]; in a table the bar is escaped, [[Note\|shown]] (no "["
# inside: a page name cannot hold one, and a run of unclosed "[[" is read once, not once per "[[")
_WIKI = re.compile(r"!?\[\[([^\][|#]*?)(?:#([^\][|]*?))?(?:\\?\|([^\][]*))?\]\]")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[([^\]]*)\]")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
# in a heading, single emphasis and strikethrough too ("The _Black_ code style", "~~Async SQL~~
# (deprecated)"), never inside a word (snake_case)
_HEADING_EMPHASIS = re.compile(r"(?<![\w\\])(\*\*|__|~~|\*|_)(?=\S)(.+?)(?<=\S)\1(?!\w)")
_INLINE_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
# the inline HTML a heading may carry (a heading's text is its words: `List<T>` keeps its <T>)
_INLINE_TAG = re.compile(r"</?(?:a|abbr|b|br|code|del|em|font|i|img|kbd|mark|s|small|span|strong|sub|sup|u)\b[^<>]*>",
                         re.IGNORECASE)
# a component tag (VitePress, Docusaurus, MDX: `<Badge type="tip" text="v2" />`), which the site
# draws: capitalised, and self-closing or with attributes (so `Option<T>` keeps its <T>), or
# closing one and, then, its bare opener (`<Tip>…</Tip>`)
COMPONENT_TAG = re.compile(r"<[A-Z][\w.]*(?:\s[^<>]*)?/>|<[A-Z][\w.]*\s+[\w:-]+=[^<>]*>|</([A-Z][\w.]*)\s*>")
_BARE_COMPONENT = re.compile(r"<([A-Z][\w.]*)>")
_CLOSING_HASHES = re.compile(r"\s+#+\s*$")
_SPACES = re.compile(r"\s+")
_SETEXT_MARK = re.compile(r"\n[ =-]")  # a line that could underline a setext heading
# A line break that stays one: a chat shows the plain line breaks of a paragraph wrapped by an
# editor as spaces (bot/render.py), so text composed as "label, then its text on the next
# line" ends the label's line with two spaces, CommonMark's hard break
HARD_BREAK = "  \n"
RULE_LINE = re.compile(r"[ \t]{0,3}(?:-(?:[ \t]*-){2,}|\*(?:[ \t]*\*){2,}|_(?:[ \t]*_){2,})[ \t]*")  # a thematic break
# a table's delimiter row, with or without its outer pipes ("--- | :---:" as well as "|---|---|")
_TABLE_DELIMITER = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*")


@dataclass(slots=True)
class Segment:
    """The text under one heading, up to the next heading of any level."""

    level: int  # 0 for text before the first heading
    heading: str
    anchor: str
    text: str = ""  # kept whole: sections use it as one string, so it is never split to lines


@dataclass(slots=True)
class ParsedMarkdown:
    segments: list[Segment]
    links: list[WikiLink]
    repairs: list[str]
    blocks: dict[str, str] = field(default_factory=dict)  # Logseq block ids it defines: id → text (bot/outliner.py)


def is_table(block: str) -> bool:
    """Is this block of Markdown a table: a row led by a pipe, or a delimiter row under its
    first line ("Option | Type" over "--- | ---": GFM lets the outer pipes go)?"""
    lines = block.strip("\n").split("\n", 2)
    return lines[0].lstrip().startswith("|") or (len(lines) > 1 and _TABLE_DELIMITER.fullmatch(lines[1]) is not None)


def without_edge_rules(text: str) -> str:
    """`text`, stripped, without thematic breaks (`-----`, `***`) before or after it: under a
    heading they are decoration, and an answer opened with a rule; at the end of a reply cut
    short it parted nothing from what was cut away ("--- …")."""
    text = text.strip()
    while text[:1] in ("-", "*", "_"):  # ("" is none of them)
        end = text.find("\n")
        if not RULE_LINE.fullmatch(text if end < 0 else text[:end]):
            break
        text = "" if end < 0 else text[end + 1:].lstrip()
    while text[-1:] in ("-", "*", "_"):
        start = text.rfind("\n")
        if not RULE_LINE.fullmatch(text[start + 1:]):
            break
        text = text[:max(start, 0)].rstrip()
    return text


def table_head(block: str) -> list[str]:
    """The header and delimiter rows of a table `block` (its first two lines, when the second
    is a delimiter row), or none: what makes a run of its rows a table again."""
    lines = block.split("\n", 2)
    return lines[:2] if len(lines) > 2 and _TABLE_DELIMITER.fullmatch(lines[1]) else []


def holds(text: str, needle: str) -> bool:
    """`needle in text`, but quick when the needle's first character is absent.

    Looking for one character is a memchr, about twenty times faster than CPython's
    search for a longer string; these tests run over every document at load time.
    """
    return needle[0] in text and needle in text


def slugify(text: str) -> str:
    """GitHub-style anchor: lower case, punctuation dropped, spaces to hyphens."""
    slug = re.sub(r"[^\w\- ]", "", text.lower()).strip()
    return re.sub(r"[\s]+", "-", slug)


def name_in_words(name: str) -> str:
    """A file, folder or link target name as words: "server-push" and "server_push" are
    "server push" (how a site titles a page it has no title for)."""
    return " ".join(name.replace("-", " ").replace("_", " ").split())


def plain_heading(text: str) -> str:
    """A heading as words: emphasis, strikethrough, links, inline HTML tags (`<a href=…>Webargs</a>`
    is "Webargs") and component tags (`<Badge text="v2" />`), code ticks and trailing colons dropped."""
    if "<" in text:
        text = outside_code_spans(text, _without_inline_tags)
    if "](" in text:
        text = _INLINE_LINK.sub(r"\1", text)
    if "*" in text or "_" in text or "~~" in text:  # outside code: `__init__` is a name
        text = outside_code_spans(text, _without_emphasis)
    text = text.replace("`", "").strip().strip("* ").rstrip(":").strip()  # (an underscore may begin a name)
    return _SPACES.sub(" ", text)


LINK_OPEN, LINK_CLOSE = "\ue000", "\ue001"  # mark wiki-link text until titles are known
EMBED = "\ue002"  # opens the marked text of an embed (`![[Note]]`): the note's text goes there
_LINK_MARK = re.compile(f"{LINK_OPEN}({EMBED}?)([^{LINK_CLOSE}]*){LINK_CLOSE}")
EMBED_MARK = re.compile(f"{LINK_OPEN}{EMBED}([^{LINK_CLOSE}]*){LINK_CLOSE}")  # group 1: its display text
# a file an embed shows that is no note (an image, a PDF, a recording): a chat shows its alt text at most
_EMBEDDED_FILE = re.compile(r"\.(?:png|jpe?g|gif|svg|webp|bmp|avif|pdf|mp[34]|webm|ogg|wav|m4a|mov|canvas|excalidraw)$",
                            re.IGNORECASE)
_EMBED_SIZE = re.compile(r"\d+(?:x\d+)?")  # `![[diagram.png|300]]`: a width, not alt text
# A code span (its closing run of backticks as long as the opening one), as a group to split
# on. Written to start with a literal backtick so the regex engine skips straight to backticks.
_CODE_SPAN_SPLIT = re.compile(r"(`(`*)(?!`).+?(?<!`)`\2(?!`))")


def _without_inline_tags(text: str) -> str:
    return without_components(_INLINE_TAG.sub("", text))


def without_components(text: str) -> str:
    """`text` without its component tags (COMPONENT_TAG); the text between them stays."""
    closed = {m.group(1) for m in COMPONENT_TAG.finditer(text) if m.group(1)}
    text = COMPONENT_TAG.sub("", text)
    return _BARE_COMPONENT.sub(lambda m: "" if m.group(1) in closed else m.group(0), text) if closed else text


def _without_emphasis(text: str) -> str:
    return _HEADING_EMPHASIS.sub(r"\2", text)


def unescape(text: str) -> str:
    """Undo Markdown backslash escapes: `\\.` is `.`, and `\\\\` is one backslash."""
    if "\\\\" in text:
        return "\\".join(_ESCAPE.sub("", part) for part in text.split("\\\\"))
    return _ESCAPE.sub("", text)


def outside_code_spans(text: str, change: Callable[[str], str]) -> str:
    """`text` with `change` applied to its prose; inline code spans are left exactly as written."""
    if "`" not in text:
        return change(text)
    pieces = _CODE_SPAN_SPLIT.split(text)  # prose, code span, its backticks, prose, …
    pieces[0::3] = [change(p) if p else p for p in pieces[0::3]]
    del pieces[2::3]
    return "".join(pieces)


def code_spans_masked(text: str, change: Callable[[str], str]) -> str:
    """`text` with `change` applied to all of it at once, each inline code span standing in
    as a placeholder meanwhile: for changes that span several lines of prose (an HTML table)
    yet must not touch code. Placeholders are numbers between two private-use characters
    (U+E011), which are taken out of the text first: a document cannot forge one."""
    if "`" not in text:
        return change(text)
    pieces = _CODE_SPAN_SPLIT.split(text.replace("\ue011", ""))  # prose, code span, its backticks, prose, …
    spans = pieces[1::3]
    masked = "".join(p if i % 3 == 0 else (f"\ue011{i // 3}\ue011" if i % 3 == 1 else "") for i, p in enumerate(pieces))
    return re.sub("\ue011(\\d+)\ue011", lambda m: spans[int(m.group(1))], change(masked))


def _clean_inline(line: str, refs: dict[str, str], links: list[WikiLink]) -> str:
    """Clean text outside code fences; inline code spans are left exactly as written."""
    if not _needs_cleaning(line):
        return line  # most text has nothing to clean: skip cutting it around code spans
    if "`" in line and "][" in line:  # a reference link whose text is code: [`PipelineTask`][ref]
        line = code_spans_masked(line, lambda text: _REF_LINK.sub(partial(_ref_text, refs), text))
    return outside_code_spans(line, lambda prose: _clean_prose(prose, refs, links))


def _needs_cleaning(text: str) -> bool:
    """Whether `_clean_prose` could change any part of `text`."""
    return ("\\" in text or holds(text, "[[") or holds(text, "][")
            or holds(text, "<a") or holds(text, "<A"))


def _has_fence(text: str) -> bool:
    """Whether `text` could hold a fenced code block."""
    return holds(text, "```") or holds(text, "~~~")


def _clean_prose(line: str, refs: dict[str, str], links: list[WikiLink]) -> str:
    if "[" in line:  # one-character tests first: they are far cheaper than two-character ones
        if "[[" in line:
            line = _WIKI.sub(partial(_wiki_text, links), line)
        if "][" in line:
            line = _REF_LINK.sub(partial(_ref_text, refs), line)
    if "<" in line and ("<a" in line or "<A" in line):
        line = _ANCHOR.sub("", line)
    if "\\" in line:
        line = unescape(line)
    return line


def _wiki_text(links: list[WikiLink], m: re.Match[str]) -> str:
    """A `[[wiki link]]`, recorded in `links`, as its marked display text; an embed of a note
    marked as one (`EMBED`: the knowledge puts the note's text there), of another file as its
    alt text if it has some."""
    target, heading, alias = m.group(1).strip(), (m.group(2) or "").strip(), (m.group(3) or "").strip()
    embed = m.group(0).startswith("!")
    if embed and _EMBEDDED_FILE.search(target):
        return "" if _EMBED_SIZE.fullmatch(alias) else alias
    link = WikiLink(target, heading, alias, embed=embed)
    links.append(link)
    return f"{LINK_OPEN}{EMBED if embed else ''}{link.display}{LINK_CLOSE}"


def _ref_text(refs: dict[str, str], m: re.Match[str]) -> str:
    """A `[text][label]` link as an inline link when its label is defined, else its text."""
    label = (m.group(2) or m.group(1)).strip().lower()
    url = refs.get(label)
    return f"[{m.group(1)}]({url})" if url else m.group(1)


# Line patterns start with a literal newline (the text is scanned with one prepended) so the
# regex engine jumps from line to line instead of trying every character.
_FENCE_LINE = re.compile(r"\n( {0,3})(`{3,}|~{3,})[^\n]*")
# any fence-like line (`_fences` decides which of those indented 4 or more are fences)
_NESTED_FENCE_LINE = re.compile(r"\n( *)(`{3,}|~{3,})[^\n]*")
_LIST_ITEM = re.compile(r" *(?:[-*+]|\d{1,9}[.)])[ \t]+")  # a list item's marker: its end is the content's column
LIST_ITEM_LOOKBACK = 400  # lines looked back for the list item a fence indented 4 or more is in...
TEXT_LOOKBACK = 20_000  # ...and in all, for one text
_ITEM_FENCE_LINE = re.compile(r"\n( {0,3})(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?(`{3,}|~{3,})[^\n]*")  # as _FENCE
# an ATX heading line, and one with no text (`##`, or what is left of `## {{< param "version" >}}`:
# group 2 None), which a site shows as nothing: the line goes and its section goes on
_ATX_LINE = re.compile(r"\n {0,3}(#{1,6})(?:[ \t]+(\S[^\n]*)|[ \t]*(?=\n|$))")
_UNDERLINE = re.compile(r"\n {0,3}(=+|-+)[ \t]*(?=\n|$)")
# a footnote's text ("[^1]: Specifically, …", lines indented under it going on) and a mark
# referring to it ("…the filesystem[^1]."): a chat has no footnotes, so the text is read where
# the mark is, in brackets
_FOOTNOTE = re.compile(r"\n {0,3}\[\^([^\]\s]+)\]:[ \t]*([^\n]*(?:\n(?= {2}|\t)[ \t]*\S[^\n]*)*)")
_FOOTNOTE_MARK = re.compile(r"[ \t]*\[\^([^\]\s]+)\](?!:)")
_REF_DEF_LINE = re.compile(r"\n {0,3}\[([^\]\n]+)\]:[ \t]*<?(\S+?)>?(?:[ \t]+[\"'(][^\n]*)?[ \t]*(?=\n|$)")


def parse(body: str) -> ParsedMarkdown:
    """Split `body` into segments at headings outside fenced code, cleaning as it goes.

    Works on the whole text with regular expressions (fences, headings, reference
    definitions) rather than line by line: a 1,000-file corpus parses in a fraction of
    the time, which keeps start-up and hot reload fast.
    """
    repairs: list[str] = []
    links: list[WikiLink] = []
    text = "\n" + without_shortcodes_and_comments(body)  # every line, the first included, follows a newline
    fences, unclosed = fence_spans(text)
    if unclosed:
        repairs.append("unclosed code fence closed at end of file")
        text = text + "\n" + unclosed
        fences, _ = fence_spans(text)
    if holds(text, "%%"):  # Obsidian's %% comments %%: a writer's notes to self, never shown
        text, fences = _without(text, fences, _NOTE_COMMENT)
    if holds(text, "{/*"):
        text, fences = _without(text, fences, _MDX_COMMENT)
    if fences:
        text, fences = _cut_spans(text, fences, [(s, e) for s, e in fences if _QUERY_FENCE.match(text, s)])
    if "<" in text:
        text, fences = _without_browser_markup(text, fences)

    if holds(text, "[^"):  # (before reference definitions: "[^1]: Specifically" would read as one)
        text, fences = _with_footnotes_inline(text, fences)
    refs: dict[str, str] = {}
    if holds(text, "]:"):
        definitions = []
        for m in _REF_DEF_LINE.finditer(text):
            if not inside_spans(fences, m.start() + 1):
                refs[m.group(1).strip().lower()] = m.group(2)
                definitions.append((m.start(), m.end()))
        text, fences = _cut_spans(text, fences, definitions)

    marks: list[tuple[int, int, int, str]] = []  # line start, end, level, raw heading text
    if "#" in text:
        found = [m for m in _ATX_LINE.finditer(text) if not inside_spans(fences, m.start() + 1)]
        if any(m.group(2) is None for m in found):
            text, fences = _cut_spans(text, fences, [(m.start(), m.end()) for m in found if m.group(2) is None])
            found = [m for m in _ATX_LINE.finditer(text) if not inside_spans(fences, m.start() + 1)]
        marks.extend((m.start() + 1, m.end(), len(m.group(1)), m.group(2).rstrip()) for m in found if m.group(2))
    if _SETEXT_MARK.search(text):
        for m in _UNDERLINE.finditer(text):  # setext: a text line underlined with === or ---
            line_end = m.start()
            if line_end < 1 or inside_spans(fences, line_end + 1):
                continue
            title_start = text.rfind("\n", 0, line_end) + 1
            title = text[title_start:line_end]
            if (not title.strip() or title.lstrip()[:1] in ("-", "*", "+", ">", "|", "#")
                    or _FENCE_LINE.match("\n" + title) or inside_spans(fences, title_start)):
                continue
            marks.append((title_start, m.end(), 1 if m.group(1)[0] == "=" else 2, title))
    marks.sort()

    segments: list[Segment] = []
    pos, level, heading, anchor = 1, 0, "", ""
    for start, end, lvl, raw in marks:
        if start < pos:
            continue
        segments.append(Segment(level, heading, anchor, _clean_text(text, pos, start, fences, refs, links)))
        heading, anchor = _heading(raw, refs, links)
        level, pos = lvl, end
    segments.append(Segment(level, heading, anchor, _clean_text(text, pos, len(text), fences, refs, links)))
    if segments[0].level:  # text before the first heading is always segment 0, even when empty
        segments.insert(0, Segment(0, "", ""))
    return ParsedMarkdown(segments, links, repairs)


def _with_footnotes_inline(text: str, fences: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """`text` with each footnote's text (`_FOOTNOTE`, in prose) in brackets where its first
    mark is (a later mark goes), and its fences, found again: "…the filesystem (Specifically,
    the current machine's)."."""
    notes: dict[str, str] = {}
    spans = []
    for m in _FOOTNOTE.finditer(text):
        if not inside_spans(fences, m.start() + 1):
            notes[m.group(1).lower()] = " ".join(m.group(2).split())
            spans.append((m.start(), m.end()))
    if not notes:
        return text, fences
    text, fences = _cut_spans(text, fences, spans)

    def marked(m: re.Match[str]) -> str:  # at its first mark: a page marking one note often grows by it once
        key = m.group(1).lower()
        if key not in notes:
            return m.group()
        note = notes[key]
        notes[key] = ""
        return f" ({note})" if note else ""

    def prose(piece: str) -> str:
        return outside_code_spans(piece, lambda p: _FOOTNOTE_MARK.sub(marked, p)) if "[^" in piece else piece

    return _changed_outside(text, fences, prose), fences


def without_shortcodes_and_comments(body: str) -> str:
    """`body` without Hugo shortcodes and HTML comments: what parsing drops first, code or not
    (a comment may hide a heading or a fence)."""
    if holds(body, "{{"):
        body = cut(SHORTCODE_TAG.sub(_shortcode_text, body), *_SHORTCODE)
    if holds(body, "<!--"):
        body = cut(body, *_COMMENT)
    return body


def _shortcode_text(tag: re.Match[str]) -> str:
    """What a Hugo shortcode shows in the sentence it sits in, where that is in the tag: a
    `text="…"` parameter (`{{< glossary_tooltip text="containers" term_id="container" >}}`), a
    glossary term's id, a `heading` shortcode's string, a tab's label, a feature's state. Any
    other tag is left to be cut: its output (a figure, a version, a file's contents) is not in
    the page."""
    name, params = tag.group(2), tag.group(3)
    if (text := shortcode_param(params, "text")) is not None:
        return text
    if name == "glossary_tooltip" and (term := shortcode_param(params, "term_id")):
        return term if term.startswith("kube") else term.replace("-", " ")  # kube-proxy is a program's name
    if name == "heading" and (first := FIRST_ARGUMENT.match(params)):
        key = next(g for g in first.groups() if g is not None)
        return _HEADING_KEYS.get(key.lower(), key.replace("_", " "))
    if name == "tab" and (label := shortcode_param(params, "name") or shortcode_param(params, "header")):
        return f"**{label.strip()}**\n"  # a tab's label, above its content (Kubernetes' `name`, Docsy's `header`)
    if name == "figure" and (caption := shortcode_param(params, "caption") or shortcode_param(params, "title")):
        return caption  # what the site shows under the image
    if name == "feature-state" and (state := shortcode_param(params, "state")):
        since = shortcode_param(params, "for_k8s_version")
        return f"Feature state: {'Kubernetes ' + since + ' ' if since else ''}[{state}]"
    return tag.group()


def shortcode_param(params: str, key: str) -> str | None:
    m = _SHORTCODE_PARAMS[key].search(params)
    return None if m is None else next(g for g in m.groups() if g is not None)


def delimited(text: str, opener: re.Pattern[str], closer: re.Pattern[str]) -> Iterator[tuple[int, int]]:
    """(start, end) of each run from an `opener` match to the first `closer` match after it,
    in order; none after an opener never closed. Two searches that only move forward: one
    lazy regex (`<!--.*?-->`) reads to the end of the text from every unclosed opener, and a
    page of 20,000 of them took 23 s to load."""
    found = opener.search(text)
    while found is not None:
        end = closer.search(text, found.end())
        if end is None:
            return
        yield found.start(), end.end()
        found = opener.search(text, end.end())


def cut(text: str, opener: re.Pattern[str], closer: re.Pattern[str]) -> str:
    """`text` without the runs from an `opener` to the next `closer` (see `delimited`)."""
    return "".join(_outside(text, delimited(text, opener, closer)))


def _outside(text: str, spans: Iterable[tuple[int, int]]) -> Iterator[str]:
    """The pieces of `text` outside `spans` (sorted, not overlapping)."""
    last = 0
    for start, end in spans:
        yield text[last:start]
        last = end
    yield text[last:]


def outside_fences(markdown: str, change: Callable[[str], str]) -> str:
    """`markdown` with `change` applied to each stretch of it outside fenced code blocks."""
    text = "\n" + markdown
    return _changed_outside(text, fence_spans(text)[0], change)[1:]


def _changed_outside(text: str, spans: list[tuple[int, int]], change: Callable[[str], str]) -> str:
    """`text` with `change` applied to each stretch of it outside `spans` (sorted, not overlapping)."""
    out: list[str] = []
    last = 0
    for start, end in spans:
        out.extend((change(text[last:start]), text[start:end]))
        last = end
    out.append(change(text[last:]))
    return "".join(out)


def _without(text: str, fences: list[tuple[int, int]],
             comment: tuple[re.Pattern[str], re.Pattern[str]]) -> tuple[str, list[tuple[int, int]]]:
    """`text` without the comments opened and closed by `comment` where they are prose (and
    its fences, found again if any moved): a comment in prose is code in code ("%%" in a
    notebook's `%%bash`, `{/* … */}` in a JSX example). One with an end in a fence or a code
    span, or a fence between its ends, is left alone; so is a "%%" never closed (which
    Obsidian would hide to the end of the note). But a comment whose two ends are lines of
    their own hides the fences between them, as Obsidian does (a note's hidden snippets, an
    Excalidraw drawing's JSON)."""
    in_code_span = CodeSpanReader(text)

    def prose(start: int, end: int) -> bool:
        if inside_spans(fences, start) or in_code_span(start) or in_code_span(end - 1):
            return False
        first = bisect_right(fences, (start, 1 << 62))  # the first fence starting after `start`
        return not (first < len(fences) and fences[first][0] < end) or _block_comment(text, comment, fences, start, end)

    return _cut_spans(text, fences, [(start, end) for start, end in delimited(text, *comment) if prose(start, end)])


def _block_comment(text: str, comment: tuple[re.Pattern[str], re.Pattern[str]], fences: list[tuple[int, int]],
                   start: int, end: int) -> bool:
    """Whether the comment from `start` to `end` opens and closes on lines of their own, its
    end in prose: then the fences between are in the comment."""
    opener = comment[0].match(text, start)
    if opener is None or text[start - 1:start] not in ("\n", "") or text[end:end + 1] not in ("\n", ""):
        return False
    line_end = text.find("\n", opener.end())
    closing_line = text.rfind("\n", 0, end) + 1
    return (closing_line > start and not text[opener.end():line_end if line_end >= 0 else len(text)].strip()
            and comment[1].fullmatch(text[closing_line:end].strip()) is not None and not inside_spans(fences, end - 1))


def _cut_spans(text: str, fences: list[tuple[int, int]],
               spans: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """`text` without `spans` (sorted, not overlapping), and its fences, found again if any moved."""
    if not spans:
        return text, fences
    text = "".join(_outside(text, spans))
    return text, fence_spans(text)[0]


def _without_browser_markup(text: str, fences: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """`text` without what it holds for the browser (`_BROWSER_CODE`) and without lines of
    layout tags only (`_LAYOUT_LINE`: a blank line in their place), in prose; and its
    fences, found again. The text such a layout tag wraps stays."""
    if _BROWSER_HINT.search(text):
        for tag, element in _BROWSER_CODE:
            if f"<{tag}" in text:
                text, fences = _without(text, fences, element)
    if not _LAYOUT_HINT.search(text):
        return text, fences
    return _cut_spans(text, fences, [(m.start() + 1, m.end()) for m in _LAYOUT_LINE.finditer(text)
                                     if not inside_spans(fences, m.start() + 1)])


class CodeSpanReader:
    """Whether a position follows an odd number of backticks on its line (it is in a code
    span), asked of positions in increasing order: each call counts only from the last one,
    so a long line with many questions about it is read once, not once per question."""

    def __init__(self, text: str) -> None:
        self._text, self._pos, self._count = text, 0, 0

    def __call__(self, pos: int) -> bool:
        text = self._text
        newline = text.rfind("\n", self._pos, pos)
        if newline >= 0:
            self._count = text.count("`", newline + 1, pos)
        else:
            self._count += text.count("`", self._pos, pos)
        self._pos = pos
        return self._count % 2 == 1


def fence_spans(body: str) -> tuple[list[tuple[int, int]], str]:
    """(start, end) of every fenced code block, and the marker of one left open at the end.

    Fences opened on a list item's line ("- ```") are looked for only when a fence is left
    open without them: that is what missing one does (its closing line opens a fence), and
    looking for them everywhere doubles the time of this scan, which every document pays."""
    if not _has_fence(body):
        return [], ""
    nested = "    ```" in body or "    ~~~" in body  # a fence line indented 4 or more (two C-level searches)
    spans, unclosed = _fences(body, _NESTED_FENCE_LINE if nested else _FENCE_LINE)
    if unclosed:
        with_items = _fences(body, _ITEM_FENCE_LINE)
        if not with_items[1]:
            return with_items
    return spans, unclosed


def _fences(body: str, line: re.Pattern[str]) -> tuple[list[tuple[int, int]], str]:
    """Fence lines paired in order. A line indented 4 spaces or more (only `_NESTED_FENCE_LINE`
    finds them) opens a fence only in a list item whose content it starts within 3 columns of
    (`ListItems`; else it is a line of an indented code block), and closes only the fence
    it opened: one indented within 3 columns of that fence's opening line."""
    spans: list[tuple[int, int]] = []
    open_at, marker, indent = -1, "", 0
    items: ListItems | None = None
    for m in line.finditer(body):
        fence = m.group(2)
        at = len(m.group(1))
        if open_at < 0:
            if at > 3 and items is None:
                items = ListItems(body)
            if at <= 3 or items is not None and items.within(m.start(), at):
                open_at, marker, indent = m.start() + 1, fence, at
        elif fence[0] == marker[0] and len(fence) >= len(marker) and (at <= 3 if indent <= 3 else abs(at - indent) <= 3):
            spans.append((open_at, m.end()))
            open_at, marker = -1, ""
    return spans, marker if open_at >= 0 else ""


class ListItems:
    """Which lines of one text lie in an open list item whose content starts at most 3 columns
    left of them, as CommonMark reads a fence in a list ("1. Paste this:" / blank /
    "      ```"). Each question reads upwards from its line, at most LIST_ITEM_LOOKBACK lines,
    and all of them at most TEXT_LOOKBACK lines in all (then the answer is no): a page of
    20,000 indented fence lines, each read back 400 lines, took 10 s to load."""

    def __init__(self, body: str) -> None:
        self.body = body
        self.budget = TEXT_LOOKBACK

    def within(self, newline: int, indent: int) -> bool:
        """Whether the line after the newline at `newline`, indented `indent` columns, is in
        such an item. An item is open unless a block between (a later item too) starts left
        of its content (a paragraph's later lines, which may be lazy, do not count); a block
        at column 0 ends every list; a line 4 or more past the item's content is its code."""
        body, end = self.body, newline
        floor = indent  # the leftmost block (an item too) started between: an item is open if its content is not right of it
        for _ in range(LIST_ITEM_LOOKBACK):
            self.budget -= 1
            if end <= 0 or self.budget < 0:
                return False
            start = body.rfind("\n", 0, end) + 1
            line = body[start:end]
            end = start - 1
            if not line.strip():
                continue
            lead = len(line) - len(line.lstrip())
            item = _LIST_ITEM.match(line)
            if item is not None:
                if item.end() <= floor:
                    return indent <= item.end() + 3
                floor = min(floor, lead)
                continue
            above = body[body.rfind("\n", 0, end) + 1:end] if end > 0 else ""
            if not above.strip() or fence_marker(above.lstrip()) is not None:  # a block starts here
                if lead == 0:
                    return False
                floor = min(floor, lead)
        return False


def inside_spans(spans: list[tuple[int, int]], pos: int) -> bool:
    if not spans:
        return False
    i = bisect_right(spans, (pos, 1 << 62)) - 1
    return i >= 0 and spans[i][0] <= pos < spans[i][1]


def _clean_text(body: str, start: int, end: int, fences: list[tuple[int, int]],
                refs: dict[str, str], links: list[WikiLink]) -> str:
    """body[start:end], prose cleaned, fenced code copied verbatim."""
    parts: list[str] = []
    pos = start
    first = max(bisect_right(fences, (start, 1 << 62)) - 1, 0)  # fences are sorted: skip those before
    for f_start, f_end in fences[first:]:
        if f_start >= end:
            break
        if f_end <= pos:
            continue
        if f_start > pos:
            parts.append(_clean_inline(body[pos:f_start], refs, links))
        parts.append(body[max(f_start, pos):min(f_end, end)])
        pos = min(f_end, end)
    if pos < end:
        parts.append(_clean_inline(body[pos:end], refs, links))
    return "".join(parts)


def _heading(raw: str, refs: dict[str, str], links: list[WikiLink]) -> tuple[str, str]:
    """A heading's clean text (wiki links as plain words) and its explicit anchor."""
    heading, anchor = _heading_parts(raw)
    return without_link_marks(_clean_inline(heading, refs, links)), anchor


def fence_marker(line: str) -> str | None:
    """The run of backticks or tildes with which `line` opens or closes a code fence, if any."""
    m = _FENCE.match(line)
    return m.group(1) if m else None


def toggle_fence(open_fence: str | None, marker: str) -> str | None:
    """The fence open after a fence line with `marker`: it opens one, closes the open one, or
    (a shorter or other marker inside a fence) leaves it open."""
    if open_fence is None:
        return marker
    if marker[0] == open_fence[0] and len(marker) >= len(open_fence):
        return None
    return open_fence


def code_line(line: str, fence: str | None) -> tuple[bool, str | None]:
    """Whether `line` is code (a fence line, or in a fence opened before it) and the fence
    open after it: what a line-by-line reader of prose asks of each line first."""
    marker = fence_marker(line)
    if marker is None:
        return fence is not None, fence
    return True, toggle_fence(fence, marker)


def title_lines(title: str, indent: str = "") -> list[str]:
    """The lines a block's title (an admonition's, a directive's) becomes: bold, on its own
    (bold inside it goes: `!!! check "**FastAPI** uses it to"` showed "****FastAPI** uses it to**")."""
    if "**" in title or "__" in title:
        title = _EMPHASIS.sub(r"\2", title)
    return [f"{indent}**{title}**", ""] if title else [""]


def _heading_parts(raw: str) -> tuple[str, str]:
    """Heading text without closing hashes, an attribute list (`{#id}`, `{: .class}`), icon
    shortcodes (`:octicons-heart-16:`) or `<a name>`, and the anchor they gave."""
    anchor = ""
    m = _ANCHOR.search(raw) if "<" in raw else None
    if m:
        anchor = m.group(1)
        raw = _ANCHOR.sub("", raw)
    m = _HEADING_ATTRIBUTES.search(raw) if "{" in raw else None
    if m:
        anchor = anchor or ((found := _HEADING_ID.search(m.group(1))) and found.group(1)) or ""
        raw = raw[: m.start()]
    if ":" in raw:
        raw = ICON.sub("", raw)
    if "#" in raw:
        raw = _CLOSING_HASHES.sub("", raw)
    if "\\" in raw:
        raw = unescape(raw)
    return plain_heading(without_link_marks(raw)), anchor


# an Obsidian block id at the end of a line, `Approvals go to Alice. ^approvals` (what
# `[[Note#^approvals]]` links to): Obsidian does not show it
_BLOCK_ID_MARK = re.compile(r"[ \t]\^(?=[\w-]*[A-Za-z])[\w-]+[ \t]*$", re.MULTILINE)


def without_block_ids(text: str) -> str:
    """`text` without its Obsidian block ids, in prose (code is left as written)."""
    if not holds(text, "^") or _BLOCK_ID_MARK.search(text) is None:
        return text
    return outside_fences(text, lambda prose: _BLOCK_ID_MARK.sub("", prose))


def finish_links(text: str, names: dict[str, str]) -> str:
    """Wiki-link text as its final display: renamed where `names` says, markers removed; an
    embed's marker is kept (`EMBED_MARK`: what it shows is placed once the text is cut up)."""
    if LINK_OPEN not in text:
        return text
    for old, new in names.items():
        text = text.replace(f"{LINK_OPEN}{old}{LINK_CLOSE}", new)
    if EMBED not in text:
        return without_link_marks(text)
    return _LINK_MARK.sub(lambda m: m.group(0) if m.group(1) else m.group(2), text)


def wiki_links_as_text(text: str) -> str:
    """`text` with its `[[wiki links]]` as their display text, for text placed after parsing
    (a Logseq block shown where it is referred to)."""
    return without_link_marks(_WIKI.sub(partial(_wiki_text, []), text)) if holds(text, "[[") else text


def without_link_marks(text: str) -> str:
    """Text with its wiki links as their display text (an embed's too)."""
    return text.replace(LINK_OPEN, "").replace(LINK_CLOSE, "").replace(EMBED, "") if LINK_OPEN in text else text


_BLANK_LINES = re.compile(r"\n(?:[^\S\n]*\n)+")  # one or more whitespace-only lines, with their ends


def blocks(text: str) -> list[str]:
    """Paragraph-level blocks: runs of lines between blank lines; a code fence is one block
    (one nested in a list item too, and one left open runs to the end)."""
    body = f"\n{text}\n"
    if not _has_fence(text):  # no fence: one C-level split, not a loop over the lines
        out = _BLANK_LINES.split(body)
    else:
        spans, unclosed = fence_spans(body)
        if unclosed:
            spans.append((_unclosed_fence(body, spans), len(body)))
        out, last = [], 0
        for m in _BLANK_LINES.finditer(body):
            if not inside_spans(spans, m.start()):
                out.append(body[last:m.start()])
                last = m.end()
        out.append(body[last:])
    out[0] = out[0].removeprefix("\n")  # the newlines added around the text
    out[-1] = out[-1].removesuffix("\n")
    return [b for b in out if b]


def _unclosed_fence(body: str, spans: list[tuple[int, int]]) -> int:
    """Where the fence left open in `body` opens: the first fence line after the last closed one."""
    m = _NESTED_FENCE_LINE.search(body, spans[-1][1] if spans else 0)
    return m.start() + 1 if m else len(body)


def index_text(markdown: str) -> str:
    """The words of `markdown` for indexing: link targets and HTML tags left out."""
    text = _INLINE_LINK.sub(r"\1", markdown) if holds(markdown, "](") else markdown
    if "<" in text:
        text = re.sub(r"<[^>\n]{1,200}>", " ", text)
    return text


def strip_markup(markdown: str) -> str:
    """One-line prose for summaries: no emphasis, links or list markers (code spans kept)."""
    text = _INLINE_LINK.sub(r"\1", markdown)
    text = _EMPHASIS.sub(r"\2", text)
    text = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", text, flags=re.MULTILINE)
    return re.sub(r"\s+", " ", text).strip()
