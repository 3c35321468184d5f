"""A reply's Markdown read once, by markdown-it-py, and written in each chat dialect.

`convert(markdown, dialect)` walks the CommonMark token stream (plus ~~strikethrough~~) and
asks a `Dialect` how to write each construct: literal text, an escaped character, strong,
emphasis, strike, a code span, a code block, a link, a heading, a list item's marker, a
quote, a rule. So code blocks, links, lists and escapes are read the same way for every
dialect; each dialect lives with its platform and only says how its syntax writes them.
The base `Dialect` writes plain text (`plain_text`).

What every dialect gets from the walker:
- text is handed over in runs: consecutive text, escaped characters, entities, inline HTML
  (shown as text, never interpreted; the common tags of documents are first written as
  Markdown, bot/inlinehtml.py) and links written as text are one `text` call, so a
  dialect that defuses `@here` sees `@[here](page)` or `@&#104;ere` as the `@here` it shows;
- what a document means by marks CommonMark reads otherwise is read as meant first
  (bot/notemarks.py: bold spaced inside one end, `==highlights==`, task boxes, block ids);
- code (spans and blocks) is handed over exactly as written; a ~~~ fence is a code block
  like a ``` one, and an unclosed fence runs to the end of the text;
- a link arrives as a `Link`: its label already written, its URL as CommonMark normalised it,
  and whether the label names another site than the URL opens (`misleading`: then a chat
  dialect shows the URL, `Link.bare`), so no dialect can forget to ask; a URL
  the dialect cannot link (`links_to`) leaves its label as text; with `links=False` (text
  quoting what a user wrote) no link is made at all: `[label](url)` is shown as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal, Sequence

from .inlinehtml import html_as_markdown
from .linkcheck import misleading
from .markdown import is_table
from .notemarks import as_meant

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

# A paragraph with a line at least this long before a line break was wrapped by its author's
# editor (docs wrap at 72–120 columns): its line breaks are spaces, as a web page shows them.
# Shorter lines were broken on purpose ("Owner: Alice" / "Due: Friday" in a note), and a chat
# shows them as written. Set by hand: wrapped prose rarely has a line under 60 characters
# before the last, and notes written line by line rarely have one over it.
WRAPPED_LINE = 60
# ...and in any paragraph, a line at least this long whose next line goes on in lower case was
# broken mid-sentence ("installed in editable mode (using" / "the --editable option)"), not
# on purpose. Set by hand, as above.
CONTINUED_LINE = 30
_FENCE_LANGUAGE = re.compile(r"^[{.\s]*([^\s{}.,]+)")  # an info string's first word, less braces and a class dot
_TRIPLE = re.compile(r"``(?=`)")  # two backticks before a third: a ZWSP between them breaks every ``` run


@lru_cache(maxsize=1)
def _parser() -> "MarkdownIt":
    from markdown_it import MarkdownIt  # imported on the first reply rendered, not at start-up

    # CommonMark plus ~~strikethrough~~; without `text_join`, an escaped `\*` stays a token of its own
    return MarkdownIt("commonmark").enable("strikethrough").disable("text_join")


@lru_cache(maxsize=32)
def _tokens(markdown: str) -> Sequence["Token"]:
    """The token stream of `markdown`; kept for a few texts, as one reply is often written twice
    (its message and its notification text). The walker never changes a token."""
    return tuple(_parser().parse(markdown))


# -- the dialects' interface -------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Link:
    """A link as the walker read it."""

    label: str  # as the dialect wrote it
    url: str  # as CommonMark normalised it (`|`, spaces and `<>` percent-encoded)
    plain: str  # the label's plain text
    autolink: bool  # written `<url>`
    misleading: bool  # the label names a site other than the one the URL opens (bot.linkcheck)

    @property
    def names_its_url(self) -> bool:
        """The label is the URL itself: AWS's docs write
        `[https://…/API_CreateLabelingJob.html](https://…/API_CreateLabelingJob.html)`."""
        return self.plain == self.url

    @property
    def bare(self) -> bool:
        """Show the URL itself rather than a label: an autolink, no label, a misleading one,
        or the URL itself (shown as a label, it was said twice)."""
        return self.autolink or self.misleading or not self.label.strip() or self.names_its_url


class Dialect:
    """How one Markdown dialect writes what the parser found. This base writes plain text
    (no marks, links as their label); a dialect overrides what its syntax does differently.

    `text` receives literal text and must make it show as written (escape what the dialect
    would read as markup, defuse mentions); `escaped` receives a character the author escaped
    (`\\*`) or wrote as an entity, and returns text that is then passed through `text` with
    the run around it. `code` and `code_block` receive code exactly as written."""

    bullet = "-"                                  # a bullet list item's marker
    strong_marks: tuple[str, str] = ("", "")      # around **strong** text
    emphasis_marks: tuple[str, str] = ("", "")    # around *emphasised* text
    strike_marks: tuple[str, str] = ("", "")      # around ~~struck~~ text
    bold_headings = False                         # headings are written bold: no strong marks inside one
    indent_code = True                            # a code block in a list item is indented with the item
    quote = "> "                                  # before each line of a block quote
    rule = "─" * 10                               # a thematic break (`---`)
    link_schemes: tuple[str, ...] = ("http://", "https://", "mailto:")

    def text(self, text: str) -> str:
        return text

    def escaped(self, char: str) -> str:
        return char

    def code(self, code: str) -> str:
        return code

    def code_block(self, code: str, info: str) -> str:
        """A fenced or indented block (`info`: the language its fence names, if any), without a final newline."""
        return code.removesuffix("\n")

    def links_to(self, url: str) -> bool:
        """Can this dialect link to `url`? If not, the link's label is shown as text."""
        return url.startswith(self.link_schemes)

    def link(self, link: "Link") -> str:
        """A link (its label already written by this dialect)."""
        return link.label if link.label.strip() and not link.autolink else link.url.removeprefix("mailto:")

    def heading(self, level: int, text: str) -> str:
        return text

    def paragraph(self, text: str, indent: int) -> str:
        """A paragraph's written text, its lines to be indented by `indent` columns (to wrap them)."""
        return text


def backtick_fence(code: str, info: str = "") -> str:
    """`code` as a ``` block, the only fence some dialects know: a run of three backticks in it is
    broken (a zero-width space) so it cannot end the block early; `info` loses any backtick."""
    body = _TRIPLE.sub("``\u200b", code)
    if body and not body.endswith("\n"):
        body += "\n"
    return "```" + info.replace("`", "") + "\n" + body + "```"


# -- the walker --------------------------------------------------------------------------

_Line = tuple[str, bool]  # a written line, and whether it is code
_MARKED = {"strong": "strong_marks", "em": "emphasis_marks", "s": "strike_marks"}
_SPANS = {f"{name}_{side}": (name, i) for name in _MARKED for i, side in enumerate(("open", "close"))}
_PLAIN_TOKENS = frozenset({"text", "text_special", "code_inline", "html_inline"})


def convert(markdown: str, dialect: Dialect, links: bool = True) -> str:
    """`markdown` written in `dialect`. With `links=False` no link is made: `[label](url)` and
    `<url>` are shown as written (for text quoting what a user wrote)."""
    if not markdown.strip():
        return ""
    # a document's HTML (bot/inlinehtml.py) and bold it spaced wrongly are read as meant
    tokens = _tokens(html_as_markdown(as_meant(markdown)) if links else markdown)
    lines = _Walk(dialect, links).blocks(tokens, 0, len(tokens), 0, tight=False)
    return "\n".join(line for line, _ in lines)


def plain_text(markdown: str, links: bool = True) -> str:
    """`markdown` as plain text: no marks, a link as its label."""
    return convert(markdown, Dialect(), links)


Breaks = Literal["lines", "wrapped", "table"]


def _breaks(source: str) -> Breaks:
    """How a paragraph's plain line breaks read (from its Markdown source): a table's rows stay
    lines (CommonMark reads a table as a paragraph, a row a line); a paragraph wrapped by an
    editor (WRAPPED_LINE) reads as one line; else each break stays, unless it breaks a
    sentence (CONTINUED_LINE, `_Walk.inline`)."""
    lines = source.split("\n")
    if len(lines) < 2:
        return "lines"
    if is_table(source) or any(line.lstrip().startswith("|") for line in lines):
        return "table"
    return "wrapped" if max(map(len, lines[:-1])) >= WRAPPED_LINE else "lines"


def _close(tokens: Sequence["Token"], i: int) -> int:
    """The index of the token closing the container opened at `i`."""
    level = tokens[i].level
    j = i + 1
    while tokens[j].level != level or tokens[j].nesting != -1:
        j += 1
    return j


def _plain(tokens: Sequence["Token"]) -> str:
    return "".join(t.content if t.type in _PLAIN_TOKENS else " " if t.type.endswith("break") else ""
                   for t in tokens)


@dataclass
class _Walk:
    d: Dialect
    links: bool

    def blocks(self, tokens: Sequence["Token"], i: int, stop: int, indent: int, tight: bool) -> list[_Line]:
        """The blocks in tokens[i:stop], one blank line between them (none in a tight list item)."""
        d = self.d
        out: list[_Line] = []
        while i < stop:
            t = tokens[i]
            kind = t.type
            block: list[_Line]
            if kind == "paragraph_open":
                source = tokens[i + 1]
                text = d.paragraph(self.inline(source.children or [], {}, _breaks(source.content)), indent)
                block, i = [(line, False) for line in text.split("\n")], i + 3
            elif kind == "heading_open":
                depth = {"strong": 1} if d.bold_headings else {}
                text = d.heading(int(t.tag[1:]), self.inline(tokens[i + 1].children or [], depth))
                block, i = [(line, False) for line in text.split("\n")], i + 3
            elif kind in ("bullet_list_open", "ordered_list_open"):
                end = _close(tokens, i)
                block, i = self.items(tokens, i, end, indent), end + 1
            elif kind == "blockquote_open":
                end = _close(tokens, i)
                inner = self.blocks(tokens, i + 1, end, indent + len(d.quote), tight=False)
                block, i = [(d.quote + line if line else d.quote.rstrip(), code) for line, code in inner], end + 1
            elif kind in ("fence", "code_block"):
                # the info string's first word is the language; the rest ("toml tab=\"pyproject.toml\"",
                # "python title=\"app.py\"") is for the site's renderer, and a chat would show it as code;
                # braces name it too (R Markdown's "{r setup, include=FALSE}", Pandoc's "{.python}")
                words = _FENCE_LANGUAGE.findall(t.info) if kind == "fence" else []
                info = words[0] if words else ""
                block, i = [(line, True) for line in d.code_block(t.content, info).split("\n")], i + 1
            elif kind == "html_block":  # shown as text, never interpreted
                text = d.paragraph(d.text(t.content.rstrip("\n")), indent)
                block, i = [(line, False) for line in text.split("\n")], i + 1
            elif kind == "hr":
                block, i = [(d.rule, False)], i + 1
            else:
                i += 1
                continue
            if not any(line for line, _ in block):  # an empty heading (`#`) or paragraph leaves no gap
                continue
            if out and not tight:
                out.append(("", False))
            out.extend(block)
        return out

    def items(self, tokens: Sequence["Token"], i: int, end: int, indent: int) -> list[_Line]:
        """A bullet or ordered list from tokens[i] (its opening) to tokens[end] (its closing)."""
        d = self.d
        opening = tokens[i]
        ordered = opening.type == "ordered_list_open"
        number = int(opening.attrGet("start") or 1) if ordered else 0
        # CommonMark hides the paragraphs of a tight list: its items have no blank line between them
        tight = next((t.hidden for t in tokens[i + 1:end] if t.type == "paragraph_open" and t.level == opening.level + 2),
                     True)
        out: list[_Line] = []
        j = i + 1
        while j < end:
            item_end = _close(tokens, j)
            marker = f"{number}{tokens[j].markup}" if ordered else d.bullet
            pad = " " * (len(marker) + 1)
            inner = self.blocks(tokens, j + 1, item_end, indent + len(pad), tight) or [("", False)]
            if out and not tight:
                out.append(("", False))
            first, code = inner[0]
            out.append((f"{marker} {first}".rstrip(), code))
            out.extend((pad + line if line and (d.indent_code or not code) else line, code) for line, code in inner[1:])
            number += 1
            j = item_end + 1
        return out

    def inline(self, tokens: Sequence["Token"], depth: dict[str, int], breaks: Breaks = "lines") -> str:
        """An inline run of tokens, written; `depth` counts the strong/em/strike spans it is in.
        A line break without a mark (a soft break) is a space in a "wrapped" paragraph, and in
        "lines" where a line of CONTINUED_LINE characters goes on in lower case (`_breaks`)."""
        d = self.d
        out: list[str] = []
        run: list[str] = []  # literal text, handed to the dialect in one piece
        closing: list[str] = []  # what ends each link being shown as text
        line_start = 0  # the first token of the current line

        def flush() -> None:
            if run:
                out.append(d.text("".join(run)))
                run.clear()

        i = 0
        while i < len(tokens):
            t = tokens[i]
            kind = t.type
            if kind in ("text", "html_inline"):
                run.append(t.content)
            elif kind == "text_special":  # `\*` or an entity: a character meant literally
                run.append(d.escaped(t.content))
            elif kind == "softbreak":
                after = tokens[i + 1] if i + 1 < len(tokens) else None
                continued = (breaks == "lines" and after is not None and after.type == "text"
                             and after.content[:1].islower() and len(_plain(tokens[line_start:i]).strip()) >= CONTINUED_LINE)
                run.append(" " if breaks == "wrapped" or continued else "\n")
                line_start = i + 1
            elif kind == "hardbreak":
                run.append("\n")
                line_start = i + 1
            elif kind == "code_inline":
                flush()
                out.append(d.code(t.content))
            elif kind in _SPANS:
                name, side = _SPANS[kind]
                if side:  # closing
                    depth[name] -= 1
                # only the outermost span of a kind is marked (`**a **b** c**`, a bold heading's **b**)
                mark = getattr(d, _MARKED[name])[side] if depth.get(name, 0) == 0 else ""
                if not side:
                    depth[name] = depth.get(name, 0) + 1
                if mark:  # a mark ends the run; a span written without marks leaves it going
                    flush()
                    out.append(mark)
            elif kind == "link_open":
                url = str(t.attrGet("href") or "")
                autolink = t.markup == "autolink"
                if not self.links:  # shown as written
                    run.append("<" if autolink else "[")
                    closing.append(">" if autolink else f"]({url})")
                elif not d.links_to(url):  # a relative link: its label as text
                    closing.append("")
                else:
                    end = i + 1
                    while tokens[end].type != "link_close":  # links do not nest
                        end += 1
                    label = " ".join(self.inline(tokens[i + 1:end], depth).split("\n"))
                    flush()
                    plain = _plain(tokens[i + 1:end])
                    out.append(d.link(Link(label, url, plain, autolink, misleading(plain, url))))
                    i = end
            elif kind == "link_close":
                run.append(closing.pop() if closing else "")
            elif kind == "image":
                url = str(t.attrGet("src") or "")
                alt = _plain(t.children or [])
                if not self.links:
                    run.append(f"![{alt}]({url})")
                elif not d.links_to(url):
                    run.append(alt)
                else:
                    flush()
                    out.append(d.link(Link(d.text(alt), url, alt, False, misleading(alt, url))))
            i += 1
        flush()
        return "".join(out)
